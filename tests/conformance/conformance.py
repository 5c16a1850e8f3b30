#!/usr/bin/env python3
"""Differential conformance of ops: device kernels against the reference interpreter.

For each op below, a one-op TTIR program is written per dtype (f32 and bf16, or i32 for integer
ops) and per mesh: one chip, and sharded over 1x2 and 2x4 meshes (mesh_shard around the op).
Every program is compiled with `ttrt compile` (goldens from the reference interpreter, on
random inputs) and run with `ttrt run` on the whole directory, in one process and under
`mpirun -np 2` and `-np 4`, whose saved tensors must be byte-identical; every program must pass, and every op's result on every chip must also be
allclose to its golden (PCC alone would accept a scaled result). Then one program per op is
run with `--inject-fault` on its op: the perturbed kernel output must be caught (exit 42).

Usage: conformance.py TTRT_EXECUTABLE [OP ...]   (naming ops checks only their programs)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import corpus_ops

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG_LISTS = os.path.join(HERE, "..", "catalog")
PROGRAMS = os.path.join(HERE, "programs")
CORPUS = os.path.join(HERE, "..", "..", "..", "shared", "corpus", "tt-mlir")
PIPELINE_ONLY = {"alloc", "dealloc", "ttnn_metal_layout_cast", "tt_lang_op"}
# Ops whose corpus use is about its dtypes (quantized storage, index types): not swapped.
KEEP_DTYPES = {"typecast", "quantize_unrolled", "dequantize_unrolled", "requantize", "rand"}
# Ops the corpus never writes in generic form on one line: written by hand.
HAND = {
    "abs": 'func.func @main(%a: tensor<8x64xf32>) -> tensor<8x64xf32> {\n'
           '  %r = "ttir.abs"(%a) : (tensor<8x64xf32>) -> tensor<8x64xf32> loc("abs")\n'
           '  return %r : tensor<8x64xf32>\n}\n',
    "repeat": 'func.func @main(%a: tensor<2x3x4xbf16>) -> tensor<4x3x12xbf16> {\n'
              '  %r = "ttir.repeat"(%a) <{repeat_dimensions = array<i64: 2, 1, 3>}> : '
              '(tensor<2x3x4xbf16>) -> tensor<4x3x12xbf16> loc("repeat")\n'
              '  return %r : tensor<4x3x12xbf16>\n}\n',
    "reduce_and": 'func.func @main(%a: tensor<4x16xbf16>) -> tensor<4xbf16> {\n'
                  '  %r = "ttir.reduce_and"(%a) <{dim_arg = [1 : i32], keep_dim = false}> : '
                  '(tensor<4x16xbf16>) -> tensor<4xbf16> loc("reduce_and")\n'
                  '  return %r : tensor<4xbf16>\n}\n',
    "collective_permute":
        'func.func @main(%a: tensor<4x32xf32>) -> tensor<4x32xf32> {\n'
        '  %r = "ttir.collective_permute"(%a) <{source_target_pairs = dense<[[0, 1], [1, 0]]> : '
        'tensor<2x2xi64>}> : (tensor<4x32xf32>) -> tensor<4x32xf32> loc("collective_permute")\n'
        '  return %r : tensor<4x32xf32>\n}\n',
    "topk": 'func.func @main(%a: tensor<8x64xbf16>) -> (tensor<8x5xbf16>, tensor<8x5xi32>) {\n'
            '  %v, %i = "ttir.topk"(%a) <{k = 5 : i32, dim = 1 : i32, largest = true, sorted = true}> : '
            '(tensor<8x64xbf16>) -> (tensor<8x5xbf16>, tensor<8x5xi32>) loc("topk")\n'
            '  return %v, %i : tensor<8x5xbf16>, tensor<8x5xi32>\n}\n',
    "dropout": 'func.func @main(%a: tensor<8x64xf32>) -> tensor<8x64xf32> {\n'
               '  %r = "ttir.dropout"(%a) <{prob = 2.000000e-01 : f32, scale = 1.250000e+00 : f32, '
               'seed = 42 : ui32}> : (tensor<8x64xf32>) -> tensor<8x64xf32> loc("dropout")\n'
               '  return %r : tensor<8x64xf32>\n}\n',
    "bitcast_convert":
        'func.func @main(%a: tensor<8x64xf32>) -> tensor<8x64xi32> {\n'
        '  %r = "ttir.bitcast_convert"(%a) : (tensor<8x64xf32>) -> tensor<8x64xi32> '
        'loc("bitcast_convert")\n  return %r : tensor<8x64xi32>\n}\n',
    # Index values are generated below the gathered dim's size (the catalogue's index role).
    "gather": 'func.func @main(%a: tensor<8x64xbf16>, %i: tensor<8x16xi32>) -> tensor<8x16xbf16> {\n'
              '  %r = "ttir.gather"(%a, %i) <{dim = 1 : i32}> : (tensor<8x64xbf16>, '
              'tensor<8x16xi32>) -> tensor<8x16xbf16> loc("gather")\n'
              '  return %r : tensor<8x16xbf16>\n}\n',
    # Its corpus uses take begins and ends from the program's arguments; here from constants
    # (random arguments would not be valid bounds).
    "slice_dynamic":
        'func.func @main(%a: tensor<8x16xbf16>) -> tensor<3x4xbf16> {\n'
        '  %b = "ttir.constant"() <{value = dense<[2, 3]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("b")\n'
        '  %e = "ttir.constant"() <{value = dense<[8, 15]> : tensor<2xi32>}> : () -> tensor<2xi32> loc("e")\n'
        '  %r = "ttir.slice_dynamic"(%a, %b, %e) <{step = array<i64: 2, 3>}> : (tensor<8x16xbf16>, '
        'tensor<2xi32>, tensor<2xi32>) -> tensor<3x4xbf16> loc("slice_dynamic")\n'
        '  return %r : tensor<3x4xbf16>\n}\n',
    # The smallest corpus use declares a result its 8x4 mesh cannot produce (a known corpus
    # failure); this one scatters over the mesh columns.
    "reduce_scatter":
        'func.func @main(%a: tensor<4x32xf32>) -> tensor<4x16xf32> {\n'
        '  %r = "ttir.reduce_scatter"(%a) <{cluster_axis = 1 : ui32, reduce_type = '
        '#ttcore.reduce_type<sum>, scatter_dim = 1 : si32}> : (tensor<4x32xf32>) -> '
        'tensor<4x16xf32> loc("reduce_scatter")\n'
        '  return %r : tensor<4x16xf32>\n}\n',
}
# The meshes of the hand-written programs (one chip and 1x2, unless an op needs two chips).
HAND_MESHES = {"collective_permute": [(1, 2)], "reduce_scatter": [(1, 2)]}

UNARY = ["asinh", "exp2", "trunc", "frac", "square", "softsign", "hardsigmoid", "mish",
         "signbit", "selu", "relu6", "silu", "to_layout"]
INTEGER_BINARY = ["right_shift", "logical_right_shift"]
MESHES = [(1, 1), (1, 2), (2, 4)]
# Ops whose result an injected fault cannot be told from: empty (any value will do).
NO_FAULT = {"empty"}
# Per-op allclose tolerances: f32 and integer kernels against the f64 reference, and bf16 ones
# (a bf16 result may differ from the rounded reference by an ulp, 2^-8 relative).
# f32 sums of thousands of products (conv2d, conv3d) carry f32 rounding of ~5e-5.
TOLERANCES = {"exact": ["--rtol", "1e-4", "--atol", "1e-4"],
              "bf16": ["--rtol", "2e-2", "--atol", "2e-2"]}
MPIRUN = ["mpirun", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader",
          "--mca", "oob_tcp_if_include", "lo"]


def tensor(shape, dt):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + dt + ">"


def sharded(mesh, shape, dt, body):
    """A program whose argument(s) are sharded over the mesh (rows over dim 0, columns over
    dim 1), `body(local_shape, args)` giving the op lines and the result, and gathered back."""
    rows, cols = mesh
    local = [shape[0] // rows, shape[1] // cols]
    full, part = tensor(shape, dt), tensor(local, dt)
    arity, lines, result, out_dt, *out_local = body(local)
    out_local = out_local[0] if out_local else local
    args = ", ".join(f"%arg{i}: {full}" for i in range(arity))
    out_shape = [out_local[0] * rows, out_local[1] * cols]
    out_full, out_part = tensor(out_shape, out_dt), tensor(out_local, out_dt)
    text = f"func.func @main({args}) -> {out_full} {{\n"
    if mesh == (1, 1):
        text += lines.replace("%s", "%arg") + f"  return {result} : {out_full}\n}}\n"
        return text
    shard = ("shard_dims = array<i64: 0, 1>, shard_direction = #ttcore.shard_direction<{}>, "
             f"shard_shape = array<i64: {rows}, {cols}>, shard_type = #ttcore.shard_type<devices>")
    for i in range(arity):
        text += (f"  %s{i} = \"ttir.mesh_shard\"(%arg{i}) <{{{shard.format('full_to_shard')}}}> : "
                 f"({full}) -> {part} loc(\"shard{i}\")\n")
    text += lines
    text += (f"  %full = \"ttir.mesh_shard\"({result}) <{{{shard.format('shard_to_full')}}}> : "
             f"({out_part}) -> {out_full} loc(\"full\")\n  return %full : {out_full}\n}}\n")
    return text


def unary(name, dt):
    out_dt = "f32" if name == "to_layout" else dt
    def body(local):
        return 1, (f"  %r = \"ttir.{name}\"(%s0) : ({tensor(local, dt)}) -> "
                   f"{tensor(local, out_dt)} loc(\"{name}\")\n"), "%r", out_dt
    return body


def binary(name, dt, attrs=""):
    def body(local):
        t = tensor(local, dt)
        a = f" <{{{attrs}}}>" if attrs else ""
        return (2, f"  %r = \"ttir.{name}\"(%s0, %s1){a} : ({t}, {t}) -> {t} loc(\"{name}\")\n",
                "%r", dt)
    return body


def attr_op(name, attrs, out_local):
    def make(dt):
        def body(local):
            return 1, (f"  %r = \"ttir.{name}\"(%s0) <{{{attrs}}}> : ({tensor(local, dt)}) -> "
                       f"{tensor(out_local(local), dt)} loc(\"{name}\")\n"), "%r", dt
        return body
    return make


def programs():
    """(op, file stem, mlir text, mesh) of every conformance program."""
    return ([(op, stem, text, mesh_of(stem)) for op, stem, text in templated()] + harvested()
            + written())


def mesh_of(stem):
    return next(((int(m[0]), int(m[2])) for m in ("2x4", "1x2") if f"_{m}" in stem), (1, 1))


def catalogued_ops():
    """The TTIR ops the catalogue runs: tests/catalog's op list less its gaps and the
    pipeline-only ops (op_catalog_test holds the catalogue to these lists)."""
    def names(f):
        with open(os.path.join(CATALOG_LISTS, f)) as fh:
            return {l.strip() for l in fh if l.strip() and not l.startswith("#")}
    return names("ttir_ops.txt") - names("not_yet.txt") - PIPELINE_ONLY


def harvested():
    """Every catalogued op not templated above, cut out of the corpus (its smallest use), in
    its own dtypes and with f32 and bf16 swapped, on its file's mesh and, for a one-chip op,
    replicated over 1x2 too."""
    templated_ops = {op for op, _, _ in templated()} | set(HAND) | {op for op, *_ in written()}
    wanted = catalogued_ops() - templated_ops
    found = corpus_ops.smallest_uses(CORPUS, wanted)
    missing = sorted(wanted - set(found))
    if missing:
        raise SystemExit(f"FAIL: no conformance program for {', '.join(missing)}")
    out = []
    for op in sorted(found):
        text, mesh = found[op]
        variants = {"": text}
        swapped = text.replace("xf32>", "x@@>").replace("xbf16>", "xf32>").replace("x@@>", "xbf16>")
        if swapped != text and op not in KEEP_DTYPES:
            variants["_swapped"] = swapped
        for tag, body in variants.items():
            meshes = [mesh] if mesh != (1, 1) else [(1, 1), (1, 2)]
            for m in meshes:
                out.append((op, f"corpus_{op}{tag}_{m[0]}x{m[1]}", body, m))
    for op, text in HAND.items():
        for m in HAND_MESHES.get(op, [(1, 1), (1, 2)]):
            out.append((op, f"hand_{op}_{m[0]}x{m[1]}", text, m))
    return out


def written():
    """The programs of programs/: one file per op (or per op and variant), named
    `<op>[.<variant>].mlir`, whose first line `// meshes: 1x1 1x2` (the default) lists the meshes
    it runs on and `// dtypes: keep` (optional) keeps its dtypes; otherwise an f32 program also
    runs with f32 and bf16 swapped."""
    out = []
    for name in sorted(os.listdir(PROGRAMS)):
        if not name.endswith(".mlir"):
            continue
        with open(os.path.join(PROGRAMS, name)) as f:
            text = f.read()
        stem = name[:-len(".mlir")]
        op = stem.split(".")[0]
        meshes, keep = [(1, 1), (1, 2)], False
        for line in text.splitlines():
            if not line.startswith("//"):
                break
            key, _, value = line[2:].partition(":")
            if key.strip() == "meshes":
                meshes = [tuple(int(d) for d in m.split("x")) for m in value.split()]
            if key.strip() == "dtypes":
                keep = value.strip() == "keep"
        variants = {"": text}
        swapped = text.replace("xf32>", "x@@>").replace("xbf16>", "xf32>").replace("x@@>", "xbf16>")
        if swapped != text and not keep:
            variants["_swapped"] = swapped
        for tag, body in variants.items():
            for m in meshes:
                out.append((op, f"written_{stem.replace('.', '_')}{tag}_{m[0]}x{m[1]}", body, m))
    return out


def templated():
    """(op, file stem, mlir text) of the programs written from templates."""
    shape = [8, 64]
    out = []
    for mesh in MESHES:
        tag = f"{mesh[0]}x{mesh[1]}"
        for dt in ("f32", "bf16"):
            for name in UNARY:
                out.append((name, f"{name}_{dt}_{tag}", sharded(mesh, shape, dt, unary(name, dt))))
            out.append(("gelu_bw", f"gelu_bw_{dt}_{tag}",
                        sharded(mesh, shape, dt, binary("gelu_bw", dt))))
            out.append(("gelu_bw", f"gelu_bw_tanh_{dt}_{tag}",
                        sharded(mesh, shape, dt, binary("gelu_bw", dt, 'approximate = "tanh"'))))
            rev = attr_op("reverse", "dimensions = array<i64: 0, 1>", lambda l: l)
            out.append(("reverse", f"reverse_{dt}_{tag}", sharded(mesh, shape, dt, rev(dt))))
            out.append(("index_select", f"index_select_{dt}_{tag}",
                        index_select_sharded(mesh, shape, dt)))
        if mesh != (1, 1):
            for dt in ("f32", "bf16"):
                for name, body in collective_bodies(mesh, dt).items():
                    out.append((name, f"{name}_{dt}_{tag}", sharded(mesh, shape, dt, body)))
        for name in INTEGER_BINARY:
            out.append((name, f"{name}_i32_{tag}", sharded(mesh, shape, "i32", binary(name, "i32"))))
    for dt in ("f32", "bf16"):
        out.append(("empty", f"empty_{dt}",
                    f"func.func @main() -> {tensor(shape, dt)} {{\n"
                    f"  %0 = \"ttir.empty\"() : () -> {tensor(shape, dt)} loc(\"empty\")\n"
                    f"  return %0 : {tensor(shape, dt)}\n}}\n"))
        for op in ("distributed_rms_norm", "distributed_layer_norm"):
            for residual in (False, True):
                stem = f"{op}_{dt}_2x4" + ("_residual" if residual else "")
                out.append((op, stem, distributed_norm(op, dt, residual)))
        layer_norm = (f"func.func @main(%x: {tensor(shape, dt)}, %w: {tensor([64], dt)}, "
                      f"%b: {tensor([64], dt)}) -> {tensor(shape, dt)} {{\n"
                      f"  %r = \"ttir.layer_norm\"(%x, %w, %b) <{{epsilon = 9.99999974E-6 : f32, "
                      f"normalized_shape = array<i64: 64>, operandSegmentSizes = array<i32: 1, 1, 1>}}> : "
                      f"({tensor(shape, dt)}, {tensor([64], dt)}, {tensor([64], dt)}) -> "
                      f"{tensor(shape, dt)} loc(\"layer_norm\")\n"
                      f"  return %r : {tensor(shape, dt)}\n}}\n")
        for tag in ("1x1", "1x2"):
            out.append(("layer_norm", f"layer_norm_{dt}_{tag}", layer_norm))
    return out


def collective_bodies(mesh, dt):
    """Collectives over the mesh's devices, each holding its own piece of the argument."""
    rows, cols = mesh
    ids = list(range(rows * cols))
    groups = [ids[r * cols:(r + 1) * cols] for r in range(rows)]  # the mesh rows
    dense = "dense<[" + ", ".join("[" + ", ".join(map(str, g)) + "]" for g in groups) + \
        f"]> : tensor<{rows}x{cols}xi64>"
    def op(name, attrs, out_local=None):
        def body(local):
            o = out_local(local) if out_local else local
            return (1, f"  %r = \"ttir.{name}\"(%s0) <{{{attrs}}}> : ({tensor(local, dt)}) -> "
                    f"{tensor(o, dt)} loc(\"{name}\")\n", "%r", dt, o)
        return body
    return {
        "all_reduce_async": op("all_reduce_async", "cluster_axis = 1 : ui32, reduce_type = "
                               "#ttcore.reduce_type<sum>"),
        "collective_broadcast": op("collective_broadcast", f"replica_groups = {dense}"),
        # Columns split in cols pieces, the pieces stacked along the rows.
        "all_to_all": op("all_to_all", f"split_dim = 1 : si32, concat_dim = 0 : si32, "
                         f"split_count = {cols} : si32, replica_groups = {dense}",
                         lambda l: [l[0] * cols, l[1] // cols]),
    }


def index_select_sharded(mesh, shape, dt):
    # The selected dim is split over the mesh columns: each chip selects from its own piece.
    rows, cols = mesh
    local = [shape[0] // rows, shape[1] // cols]
    out_local = [local[0], 3]
    full, part = tensor(shape, dt), tensor(local, dt)
    out_full = tensor([shape[0], 3 * cols], dt)
    shard = ("shard_dims = array<i64: 0, 1>, shard_direction = #ttcore.shard_direction<{}>, "
             f"shard_shape = array<i64: {rows}, {cols}>, shard_type = #ttcore.shard_type<devices>")
    return (f"func.func @main(%arg0: {full}) -> {out_full} {{\n"
            f"  %s0 = \"ttir.mesh_shard\"(%arg0) <{{{shard.format('full_to_shard')}}}> : ({full}) -> {part} loc(\"shard0\")\n"
            f"  %r = \"ttir.index_select\"(%s0) <{{dim = 1 : si32, begin = 1 : si32, length = 3 : si32, stride = 2 : si32}}> : ({part}) -> {tensor(out_local, dt)} loc(\"index_select\")\n"
            f"  %full = \"ttir.mesh_shard\"(%r) <{{{shard.format('shard_to_full')}}}> : ({tensor(out_local, dt)}) -> {out_full} loc(\"full\")\n"
            f"  return %full : {out_full}\n}}\n")


def distributed_norm(op, dt, residual):
    # Rows of 64 split over the 2 mesh rows (cluster_axis 0), replicated over the 4 columns.
    x_full, x_part = tensor([4, 64], dt), tensor([4, 32], dt)
    w_full, w_part = tensor([64], dt), tensor([32], dt)
    def shard(direction, rank):
        dims = "1, -1" if rank == 2 else "0, -1"
        pieces = "1, 2" if rank == 2 else "2"
        return (f"shard_dims = array<i64: {dims}>, shard_direction = #ttcore.shard_direction<{direction}>, "
                f"shard_shape = array<i64: {pieces}>, shard_type = #ttcore.shard_type<devices>")
    args = f"%arg0: {x_full}, %arg1: {w_full}" + (f", %arg2: {x_full}" if residual else "")
    if op == "distributed_layer_norm":
        args += f", %arg3: {w_full}"
    text = f"func.func @main({args}) -> {x_full} {{\n"
    text += f"  %x = \"ttir.mesh_shard\"(%arg0) <{{{shard('full_to_shard', 2)}}}> : ({x_full}) -> {x_part} loc(\"shard_x\")\n"
    text += f"  %w = \"ttir.mesh_shard\"(%arg1) <{{{shard('full_to_shard', 1)}}}> : ({w_full}) -> {w_part} loc(\"shard_w\")\n"
    operands, types, seg = "%x, %w", f"{x_part}, {w_part}", ["1", "1"]
    if op == "distributed_layer_norm":  # a bias too
        text += f"  %b = \"ttir.mesh_shard\"(%arg3) <{{{shard('full_to_shard', 1)}}}> : ({w_full}) -> {w_part} loc(\"shard_b\")\n"
        operands, types, seg = operands + ", %b", types + f", {w_part}", seg + ["1"]
    if residual:
        text += f"  %res = \"ttir.mesh_shard\"(%arg2) <{{{shard('full_to_shard', 2)}}}> : ({x_full}) -> {x_part} loc(\"shard_res\")\n"
        operands, types = operands + ", %res", types + f", {x_part}"
    seg = ", ".join(seg + ["1" if residual else "0"])
    text += (f"  %r = \"ttir.{op}\"({operands}) <{{cluster_axis = 0 : ui32, "
             f"epsilon = 9.99999974E-6 : f32, operandSegmentSizes = array<i32: {seg}>}}> : "
             f"({types}) -> {x_part} loc(\"{op}\")\n")
    text += f"  %full = \"ttir.mesh_shard\"(%r) <{{{shard('shard_to_full', 2)}}}> : ({x_part}) -> {x_full} loc(\"full\")\n"
    return text + f"  return %full : {x_full}\n}}\n"


def main():
    ttrt = os.path.realpath(sys.argv[1])
    work = tempfile.mkdtemp()
    env = dict(os.environ)
    if os.getuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    failures, checks = [], 0
    try:
        progs = programs()
        only = set(sys.argv[2:])  # ops to check alone (development); all when none are named
        if only:
            progs = [p for p in progs if p[0] in only]
        groups = {}  # tolerance group -> binaries directory
        for op, stem, text, mesh in progs:
            group = "bf16" if "bf16" in text else "exact"
            bins = groups.setdefault(group, os.path.join(work, group))
            os.makedirs(bins, exist_ok=True)
            src = os.path.join(work, stem + ".mlir")
            with open(src, "w") as f:
                f.write(text)
            r = subprocess.run([ttrt, "compile", src, "-o", os.path.join(bins, stem + ".ttnn"),
                                "--mesh-shape", f"{mesh[0]},{mesh[1]}"],
                               capture_output=True, text=True, env=env, timeout=120)
            if r.returncode != 0:
                failures.append(f"compile {stem}: {r.stdout}{r.stderr}")
        runs = (("one process", []), ("mpirun -np 2", MPIRUN + ["-np", "2"]),
                ("mpirun -np 4", MPIRUN + ["-np", "4"]))
        for label, prefix in runs:
            for group, bins in groups.items():
                art = os.path.join(work, "artifacts", label.replace(" ", "_"), group)
                result = os.path.join(work, "run_results.json")
                r = subprocess.run(prefix + [ttrt, "run", bins, "--result-file", result,
                                             "--artifact-dir", art, "--save-artifacts"]
                                   + TOLERANCES[group],
                                   capture_output=True, text=True, env=env, timeout=600, cwd=work)
                with open(result) as f:
                    rows = json.load(f)
                by_file = {os.path.basename(row["file_path"]): row for row in rows}
                for op, stem, _, _ in progs:
                    if not os.path.exists(os.path.join(bins, stem + ".ttnn")):
                        continue
                    row = by_file.get(stem + ".ttnn")
                    checks += 1
                    if row is None or row["result"] != "pass":
                        failures.append(f"{label}: {stem}: {row}")
                    # PCC alone misses a scaled result: every op's golden must also be allclose.
                    golden = os.path.join(art, stem + ".ttnn", "run", "program_0",
                                          "golden_results.json")
                    if not os.path.exists(golden):
                        failures.append(f"{label}: {stem}: no golden_results.json")
                        continue
                    with open(golden) as f:
                        entries = json.load(f)
                    checked = 0
                    for loc, devices in entries.items():
                        for device, metrics in devices.items():
                            checked += 1
                            if not metrics["allclose"]:
                                failures.append(f"{label}: {stem}: {loc} on device {device} is not "
                                                f"allclose: max |err| {metrics['max']}")
                    if checked == 0:
                        failures.append(f"{label}: {stem}: no golden was checked")
                    checks += checked
                if r.returncode != 0:
                    failures.append(f"{label}: ttrt run exited {r.returncode}: {r.stdout[-2000:]}")
        # Saved inputs and outputs are byte-identical however many ranks ran the program.
        for op, stem, text, _ in progs:
            group = "bf16" if "bf16" in text else "exact"
            trees = []
            for label, _ in runs:
                d = os.path.join(work, "artifacts", label.replace(" ", "_"), group, stem + ".ttnn",
                                 "run", "program_0")
                files = {}
                for root, _, names in os.walk(d):
                    for n in names:
                        if n.endswith(".npy"):
                            with open(os.path.join(root, n), "rb") as f:
                                files[os.path.relpath(os.path.join(root, n), d)] = f.read()
                trees.append(files)
            checks += 1
            if not trees[0] or any(t != trees[0] for t in trees[1:]):
                failures.append(f"{stem}: saved tensors differ between {', '.join(l for l, _ in runs)}"
                                f" (or none were saved)")
        # Test the test: a perturbed output of each op is caught by its golden.
        seen = set()
        for op, stem, text, _ in progs:
            if op in seen or op in NO_FAULT:
                continue
            seen.add(op)
            bins = groups["bf16" if "bf16" in text else "exact"]
            r = subprocess.run([ttrt, "run", os.path.join(bins, stem + ".ttnn"), "--inject-fault",
                                op, "--artifact-dir", os.path.join(work, "artifacts")],
                               capture_output=True, text=True, env=env, timeout=120, cwd=work)
            checks += 1
            if r.returncode != 42 or f"golden mismatch at '{op}'" not in r.stdout + r.stderr:
                failures.append(f"injected fault in {stem} not caught: exit {r.returncode}")
        ops = {op for op, _, _, _ in progs}
        lacking = sorted((only or catalogued_ops()) - ops)
        if lacking:
            failures.append(f"catalogued ops without a conformance program: {', '.join(lacking)}")
        print(f"{len(progs)} programs of {len(ops)} ops, {checks} checks, "
              f"{len(failures)} failures")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
