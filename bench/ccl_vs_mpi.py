#!/usr/bin/python3
"""(h) Collectives as the user runs them, against MPI on the same ranks.

For N ranks (one simulated chip each, a 1xN mesh), a program per size does mesh_shard
full_to_shard (the scatter from rank 0), all_gather, reduce_scatter, all_reduce and mesh_shard
shard_to_full (the gather to rank 0). `ttrt perf --loops L` runs it under the given launcher;
each op's time is its HOST DURATION in ops_perf_results.csv (the slowest chip, the median of the
loops after the first). The reference is bench/ccl_reference_mpi_bench under the same launcher:
the matching MPI collective with the same bytes per rank. Then the whole 3-op program (scatter,
all_gather, gather of BYTES) per loop against a hand-written MPI program doing the same.
And the mixture-of-experts all_to_all_dispatch: every rank's BYTES of tokens (rows of 1024 f32),
token t choosing expert t mod N of one expert per rank, so each rank sends BYTES / N to every
rank, against MPI_Alltoall of the same bytes.

  ccl_vs_mpi.py --ttrt T --reference R --ranks N --label L --work DIR -- LAUNCH...
LAUNCH is the command prefix that starts N ranks (mpirun ... -np N, or tt-run over hosts).
Prints one line per op and size: ours, MPI's, and MPI's speed as a fraction of ours' inverse
(mpi_seconds / our_seconds; goal >= 0.9), and the program line (ours / MPI; goal <= 1.3).
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys

OPS = ["scatter", "all_gather", "reduce_scatter", "all_reduce", "gather"]
KIB = 1024
MIB = 1024 * 1024


def cluster_json(n):
    chip = {
        "arch": "wormhole_b0", "grid_x": 8, "grid_y": 8, "l1_bytes_per_core": 1499136,
        "dram_channels": 12, "dram_bytes_per_channel": 1073741824, "l1_small_bytes": 32768,
        "trace_region_bytes": 0, "clock_ghz": 1.0, "dram_bandwidth_gbs": 265.0,
        "eth_bandwidth_gbs": 12.5, "eth_hop_latency_ns": 711.0, "matmul_tflops_bf16": 131.072,
        "ccl_links": 1}
    return {"name": f"bench_1x{n}", "mesh": [1, n], "chip": chip, "grid_link_count": 2,
            "hosts": [{"name": f"host{i}", "offset": [0, i], "shape": [1, 1]} for i in range(n)],
            "host_bandwidth_gbs": 25.0}


def shard(direction, dims, shape, type_="devices"):
    return (f'<{{shard_dims = array<i64: {dims}>, shard_direction = '
            f'#ttcore.shard_direction<{direction}>, shard_shape = array<i64: {shape}>, '
            f'shard_type = #ttcore.shard_type<{type_}>}}>')


def ops_program(n, per_rank):
    """Every op once, each moving `per_rank` bytes per rank (f32 rows of 1024)."""
    rows = max(1, per_rank // (4 * 1024))
    s = f"1x1x{rows}x1024xf32"
    full = f"1x1x{rows}x{n * 1024}xf32"
    part = f"1x1x{rows}x{1024 // n}xf32"
    sh = f"1, 1, 1, {n}"
    return f"""func.func @ccl(%arg0: tensor<{full}>) -> tensor<{full}> {{
  %0 = "ttir.mesh_shard"(%arg0) {shard("full_to_shard", "-1, 3", sh)} : (tensor<{full}>) -> tensor<{s}> loc("scatter")
  %1 = "ttir.all_gather"(%0) <{{all_gather_dim = 3 : si32, cluster_axis = 1 : ui32}}> : (tensor<{s}>) -> tensor<{full}> loc("all_gather")
  %2 = "ttir.reduce_scatter"(%0) <{{cluster_axis = 1 : ui32, reduce_type = #ttcore.reduce_type<sum>, scatter_dim = 3 : si32}}> : (tensor<{s}>) -> tensor<{part}> loc("reduce_scatter")
  %3 = "ttir.all_reduce"(%0) <{{cluster_axis = 1 : ui32, reduce_type = #ttcore.reduce_type<sum>}}> : (tensor<{s}>) -> tensor<{s}> loc("all_reduce")
  %4 = "ttir.mesh_shard"(%3) {shard("shard_to_full", "-1, 3", sh)} : (tensor<{s}>) -> tensor<{full}> loc("gather")
  return %4 : tensor<{full}>
}}
"""


def whole_program(n, total):
    """scatter of `total` bytes, all_gather (each chip gets all of it), gather to rank 0."""
    rows = total // (4 * 1024 * n)
    full = f"1x1x{rows}x{n * 1024}xf32"
    s = f"1x1x{rows}x1024xf32"
    out = f"1x1x{n * rows}x{n * 1024}xf32"
    return f"""func.func @program(%arg0: tensor<{full}>) -> tensor<{out}> {{
  %0 = "ttir.mesh_shard"(%arg0) {shard("full_to_shard", "-1, 3", f"1, 1, 1, {n}")} : (tensor<{full}>) -> tensor<{s}> loc("scatter")
  %1 = "ttir.all_gather"(%0) <{{all_gather_dim = 3 : si32, cluster_axis = 1 : ui32}}> : (tensor<{s}>) -> tensor<{full}> loc("all_gather")
  %2 = "ttir.mesh_shard"(%1) {shard("shard_to_full", "-1, 2", f"1, 1, {n}, 1")} : (tensor<{full}>) -> tensor<{out}> loc("gather")
  return %2 : tensor<{out}>
}}
"""


def dispatch_program(n, per_rank):
    """all_to_all_dispatch of `per_rank` bytes of tokens per rank, each token to one rank."""
    tokens = max(n, per_rank // (4 * 1024)) // n * n
    full, part = f"{n}x{tokens}x1x1024xf32", f"1x{tokens}x1x1024xf32"
    experts = ", ".join(str(t % n) for t in range(tokens))
    mapping = ", ".join("[" + ", ".join("1" if d == e else "0" for d in range(n)) + "]"
                        for e in range(n))
    md = f"1x{n}x{tokens}x1xi32"
    return f"""func.func @dispatch(%arg0: tensor<{full}>) -> tensor<{n}x{n}x{tokens}x1xi32> {{
  %0 = "ttir.mesh_shard"(%arg0) {shard("full_to_shard", "-1, 0", f"{n}, 1, 1, 1")} : (tensor<{full}>) -> tensor<{part}> loc("scatter")
  %i = "ttir.constant"() <{{value = dense<[{experts}]> : tensor<{tokens}xi32>}}> : () -> tensor<{tokens}xi32> loc("experts")
  %idx = "ttir.reshape"(%i) <{{shape = [1 : i32, {tokens} : i32, 1 : i32, 1 : i32]}}> : (tensor<{tokens}xi32>) -> tensor<1x{tokens}x1x1xi32> loc("indices")
  %map = "ttir.constant"() <{{value = dense<[[[{mapping}]]]> : tensor<1x1x{n}x{n}xi32>}}> : () -> tensor<1x1x{n}x{n}xi32> loc("mapping")
  %d, %m = "ttir.all_to_all_dispatch"(%0, %idx, %map) <{{cluster_axis = 1 : i64, num_devices = {n} : i64}}> : (tensor<{part}>, tensor<1x{tokens}x1x1xi32>, tensor<1x1x{n}x{n}xi32>) -> (tensor<1x{n}x{tokens}x1024xf32>, tensor<{md}>) loc("dispatch")
  %g = "ttir.mesh_shard"(%m) {shard("shard_to_full", "-1, 0", f"{n}, 1, 1, 1")} : (tensor<{md}>) -> tensor<{n}x{n}x{tokens}x1xi32> loc("gather")
  return %g : tensor<{n}x{n}x{tokens}x1xi32>
}}
"""


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-3000:]}")
    return p.stdout


def perf(args, name, text, loops):
    mlir = os.path.join(args.work, f"{name}.mlir")
    ttnn = os.path.join(args.work, f"{name}.ttnn")
    with open(mlir, "w") as f:
        f.write(text)
    run([args.ttrt, "compile", mlir, "--mesh-shape", f"1x{args.ranks}", "-o", ttnn], args.work)
    art = os.path.join(args.work, f"art_{name}")
    res = os.path.join(args.work, f"{name}_perf.json")
    run(args.launch + [args.ttrt, "perf", ttnn, "--loops", str(loops), "--disable-golden",
                       "--cluster", args.cluster, "--artifact-dir", art, "--result-file", res,
                       ], args.work)
    return res, os.path.join(art, f"{name}.ttnn", "perf", "ops_perf_results.csv")


def op_seconds(csv_path, loops):
    """Per op loc: the median over loops 1.. of the slowest chip's HOST DURATION."""
    rows = list(csv.DictReader(open(csv_path)))
    by_loc = {}
    for r in rows:
        by_loc.setdefault(r["LOC"].strip('"').removeprefix("loc(").removesuffix(")").strip('"'),
                          []).append(int(r["HOST DURATION [ns]"]))
    out = {}
    for loc, ns in by_loc.items():
        per_loop = len(ns) // loops
        loop_max = [max(ns[i * per_loop:(i + 1) * per_loop]) for i in range(loops)]
        out[loc] = statistics.median(loop_max[1:] if loops > 1 else loop_max) / 1e9
    return out


def reference(args, op, nbytes, loops):
    out = run(args.launch + [args.reference, op, str(nbytes), str(loops)], args.work)
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == op:
            return float(parts[2])
    sys.exit(f"no figure from the reference for {op} {nbytes}: {out[-2000:]}")


def human(n):
    return f"{n // MIB} MiB" if n >= MIB else f"{n // KIB} KiB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ttrt", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--ranks", type=int, required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--loops", type=int, default=6)
    ap.add_argument("--sizes", default="4096,1048576,67108864")
    ap.add_argument("--program-bytes", type=int, default=128 * MIB)
    ap.add_argument("--dispatch-sizes", default="1048576,16777216")
    ap.add_argument("launch", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.launch[:1] == ["--"]:
        args.launch = args.launch[1:]
    args.cluster = os.path.join(args.work, f"bench_1x{args.ranks}.json")
    with open(args.cluster, "w") as f:
        json.dump(cluster_json(args.ranks), f)
    n = args.ranks
    for size in [int(s) for s in args.sizes.split(",")]:
        loops = args.loops if size < 64 * MIB else max(3, args.loops // 2)
        _, csv_path = perf(args, f"ops_{size}", ops_program(n, size), loops)
        ours = op_seconds(csv_path, loops)
        for op in OPS:
            mpi = reference(args, op, size, loops)
            print(f"(h) {args.label} {op:<15} {human(size):>7}/rank: ttrt perf {ours[op] * 1e3:9.3f} ms"
                  f"  MPI {mpi * 1e3:9.3f} ms  MPI/ours {mpi / ours[op]:5.2f} (goal >= 0.9)",
                  flush=True)
    for size in [int(s) for s in args.dispatch_sizes.split(",")]:
        _, csv_path = perf(args, f"dispatch_{size}", dispatch_program(n, size), args.loops)
        ours = op_seconds(csv_path, args.loops)["dispatch"]
        mpi = reference(args, "alltoall", size, args.loops)
        print(f"(h) {args.label} {'moe dispatch':<15} {human(size):>7}/rank: ttrt perf "
              f"{ours * 1e3:9.3f} ms  MPI_Alltoall {mpi * 1e3:9.3f} ms  MPI/ours {mpi / ours:5.2f} "
              f"(goal >= 0.9)", flush=True)
    loops = max(3, args.loops // 2)
    res, _ = perf(args, "program", whole_program(n, args.program_bytes), loops)
    r = json.load(open(res))[0]["program_results"]["program_index_0"]
    per_loop = [r[f"loop_{i}"]["total_duration_ns"] / 1e9 for i in range(loops)]
    ours = statistics.median(per_loop[1:])
    mpi = reference(args, "program", args.program_bytes, loops)
    print(f"(h) {args.label} program scatter+all_gather+gather {human(args.program_bytes)}: "
          f"ttrt perf {ours * 1e3:.1f} ms/loop  MPI {mpi * 1e3:.1f} ms/loop  ours/MPI "
          f"{ours / mpi:.2f} (goal <= 1.3)", flush=True)


if __name__ == "__main__":
    main()
