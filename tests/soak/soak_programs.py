#!/usr/bin/env python3
"""Writes N small TTIR programs for the soak test: a mix of meshes (1x1, 1x2, 2x4), dtypes,
shapes and ops (eltwise chains, matmul, reductions, mesh_shard + all_gather / reduce_scatter),
so that every binary is different. Usage: soak_programs.py N OUT_DIR (files soak_<i>_<mesh>.mlir)"""
import os
import sys


def eltwise(i, rows, cols, dtype):
    t = f"tensor<{rows}x{cols}x{dtype}>"
    ops = ["exp", "tanh", "relu", "neg", "abs", "sigmoid"]
    a, b = ops[i % len(ops)], ops[(i // len(ops)) % len(ops)]
    return f"""func.func @eltwise_{i}(%a: {t}, %b: {t}) -> {t} {{
  %0 = "ttir.add"(%a, %b) : ({t}, {t}) -> {t} loc("add_{i}")
  %1 = "ttir.{a}"(%0) : ({t}) -> {t} loc("{a}_{i}")
  %2 = "ttir.multiply"(%1, %a) : ({t}, {t}) -> {t} loc("mul_{i}")
  %3 = "ttir.{b}"(%2) : ({t}) -> {t} loc("{b}_{i}")
  return %3 : {t}
}}
"""


def matmul_sum(i, m, k, n):
    return f"""func.func @matmul_{i}(%a: tensor<{m}x{k}xf32>, %b: tensor<{k}x{n}xf32>) -> tensor<{m}x1xf32> {{
  %0 = "ttir.matmul"(%a, %b) : (tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) -> tensor<{m}x{n}xf32> loc("matmul_{i}")
  %1 = "ttir.sum"(%0) <{{dim_arg = [1 : i32], keep_dim = true}}> : (tensor<{m}x{n}xf32>) -> tensor<{m}x1xf32> loc("sum_{i}")
  return %1 : tensor<{m}x1xf32>
}}
"""


def gather_1x2(i, rows, cols):
    full = f"tensor<1x1x{rows}x{cols}xf32>"
    half = f"tensor<1x1x{rows}x{cols // 2}xf32>"
    return f"""module attributes {{ttcore.meshes = #ttcore.meshes<[<"mesh" = 1x2>]>}} {{
  func.func @gather_{i}(%x: {full}) -> {full} {{
    %0 = "ttir.mesh_shard"(%x) <{{shard_dims = array<i64: -1, 3>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, 1, 2>, shard_type = #ttcore.shard_type<devices>}}> : ({full}) -> {half} loc("shard_{i}")
    %1 = "ttir.exp"(%0) : ({half}) -> {half} loc("exp_{i}")
    %2 = "ttir.all_gather"(%1) <{{all_gather_dim = 3 : si32, cluster_axis = 1 : ui32}}> : ({half}) -> {full} loc("gather_{i}")
    %3 = "ttir.mesh_shard"(%2) <{{shard_dims = array<i64: -1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}}> : ({full}) -> {full} loc("out_{i}")
    return %3 : {full}
  }}
}}
"""


def linear_2x4(i, m, k, n):
    xs, ws = f"tensor<{m}x{k // 4}xf32>", f"tensor<{k // 4}x{n}xf32>"
    part, quarter = f"tensor<{m}x{n}xf32>", f"tensor<{m}x{n // 4}xf32>"
    return f"""module attributes {{ttcore.meshes = #ttcore.meshes<[<"mesh" = 2x4>]>}} {{
  func.func @linear_{i}(%x: tensor<{m}x{k}xf32>, %w: tensor<{k}x{n}xf32>) -> {part} {{
    %xs = "ttir.mesh_shard"(%x) <{{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 4>, shard_type = #ttcore.shard_type<devices>}}> : (tensor<{m}x{k}xf32>) -> {xs} loc("shard_x_{i}")
    %ws = "ttir.mesh_shard"(%w) <{{shard_dims = array<i64: -1, 0>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 4, 1>, shard_type = #ttcore.shard_type<devices>}}> : (tensor<{k}x{n}xf32>) -> {ws} loc("shard_w_{i}")
    %y = "ttir.matmul"(%xs, %ws) : ({xs}, {ws}) -> {part} loc("matmul_{i}")
    %z = "ttir.reduce_scatter"(%y) <{{cluster_axis = 1 : ui32, reduce_type = #ttcore.reduce_type<sum>, scatter_dim = 1 : si32}}> : ({part}) -> {quarter} loc("reduce_scatter_{i}")
    %g = "ttir.gelu"(%z) : ({quarter}) -> {quarter} loc("gelu_{i}")
    %a = "ttir.all_gather"(%g) <{{all_gather_dim = 1 : si32, cluster_axis = 1 : ui32}}> : ({quarter}) -> {part} loc("all_gather_{i}")
    %out = "ttir.mesh_shard"(%a) <{{shard_dims = array<i64: -1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}}> : ({part}) -> {part} loc("out_{i}")
    return %out : {part}
  }}
}}
"""


def program(i):
    """(mesh, MLIR text) of program i."""
    step = 32 * (1 + i % 4)
    kinds = [("1x2", lambda: gather_1x2(i, step, 64 * (1 + i % 3))),
             ("2x4", lambda: linear_2x4(i, step, 128, 128)),
             ("1x1", lambda: eltwise(i, step, 32 * (1 + i % 5), ["f32", "bf16"][i % 2])),
             ("1x1", lambda: matmul_sum(i, step, 64, 32 * (1 + i % 3)))]
    mesh, text = kinds[i % len(kinds)]
    return mesh, text()


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        mesh, text = program(i)
        with open(os.path.join(out, f"soak_{i:03d}_{mesh}.mlir"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
