# `ttrt perf` and the perf summary of `ttrt run` on the 8x4 all_gather example: the CSV has a
# row per chip per op with tt-metal's columns, modelled durations follow docs/perf-model.md,
# trace.json and the SVG timeline are written, --host-only and --loops behave, and the same CSV
# comes out of `mpirun -np 2`.
source "$(dirname "$0")/lib.sh"
"$TTRT" compile "$SRC/examples/mlir/all_gather_8x4.mlir" -o ag.ttnn --mesh-shape 8,4 >/dev/null ||
  fail "compile ag"

check_csv() {  # check_csv CSV LOOPS: 96 rows per loop, durations by hand (docs/perf-model.md)
  /usr/bin/python3 - "$1" "$2" <<'PY'
import ast, csv, json, sys
from collections import Counter
path, loops = sys.argv[1], int(sys.argv[2])
with open(path) as f:
    header = next(csv.reader(f))
# ttrt's ops_perf_results.csv header (tt-mlir docs/src/ttrt.md, tools/ttrt/common/perf.py),
# every column in its order: one INPUT group (the widest op here has one operand).
want = ["OP CODE", "OP TYPE", "GLOBAL CALL COUNT", "DEVICE ID", "ATTRIBUTES", "MATH FIDELITY",
        "CORE COUNT", "PARALLELIZATION STRATEGY", "HOST START TS", "HOST END TS",
        "HOST DURATION [ns]", "DEVICE FW START CYCLE", "DEVICE FW END CYCLE",
        "OP TO OP LATENCY [ns]", "OP TO OP LATENCY BR/NRISC START [ns]",
        "DEVICE FW DURATION [ns]", "DEVICE KERNEL DURATION [ns]",
        "DEVICE KERNEL DURATION DM START [ns]", "DEVICE KERNEL DURATION PER CORE MIN [ns]",
        "DEVICE KERNEL DURATION PER CORE MAX [ns]", "DEVICE KERNEL DURATION PER CORE AVG [ns]",
        "DEVICE KERNEL FIRST TO LAST START [ns]", "DEVICE BRISC KERNEL DURATION [ns]",
        "DEVICE NCRISC KERNEL DURATION [ns]", "DEVICE TRISC0 KERNEL DURATION [ns]",
        "DEVICE TRISC1 KERNEL DURATION [ns]", "DEVICE TRISC2 KERNEL DURATION [ns]",
        "DEVICE ERISC KERNEL DURATION [ns]", "DEVICE COMPUTE CB WAIT FRONT [ns]",
        "DEVICE COMPUTE CB RESERVE BACK [ns]", "DISPATCH TOTAL CQ CMD OP TIME [ns]",
        "DISPATCH GO SEND WAIT TIME [ns]", "INPUT_0_W", "INPUT_0_Z", "INPUT_0_Y", "INPUT_0_X",
        "INPUT_0_LAYOUT", "INPUT_0_DATATYPE", "INPUT_0_MEMORY", "OUTPUT_0_W", "OUTPUT_0_Z",
        "OUTPUT_0_Y", "OUTPUT_0_X", "OUTPUT_0_LAYOUT", "OUTPUT_0_DATATYPE", "OUTPUT_0_MEMORY",
        "METAL TRACE ID", "METAL TRACE REPLAY SESSION ID", "COMPUTE KERNEL SOURCE",
        "COMPUTE KERNEL HASH", "DATA MOVEMENT KERNEL SOURCE", "DATA MOVEMENT KERNEL HASH",
        "BRISC MAX KERNEL SIZE [B]", "NCRISC MAX KERNEL SIZE [B]", "TRISC 0 MAX KERNEL SIZE [B]",
        "TRISC 1 MAX KERNEL SIZE [B]", "TRISC 2 MAX KERNEL SIZE [B]", "ERISC MAX KERNEL SIZE [B]",
        "PM IDEAL [ns]", "PM COMPUTE [ns]", "PM BANDWIDTH [ns]", "PM REQ I BW", "PM REQ O BW",
        "PM FPU UTIL (%)", "NOC UTIL (%)", "DRAM BW UTIL (%)", "NPE CONG IMPACT (%)", "LOC",
        "CONST_EVAL_OP", "INPUT_LAYOUT_CONVERSION_OP", "PROGRAM_METADATA"]
assert header == want, [h for h in header if h not in want] + [h for h in want if h not in header]
rows = list(csv.DictReader(open(path)))
assert len(rows) == 96 * loops, len(rows)
assert Counter(r["OP CODE"] for r in rows) == {"mesh_shard": 64 * loops, "all_gather": 32 * loops}
per_chip = Counter(int(r["DEVICE ID"]) for r in rows)
assert sorted(per_chip) == list(range(32)) and set(per_chip.values()) == {3 * loops}, per_chip
for r in rows:
    meta = ast.literal_eval(r["PROGRAM_METADATA"])  # a Python dict, as ttrt reads it
    assert meta["meshrt_device_time"] == "modelled" and meta["meshrt_host_time"] == "measured", meta
    assert meta["program_index"] == 0 and 0 <= meta["loop_number"] < loops, meta
    assert meta["enable_program_cache"] is True and meta["disable_eth_dispatch"] is False, meta
    assert r["LOC"].startswith('loc("') and r["CONST_EVAL_OP"] == "false", r["LOC"]
    assert int(r["PM IDEAL [ns]"]) == int(r["DEVICE KERNEL DURATION [ns]"])
    assert int(r["HOST END TS"]) >= int(r["HOST START TS"])
    code = r["OP CODE"]
    dur = int(r["DEVICE FW DURATION [ns]"])
    if code == "all_gather":
        # 16 KiB shards over one link of the four (ccl_links 1, 12.5 GB/s), line of 4: the end
        # links carry 3 shards at 0.937 of the line rate, 5236 ns start-up, 3 steps of 1721 ns
        assert dur == 14596, dur
        # after the 512 ns mesh_shard and the 5000 ns op-to-op dispatch gap
        assert int(r["DEVICE FW START CYCLE"]) == 5512, r["DEVICE FW START CYCLE"]
        assert r["OP TO OP LATENCY [ns]"] == "5000", r["OP TO OP LATENCY [ns]"]
        assert r["INPUT_0_X"] == "128" and r["OUTPUT_0_X"] == "512", (r["INPUT_0_X"], r["OUTPUT_0_X"])
        assert "'cluster_axis': '1'" in r["ATTRIBUTES"], r["ATTRIBUTES"]
    elif r["GLOBAL CALL COUNT"] == "1":
        assert dur == 512, dur  # 16 KiB over PCIe at 32 GB/s
        assert r["OP TO OP LATENCY [ns]"] == "0", r["OP TO OP LATENCY [ns]"]  # a host transfer
    else:
        # shard_to_full reads 64 KiB from the chips of column 0 only
        col0 = int(r["DEVICE ID"]) % 4 == 0
        assert dur == (2048 if col0 else 0), (r["DEVICE ID"], dur)
print("csv ok", len(rows))
PY
}

expect_exit 0 "perf artifacts" -- "$TTRT" perf ag.ttnn --artifact-dir arts
P=arts/ag.ttnn/perf
check_csv "$P/ops_perf_results.csv" 1 && ok || fail "perf CSV (one process)"
/usr/bin/python3 - "$P" <<'PY' && ok || fail "trace, svg, perf_results.json"
import json, sys, xml.dom.minidom
d = sys.argv[1]
t = json.load(open(d + "/trace.json"))
names = {e["args"]["name"] for e in t["traceEvents"] if e["ph"] == "M" and e["name"] == "process_name"}
assert names == {"chips (modelled device time)", "ranks (measured host time)"}, names
x = [e for e in t["traceEvents"] if e["ph"] == "X"]
assert len([e for e in x if e["pid"] == 1]) == 96 and len([e for e in x if e["pid"] == 2]) == 3
svg = xml.dom.minidom.parse(d + "/timeline_program_0.svg")
assert len(svg.getElementsByTagName("title")) == 96
assert "stroke-dasharray" in open(d + "/timeline_program_0.svg").read()  # collective marked
e = json.load(open("perf_results.json"))[0]
p = e["meshrt"]["programs"]["program_index_0"]["perf"]
assert p["device_duration_ns"] == 512 + 5000 + 14596 + 2048 and p["perf_rows"] == 96, p
# what the cost model assumed
m = p["cost_model"]
assert m["arch"] == "wormhole_b0" and m["fabric_config"] == "fabric_1d" and m["ccl_links"] == 1, m
assert m["op_to_op_ns"] == 5000 and m["cluster"] == "default", m
assert m["collectives"] == [{"op": "all_gather", "loc": m["collectives"][0]["loc"],
                             "topology": "line", "links": 1}], m["collectives"]
assert p["device_time"] == "modelled" and p["host_time"] == "measured"
loop = e["program_results"]["program_index_0"]["loop_0"]
assert set(loop) == {"total_duration_ns", "total_submit_duration_ns",
                     "total_get_outputs_duration_ns", "total_submit_plus_get_outputs_duration_ns",
                     "total_ttnn_api_duration_ns", "total_device_kernel_duration_ns"}, loop
# ttrt's perf totals: every row's device kernel and host durations summed
assert loop["total_device_kernel_duration_ns"] == 32 * 512 + 32 * 14596 + 8 * 2048, loop
assert 0 < loop["total_ttnn_api_duration_ns"], loop
assert loop["total_duration_ns"] == loop["total_submit_plus_get_outputs_duration_ns"] > 0
for f in ("minus_const_eval", "minus_input_layout_conversions",
          "minus_const_eval_and_input_layout_conversions"):
    assert e["meshrt"]["programs"]["program_index_0"]["perf"]["artifacts"]["ops_perf_results_" + f]
print("artifacts ok")
PY

# ttrt run: the summary line and the totals in run_results.json.
expect_exit 0 "perf: modelled device time 22.156 us (critical chip 0)" -- "$TTRT" run ag.ttnn
/usr/bin/python3 -c "
import json
e = json.load(open('run_results.json'))[0]
p = e['meshrt']['programs']['program_index_0']['perf']
assert p['device_duration_ns'] == 22156, p
loop = e['program_results']['program_index_0']['loop_0']
assert loop['total_ttnn_api_duration_ns'] is None and loop['total_device_kernel_duration_ns'] is None
" && ok || fail "run_results.json perf totals"

# --host-only: no modelled columns, no chip tracks, no timeline.
expect_exit 0 "perf artifacts" -- "$TTRT" perf ag.ttnn --host-only --artifact-dir host --result-file host.json
"$TTRT" perf ag.ttnn --host-only --artifact-dir host --result-file host.json > host.out 2>&1
/usr/bin/python3 -c "
import csv, json
rows = list(csv.DictReader(open('host/ag.ttnn/perf/ops_perf_results.csv')))
assert len(rows) == 96 and all(r['DEVICE FW DURATION [ns]'] == '' for r in rows)
assert all(r['HOST DURATION [ns]'] != '' for r in rows)
assert all(r['PM IDEAL [ns]'] == '' and r['DEVICE FW START CYCLE'] == '' for r in rows)
t = json.load(open('host/ag.ttnn/perf/trace.json'))
assert not [e for e in t['traceEvents'] if e.get('pid') == 1]
e = json.load(open('host.json'))[0]
p = e['meshrt']['programs']['program_index_0']['perf']
assert 'device_duration_ns' not in p and p['device_time'].startswith('not modelled'), p
loop = e['program_results']['program_index_0']['loop_0']
assert loop['total_device_kernel_duration_ns'] is None and loop['total_ttnn_api_duration_ns'] > 0
assert 'modelled device time' not in open('host.out').read()
" && ok || fail "--host-only"

# --loops 3: a row per op per chip per loop; loops follow each other in the trace.
expect_exit 0 "3 loops" -- "$TTRT" perf ag.ttnn --loops 3 --artifact-dir loops --result-file loops.json
check_csv loops/ag.ttnn/perf/ops_perf_results.csv 3 && ok || fail "--loops 3 CSV"

# The links a collective uses: an op's num_links attribute, a cluster's ccl_links; a Blackhole
# cluster uses its own chip and calibration. perf_results.json says which.
sed 's/cluster_axis = 1 : ui32}/cluster_axis = 1 : ui32, num_links = 4 : ui32}/' \
  "$SRC/examples/mlir/all_gather_8x4.mlir" > ag4.mlir
expect_exit 0 "compiled" -- "$TTRT" compile ag4.mlir -o ag4.ttnn
expect_exit 0 "perf artifacts" -- "$TTRT" perf ag4.ttnn --artifact-dir links4 --result-file links4.json
/usr/bin/python3 - <<'PY' && ok || fail "num_links = 4 uses the galaxy's 4 links"
import csv, json
m = json.load(open("links4.json"))[0]["meshrt"]["programs"]["program_index_0"]["perf"]["cost_model"]
assert [c["links"] for c in m["collectives"]] == [4], m
rows = list(csv.DictReader(open("links4/ag4.ttnn/perf/ops_perf_results.csv")))
# 3 shards of 16 KiB through an end link over 4 links (50 GB/s) at 0.937: 11449 ns
assert {int(r["DEVICE KERNEL DURATION [ns]"]) for r in rows if r["OP CODE"] == "all_gather"} == {11449}
PY
"$TTRT" compile "$SRC/examples/mlir/tp_linear_2x4.mlir" -o tp.ttnn >/dev/null || fail "compile tp"
expect_exit 0 "perf artifacts" -- "$TTRT" perf tp.ttnn --cluster "$SRC/configs/clusters/bh_loudbox.json" \
  --artifact-dir bh --result-file bh.json
expect_exit 0 "perf artifacts" -- "$TTRT" perf tp.ttnn --cluster "$SRC/configs/clusters/t3k.json" \
  --artifact-dir wh --result-file wh.json
/usr/bin/python3 - <<'PY' && ok || fail "Blackhole cluster: its arch, links and a shorter time"
import json
def perf(f):
    return json.load(open(f))[0]["meshrt"]["programs"]["program_index_0"]["perf"]
bh, wh = perf("bh.json"), perf("wh.json")
assert bh["cost_model"]["arch"] == "blackhole" and bh["cost_model"]["cluster"] == "bh_loudbox"
assert {c["links"] for c in bh["cost_model"]["collectives"]} == {2}, bh["cost_model"]
assert wh["cost_model"]["arch"] == "wormhole_b0" and {c["links"] for c in wh["cost_model"]["collectives"]} == {1}
assert bh["device_duration_ns"] < wh["device_duration_ns"], (bh["device_duration_ns"], wh["device_duration_ns"])
PY

# Bad input: a clear error in the result file and a non-zero exit.
expect_exit 1 "missing.ttnn" -- "$TTRT" perf missing.ttnn --result-file bad.json
grep -q '"result": "error"' bad.json && ok || fail "error entry for a missing binary"

# Two ranks: the same CSV (device columns are independent of the rank split), rows of both.
expect_exit 0 "perf artifacts" -- "${MPIRUN[@]}" -np 2 "$TTRT" perf ag.ttnn --artifact-dir mpi --result-file mpi.json
check_csv mpi/ag.ttnn/perf/ops_perf_results.csv 1 && ok || fail "perf CSV (mpirun -np 2)"
/usr/bin/python3 -c "
import csv, json
rows = list(csv.DictReader(open('mpi/ag.ttnn/perf/ops_perf_results.csv')))
import ast
ranks = {ast.literal_eval(r['PROGRAM_METADATA'])['meshrt_rank'] for r in rows}
assert ranks == {0, 1}, ranks
" && ok || fail "rows from both ranks"
finish
