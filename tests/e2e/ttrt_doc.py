#!/usr/bin/env python3
"""Every command line of tt-mlir's ttrt CLI document (docs/src/ttrt.md: read, run, query, perf,
check), run as written (paths adapted) against binaries compiled from examples/mlir, and every
result file it writes checked field by field against the shapes tools/ttrt writes.

Usage: ttrt_doc.py TTRT SOURCE_DIR WORK_DIR. Prints one line per command and check; exits 1 on
the first broken expectation with what was expected and what came out."""
import csv
import glob
import json
import os
import re
import shutil
import subprocess
import sys

TTRT, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
os.chdir(WORK)
checks = 0


def fail(what):
    print(f"FAIL: {what}")
    sys.exit(1)


def check(cond, what):
    global checks
    if not cond:
        fail(what)
    checks += 1


def ttrt(line, want_rc=0, stdin=None):
    """Runs `ttrt <line>` (a command line of the document) and checks its exit status."""
    args = line.split()
    p = subprocess.run([TTRT] + args, capture_output=True, text=True, input=stdin, timeout=300)
    out = p.stdout + p.stderr
    check(p.returncode == want_rc,
          f"'ttrt {line}' exited {p.returncode}, expected {want_rc}:\n{out[-3000:]}")
    print(f"ok: ttrt {line}")
    return out


def load(path):
    check(os.path.isfile(path), f"{path} was not written")
    with open(path) as f:
        return json.load(f)


def keys(obj, want, where):
    check(isinstance(obj, dict), f"{where}: expected an object, got {type(obj).__name__}")
    missing = [k for k in want if k not in obj]
    check(not missing, f"{where}: missing {missing} (has {sorted(obj)})")


BASE = ["file_path", "result", "exception", "log_file", "artifacts"]
LOOP = ["total_duration_ns", "total_submit_duration_ns", "total_get_outputs_duration_ns",
        "total_submit_plus_get_outputs_duration_ns", "total_ttnn_api_duration_ns",
        "total_device_kernel_duration_ns"]
METRICS = ["expected_pcc", "actual_pcc", "atol", "rtol", "allclose", "max",
           "mean_absolute_error", "root_mean_square_error", "cosine_similarity"]
BANK = ["num_banks", "total_bytes_per_bank", "total_bytes_allocated_per_bank",
        "total_bytes_free_per_bank", "largest_contiguous_bytes_free_per_bank", "block_table"]
BLOCK = ["allocated", "nextID", "prevID", "size", "address", "blockID"]


def run_results(path, n, perf=False, result="pass"):
    """run_results.json / perf_results.json: n entries in ttrt's shape."""
    r = load(path)
    check(isinstance(r, list) and len(r) == n, f"{path}: {len(r)} entries, expected {n}")
    for e in r:
        keys(e, BASE + ["program_index", "program_results"], path)
        check(e["result"] == result, f"{path}: {e['file_path']} is {e['result']}: {e['exception']}")
        check(isinstance(e["exception"], str) and isinstance(e["log_file"], str), path)
        check(os.path.isabs(e["artifacts"]), f"{path}: artifacts {e['artifacts']} is not absolute")
        for pk, loops in e["program_results"].items():
            check(re.fullmatch(r"program_index_\d+", pk), f"{path}: program key {pk}")
            check(loops and all(re.fullmatch(r"loop_\d+", lk) for lk in loops), f"{path}: {loops}")
            for lk, lv in loops.items():
                keys(lv, LOOP, f"{path} {pk} {lk}")
                check(isinstance(lv["total_duration_ns"], int) and lv["total_duration_ns"] > 0,
                      f"{path} {pk} {lk}: {lv}")
                filled = lv["total_ttnn_api_duration_ns"] is not None
                check(filled == perf, f"{path} {pk} {lk}: ttnn API totals only in perf: {lv}")
        if result == "pass":
            check(e["program_results"], f"{path}: a passing entry has no program_results")
    return r


def golden_report(path):
    g = load(path)
    check(g, f"{path}: empty")
    for loc, devices in g.items():
        check(re.fullmatch(r'loc\(".*"\)(#\d+)?', loc), f"{path}: key {loc!r} is not a loc(...)")
        for d, m in devices.items():
            check(d.isdigit(), f"{path}: {loc}: device key {d!r}")
            keys(m, METRICS, f"{path} {loc} {d}")
    return g


def memory_report(path):
    m = load(path)
    check(m, f"{path}: empty")
    for i, (k, op) in enumerate(m.items()):
        check(k == str(i), f"{path}: op key {k!r}, expected {i}")
        keys(op, ["loc", "debug_str", "dram", "l1", "l1_small", "trace"], f"{path} {k}")
        for bank in ("dram", "l1", "l1_small", "trace"):
            keys(op[bank], BANK, f"{path} {k} {bank}")
            for b in op[bank]["block_table"]:
                keys(b, BLOCK, f"{path} {k} {bank} block")
                check(all(isinstance(b[f], str) for f in BLOCK), f"{path}: block fields as strings")
                check(b["allocated"] in ("yes", "no"), f"{path}: allocated {b['allocated']}")


def base_list(path, n, result="pass", extra=(), file_path=True):
    r = load(path)
    check(isinstance(r, list) and len(r) == n, f"{path}: {len(r)} entries, expected {n}")
    for e in r:
        keys(e, [k for k in BASE if k != "file_path" or file_path] + list(extra), path)
        check(e["result"] == result, f"{path}: {e.get('file_path')} is {e['result']}: {e['exception']}")
    return r


# The binaries: out.ttnn (the 2x4 row-parallel linear layer), a directory of every example.
E = os.path.join(SRC, "examples", "mlir")
for name, src in [("out", "tp_linear_2x4"), ("ag", "all_gather_8x4"), ("pre", "presharded_exp_1x2"),
                  ("two", "two_programs")]:
    subprocess.run([TTRT, "compile", f"{E}/{src}.mlir", "-o", f"{name}.ttnn"], check=True,
                   capture_output=True)
os.makedirs("flatbuffers", exist_ok=True)
for name in ("out", "ag", "pre", "two"):
    shutil.copy(f"{name}.ttnn", "flatbuffers/")
NBIN = 4

# ---- read ----------------------------------------------------------------------------------
check("--section" in ttrt("read --help"), "read --help lists --section")
for section in ("version", "system_desc", "mlir", "inputs", "outputs", "op_stats", "mesh_shape"):
    out = ttrt(f"read --section {section} out.ttnn")
    base_list("read_results.json", 1)
    sections = load("read_sections.json")
    check(len(sections) == 1 and sections[0]["file_path"] == "out.ttnn" and section in sections[0],
          f"read_sections.json for --section {section}: {sections}")
    if section == "mlir":
        check("ttir.reduce_scatter" in out, "read --section mlir prints the MLIR")
    if section == "mesh_shape":
        check(sections[0][section][0]["value"] == "2x4", f"mesh_shape: {sections[0]}")
os.makedirs("ttrt-artifacts/stale", exist_ok=True)
ttrt("read --section all out.ttnn --clean-artifacts")
check(not os.path.exists("ttrt-artifacts/stale"), "--clean-artifacts left the artifact dir")
ttrt("read --section all out.ttnn --save-artifacts")
check(os.path.isfile("ttrt-artifacts/out.ttnn/out.ttnn"), "read --save-artifacts saves the binary")
out = ttrt("read --section all flatbuffers")
base_list("read_results.json", NBIN)
check(all(f"flatbuffers/{n}.ttnn" in out for n in ("out", "ag", "pre", "two")),
      "read DIR prints one entry per file with its path")
ttrt("query --save-artifacts --artifact-dir sysdesc --quiet")
shutil.copy("sysdesc/system_desc.ttsys", "system_desc.ttsys")
out = ttrt("read system_desc.ttsys")
check('"cluster"' in out, "read of a .ttsys prints the cluster")
ttrt("read --section system_desc system_desc.ttsys")
ttrt("read system_desc.ttsys --log-file ttrt.log")
check(os.path.getsize("ttrt.log") > 0, "--log-file ttrt.log holds the log")
ttrt("read out.ttnn --save-artifacts --artifact-dir some/dir")
check(os.path.isfile("some/dir/out.ttnn/out.ttnn"), "--artifact-dir some/dir")
ttrt("read out.ttnn --result-file result.json")
base_list("result.json", 1)

# ---- run -----------------------------------------------------------------------------------
check("--non-zero" in ttrt("run --help"), "run --help lists ttrt's flags")
for line in ["run out.ttnn", "run out.ttnn --seed 0", "run out.ttnn --init arange",
             "run out.ttnn --clean-artifacts", "run out.ttnn --loops 10",
             "run --program-index all out.ttnn", "run --program-index 0 out.ttnn",
             "run out.ttnn --disable-golden", "run out.ttnn --print-input-output-tensors",
             "run out.ttnn --dump-kernels --kernel-source-dir /tmp",
             "run out.ttnn --load-kernels --kernel-source-dir /tmp"]:
    out = ttrt(line)
    run_results("run_results.json", 1)
    if "--loops 10" in line:
        loops = load("run_results.json")[0]["program_results"]["program_index_0"]
        check(sorted(loops) == sorted(f"loop_{i}" for i in range(10)), f"--loops 10: {sorted(loops)}")
    if "kernels" in line:
        check("nothing to" in out, f"'{line}' prints its note")
# --identity: the linear layer is not the identity (a test error, exit 42); the all_gather is.
ttrt("run out.ttnn --identity", want_rc=42)
run_results("run_results.json", 1, result="test_error")
ttrt("run ag.ttnn --identity --rtol 1 --atol 1")
ttrt("run out.ttnn --save-artifacts")
run_results("run_results.json", 1)
P = "ttrt-artifacts/out.ttnn/run/program_0"
for f in ("input_0.npy", "input_1.npy", "device_output_0.npy", "golden_results.json"):
    check(os.path.isfile(f"{P}/{f}"), f"run --save-artifacts: {P}/{f}")
check(os.path.isfile("ttrt-artifacts/out.ttnn/out.ttnn"), "run --save-artifacts saves the binary")
check(os.path.isfile("ttrt-artifacts/out.ttnn/system_desc.ttsys"), "... and the system desc")
g = golden_report(f"{P}/golden_results.json")
check(sorted(int(d) for d in g.get('loc("partial_matmul")', {})) == list(range(8)),
      f"golden report: every device of the 2x4 mesh: {list(g)[:3]}")
ttrt("run flatbuffers")
run_results("run_results.json", NBIN)
ttrt("run flatbuffers --loops 10")
run_results("run_results.json", NBIN)
ttrt("run flatbuffers --log-file ttrt.log")
check(open("ttrt.log").read().count("evaluating binary=") == NBIN, "ttrt.log logs every binary")
ttrt("run out.ttnn --save-artifacts --artifact-dir some/dir")
check(os.path.isfile("some/dir/out.ttnn/run/program_0/device_output_0.npy"), "run --artifact-dir")
ttrt("run out.ttnn --result-file result.json")
run_results("result.json", 1)
ttrt("run out.ttnn --save-golden-tensors --artifact-dir goldens")
saved = sorted(os.listdir("goldens/out.ttnn/run/program_0"))
# 6 ops whose result lives on the 8 chips, and the gathered output on the host (device 0)
check(len([f for f in saved if f.endswith("_device.npy")]) == 6 * 8 + 1,
      f"--save-golden-tensors: {len(saved)} files: {saved[:6]}")
check("loc(_gelu_)_3_golden.npy" in saved and "loc(_gelu_)_3_device.npy" in saved,
      f"--save-golden-tensors names as ttrt's sanitized loc: {saved[:6]}")
out = ttrt("run out.ttnn --debugger", stdin="n\np\nc\n")
check("[debugger] after op shard_x" in out and "golden: pcc" in out, "--debugger steps and prints")
ttrt("run out.ttnn --memory --save-artifacts")
memory_report(f"{P}/memory_results.json")
ttrt("run out.ttnn --memory --check-memory-leak")
run_results("run_results.json", 1)

# ---- query ---------------------------------------------------------------------------------
check("--quiet" in ttrt("query --help"), "query --help")
out = ttrt("query")
q = base_list("query_results.json", 1, extra=["meshrt"], file_path=False)[0]
check(q["meshrt"]["system"]["mesh"] == [8, 4] and '"ranks"' in out, f"query: {q['meshrt']['system']}")
check(ttrt("query --quiet").strip() == "", "query --quiet prints nothing")
ttrt("query --save-artifacts")
check(os.path.isfile("ttrt-artifacts/system_desc.ttsys"), "query --save-artifacts")
ttrt("query --clean-artifacts")
check(not os.path.exists("ttrt-artifacts"), "query --clean-artifacts")
ttrt("query --save-artifacts --log-file ttrt.log")
ttrt("query --save-artifacts --artifact-dir some/dir")
check(os.path.isfile("some/dir/system_desc.ttsys"), "query --artifact-dir")
ttrt("query --result-file result.json")
base_list("result.json", 1, extra=["meshrt"], file_path=False)

# ---- perf ----------------------------------------------------------------------------------
ttrt("perf out.ttnn")
run_results("perf_results.json", 1, perf=True)
with open("ttrt-artifacts/out.ttnn/perf/ops_perf_results.csv") as f:
    header = next(csv.reader(f))
check(header[:6] == ["OP CODE", "OP TYPE", "GLOBAL CALL COUNT", "DEVICE ID", "ATTRIBUTES",
                     "MATH FIDELITY"] and header[-4:] == ["LOC", "CONST_EVAL_OP",
                                                           "INPUT_LAYOUT_CONVERSION_OP",
                                                           "PROGRAM_METADATA"], header)
ttrt("perf out.ttnn --host-only --loops 2")
e = run_results("perf_results.json", 1, perf=True)[0]
check(all(v["total_device_kernel_duration_ns"] is None
          for v in e["program_results"]["program_index_0"].values()), "--host-only: no kernel totals")

# ---- check ---------------------------------------------------------------------------------
check("--system-desc" in ttrt("check --help"), "check --help")
for line in ["check out.ttnn", "check out.ttnn --system-desc system_desc.ttsys",
             "check out.ttnn --clean-artifacts", "check out.ttnn --save-artifacts",
             "check out.ttnn --log-file ttrt.log",
             "check --save-artifacts --artifact-dir some/dir out.ttnn",
             "check out.ttnn --result-file result.json"]:
    ttrt(line)
    base_list("result.json" if "result.json" in line else "check_results.json", 1,
              extra=["system_desc"])
os.makedirs("descs", exist_ok=True)
shutil.copy("system_desc.ttsys", "descs/a.ttsys")
ttrt("query --save-artifacts --artifact-dir t3k --quiet --cluster " +
     os.path.join(SRC, "configs/clusters/t3k.json"))
shutil.copy("t3k/system_desc.ttsys", "descs/b.ttsys")
# Every binary against each: the 8x4 all_gather does not fit the t3k's 8 chips.
ttrt("check flatbuffers --system-desc descs", want_rc=1)
r = load("check_results.json")
check(len(r) == 2 * NBIN, f"check_results.json: {len(r)} entries, expected {2 * NBIN}")
check({e["system_desc"] for e in r} == {"descs/a.ttsys", "descs/b.ttsys"}, "one entry per system")
bad = [(e["file_path"], e["system_desc"]) for e in r if e["result"] != "pass"]
check(bad == [("flatbuffers/ag.ttnn", "descs/b.ttsys")], f"check failures: {bad}")
check("needs a 8x4 mesh (32 chips)" in [e for e in r if e["result"] != "pass"][0]["exception"],
      "the misfit names the chips")

# ---- every flag of tools/ttrt's run and perf is accepted -----------------------------------
# tools/ttrt/common/run.py and perf.py (tt-mlir 19c86fca45) register these; each must be taken
# with its value and the program still pass.
RUN_FLAGS = ["--clean-artifacts", "--save-artifacts", "--log-file ttrt.log",
             "--artifact-dir flags", "--program-index all", "--loops 1", "--init randn",
             "--identity", "--non-zero", "--rtol 1e-05", "--atol 1e-08", "--rtol-allclose 0.05",
             "--atol-allclose 0.001", "--pcc 0.99", "--golden-diff-topk 10", "--seed 0",
             "--dump-kernels", "--load-kernels", "--use-loc-for-kernel-name",
             "--kernel-source-dir /tmp", "--disable-device-address-validation", "--blocking-cq",
             "--disable-swap-binary-operands", "--disable-read-update-index-for-kv-cache",
             "--disable-blackhole-workarounds", "--result-file flags.json", "--enable-golden",
             "--save-golden-tensors", "--print-input-output-tensors", "--debugger", "--memory",
             "--check-memory-leak", "--disable-eth-dispatch", "--ignore-version",
             "--dirty-tensor-schedule 0:1", "--enable-program-cache", "--trace-region-size 0",
             "--dump-device-rate 1000", "--enable-perf-trace", "--benchmark",
             "--ones-density 1", "--fabric-config fabric_1d", "--disable-ttrt-callbacks",
             "--memory-log-level none"]
PERF_FLAGS = ["--host-only", "--port 0", "--emitc", "--filter const_eval"]
check(len(RUN_FLAGS) == 44, f"{len(RUN_FLAGS)} run flags listed, tools/ttrt has 44 and a binary")
for flag in RUN_FLAGS:
    binary = "ag.ttnn" if flag == "--identity" else "out.ttnn"
    ttrt(f"run {binary} {flag}", stdin="c\n")
for flag in PERF_FLAGS + ["--loops 2", "--memory", "--benchmark"]:
    ttrt(f"perf out.ttnn {flag}")
# Flags with a meaning on the simulator change what they should.
ttrt("run out.ttnn --benchmark --result-file bench.json")
e = load("bench.json")[0]
check(sorted(e["program_results"]["program_index_0"]) == ["loop_0", "loop_1"], "--benchmark: 2 loops")
check(e["meshrt"]["programs"]["program_index_0"]["golden"]["checked"] == 0, "--benchmark: no goldens")
ttrt("run out.ttnn --disable-ttrt-callbacks --result-file cb.json")
g = load("cb.json")[0]["meshrt"]["programs"]["program_index_0"]["golden"]
check(g["checked"] == 1, f"--disable-ttrt-callbacks checks the output only: {g}")
ttrt("run out.ttnn --trace-region-size 65536 --memory --save-artifacts --artifact-dir trace")
m = load("trace/out.ttnn/run/program_0/memory_results.json")
check(m["0"]["trace"]["total_bytes_per_bank"] * m["0"]["trace"]["num_banks"] >= 65536,
      f"--trace-region-size reserves DRAM for traces: {m['0']['trace']}")
ttrt("run out.ttnn --init ones --ones-density 4 --save-artifacts --artifact-dir ones")
import struct
raw = open("ones/out.ttnn/run/program_0/input_0.npy", "rb").read()
values = struct.unpack(f"<{256 * 1024}f", raw[-256 * 1024 * 4:])
ones = sum(1 for v in values if v == 1.0)
check(set(values) <= {0.0, 1.0} and 0.2 < ones / len(values) < 0.3,
      f"--ones-density 4: {ones} ones of {len(values)}")
out = ttrt("run out.ttnn --inject-fault gelu --golden-diff-topk 3", want_rc=42)
check(out.count("abs diff") == 3 and out.count("rel diff") == 3 and "output_0 on device host" in out,
      f"--golden-diff-topk 3: three absolute and three relative differences of output_0:\n{out}")
ttrt("run out.ttnn --fabric-config disabled", want_rc=1)
check("the fabric is disabled" in load("run_results.json")[0]["exception"], "fabric disabled")

print(f"{checks} checks passed")
