"""Running a compiled builder module on the simulated mesh and checking it against its goldens
(tt-mlir's builder_runtime names)."""
import json
import os

import numpy as np

from ttrt import runtime as _rt

from .builder import _native
from .golden_map import GoldenMapTensor, to_numpy  # noqa: F401  (GoldenMapTensor: public name)


class TTBuilderCompileException(Exception):
    pass


class TTBuilderRuntimeException(Exception):
    pass


class TTBuilderGoldenException(Exception):
    pass


_RT_DTYPES = {"f32": "Float32", "bf16": "BFloat16", "f16": "Float16", "f64": "Float64",
              "si32": "Int32", "i32": "Int32", "ui32": "UInt32", "ui16": "UInt16", "ui8": "UInt8",
              "si64": "Int64", "i64": "Int64", "i1": "Bool", "si16": "Int16", "i16": "Int16"}


def _host_tensor(array, dtype):
    """A runtime host tensor of element type `dtype` holding `array`'s values."""
    data = np.ascontiguousarray(_native.encode(np.asarray(array, dtype=np.float64), dtype))
    shape = list(data.shape)
    stride, step = [0] * len(shape), 1
    for i in range(len(shape) - 1, -1, -1):
        stride[i] = step
        step *= shape[i]
    rt_dtype = getattr(_rt.DataType, _RT_DTYPES[dtype])
    return _rt.create_owned_host_tensor(data, shape, stride, data.itemsize, rt_dtype)


def _values(tensor, dtype):
    """A runtime tensor's values as float64."""
    return _native.decode(np.asarray(tensor.to_numpy()), dtype)


def compare(golden, actual, pcc=0.99, atol=1e-08, rtol=1e-05):
    """The figures tt-mlir's golden report holds, for one device."""
    g = np.asarray(golden, dtype=np.float64).ravel()
    a = np.asarray(actual, dtype=np.float64).ravel()
    if g.shape != a.shape:
        return {"result": "fail", "error": f"shape {np.shape(actual)} vs golden {np.shape(golden)}"}
    finite = np.isfinite(g) & np.isfinite(a)
    same_special = np.array_equal(np.isnan(g), np.isnan(a)) and np.array_equal(
        g[np.isinf(g)], a[np.isinf(a)]) if (~finite).any() else True
    gf, af = g[finite], a[finite]
    diff = np.abs(gf - af)
    max_diff = float(diff.max()) if diff.size else 0.0
    if gf.size == 0 or np.array_equal(gf, af):
        actual_pcc = 1.0
    elif np.std(gf) == 0 or np.std(af) == 0:
        actual_pcc = 1.0 if np.allclose(gf, af, rtol=1e-2, atol=1e-2) else 0.0
    else:
        actual_pcc = float(np.corrcoef(gf, af)[0, 1])
    denom = np.abs(gf)
    rel = diff / np.where(denom == 0, 1.0, denom)
    norm = float(np.linalg.norm(gf) * np.linalg.norm(af))
    return {
        "result": "pass" if actual_pcc >= pcc and same_special else "fail",
        "expected_pcc": pcc, "actual_pcc": actual_pcc,
        "expected_atol": atol, "actual_atol": max_diff,
        "expected_rtol": rtol, "actual_rtol": float(rel.max()) if rel.size else 0.0,
        "allclose": bool(np.allclose(af, gf, rtol=rtol, atol=atol)) and same_special,
        "max": max_diff,
        "mean_absolute_error": float(diff.mean()) if diff.size else 0.0,
        "root_mean_square_error": float(np.sqrt((diff ** 2).mean())) if diff.size else 0.0,
        "cosine_similarity": float(np.dot(gf, af) / norm) if norm else 1.0,
    }


def _failed(entry, check_pcc, check_atol, check_rtol):
    if "error" in entry:
        return True
    return ((check_pcc and entry["result"] != "pass")
            or (check_atol and entry["actual_atol"] > entry["expected_atol"])
            or (check_rtol and entry["actual_rtol"] > entry["expected_rtol"]))


# Debug actions of compiled builder modules, by binary id: {loc: [(kind, argument, site)]}.
_DEBUG_ACTIONS = {}


def register_debug_actions(compiled_bin, actions):
    if actions:
        _DEBUG_ACTIONS[compiled_bin.id] = dict(actions)


def _run_debug_actions(actions, loc, device, devices, op_context, program_context):
    for kind, arg, site in actions:
        if kind == "print":
            print(f"{site}: {arg} (after {loc})", flush=True)
        elif kind == "memory_snapshot":
            snapshot = []
            for d in range(devices):
                views = device.get_memory_view(d)
                snapshot.append({"device": d, **{
                    t.name.lower(): {f: getattr(v, f) for f in (
                        "num_banks", "total_bytes_per_bank", "total_bytes_allocated_per_bank",
                        "total_bytes_free_per_bank", "largest_contiguous_bytes_free_per_bank")}
                    for t, v in views.items()}})
            with open(arg, "w") as f:
                json.dump({"loc": loc, "devices": snapshot}, f, indent=2)
        elif kind == "dump":
            outs = _rt.get_op_output_tensor(op_context, program_context)
            np.savez(arg, **{f"device_{d}": _values(t, _dtype_of(t)) for d, t in outs.items()})
        elif kind == "breakpoint":
            outputs = _rt.get_op_output_tensor(op_context, program_context)  # noqa: F841
            breakpoint()


def _key(loc):
    return f"loc({json.dumps(loc)})"


def execute_fb(compiled_bin, input_output_goldens=None, intermediate_goldens=None, pcc=0.99,
               atol=1e-08, rtol=1e-05, disable_golden=False, device=None, check_pcc=True,
               check_atol=False, check_rtol=False, enable_intermediate_verification=False,
               bypass_ops=None, save_artifacts=False, artifact_dir=".", dump_memory=False):
    """Runs every public program of `compiled_bin` (a ttrt.binary.Binary, or a path) on
    `device` with the inputs of `input_output_goldens` ({program: {"input_0":
    GoldenMapTensor...}}), compares each output on each device with its golden, and with
    enable_intermediate_verification every op whose loc has a golden in `intermediate_goldens`.
    Returns the golden report {program index: {key: {device: figures}}}; raises
    TTBuilderGoldenException when a check fails (names the key and device)."""
    from ttrt import binary as _binary

    if isinstance(compiled_bin, str):
        compiled_bin = _binary.load_binary_from_path(compiled_bin)
    io = input_output_goldens or {}
    intermediate = intermediate_goldens or {}
    bypass = set(bypass_ops or [])
    own = device is None
    report = {}
    failures = []
    try:
        for p in range(compiled_bin.get_num_programs()):
            if compiled_bin.is_program_private(p):
                continue
            mesh = list(compiled_bin.get_program_mesh_shape(p))
            if own:
                options = _rt.MeshDeviceOptions()
                options.mesh_shape = mesh
                device = _rt.open_mesh_device(options)
            # A program for a smaller mesh runs on a sub-mesh of the device at its origin.
            target, sub = device, None
            if list(device.get_mesh_shape()) != mesh:
                sub = target = _rt.create_sub_mesh_device(device, mesh, [0, 0])
            try:
                program_report = _run_program(compiled_bin, p, io.get(p, {}), intermediate,
                                              target, disable_golden,
                                              enable_intermediate_verification, bypass,
                                              (pcc, atol, rtol), dump_memory,
                                              artifact_dir if save_artifacts else None)
            finally:
                if sub is not None:
                    _rt.release_sub_mesh_device(sub)
            if own:
                _rt.close_mesh_device(device)
                device = None
            report[p] = program_report
            for key, per_device in program_report.items():
                for d, entry in per_device.items():
                    if isinstance(entry, dict) and _failed(entry, check_pcc, check_atol, check_rtol):
                        failures.append(f"program {p} {key} device {d}: "
                                        f"{entry.get('error') or 'pcc %.6f' % entry['actual_pcc']}")
            if save_artifacts:
                out = os.path.join(artifact_dir, f"program_{p}")
                os.makedirs(out, exist_ok=True)
                with open(os.path.join(out, "golden_report.json"), "w") as f:
                    json.dump(program_report, f, indent=4)
    finally:
        if own and device is not None:
            _rt.close_mesh_device(device)
    if failures:
        raise TTBuilderGoldenException("golden check failed: " + "; ".join(failures[:8]))
    return report


def _run_program(binary, p, goldens, intermediate, device, disable_golden, intermediates,
                 bypass, tolerances, dump_memory, artifact_dir):
    inputs_desc = json.loads(binary.get_program_inputs_as_json(p))
    outputs_desc = json.loads(binary.get_program_outputs_as_json(p))
    mesh = list(binary.get_program_mesh_shape(p))
    inputs = []
    for i, desc in enumerate(inputs_desc):
        golden = goldens.get(f"input_{i}")
        local = desc.get("local_shape", desc["shape"])
        if golden is None:
            if not disable_golden:
                raise TTBuilderRuntimeException(f"program {p}: no golden for input_{i}")
            rng = np.random.default_rng(i)
            golden = GoldenMapTensor({d: rng.standard_normal(local) for d in
                                      range(mesh[0] * mesh[1])}, mesh)
        if desc.get("shard_status") == "presharded":
            shards = [_host_tensor(to_numpy(golden.shard_at(d)), desc["dtype"])
                      for d in range(mesh[0] * mesh[1])]
            inputs.append(_rt.create_multi_device_host_tensor_from_shards(
                shards, {"strategy": "shard"}, mesh))
        else:
            inputs.append(_host_tensor(to_numpy(golden.shard_at(0)), desc["dtype"]))

    report = {}
    memory = []
    actions = _DEBUG_ACTIONS.get(binary.id, {})
    hooks_wanted = (intermediates and intermediate) or dump_memory or actions

    def post_op(bin_, program_context, op_context):
        loc = _rt.get_op_loc_info(op_context)
        if loc in actions:
            _run_debug_actions(actions[loc], loc, device, mesh[0] * mesh[1], op_context,
                               program_context)
        if dump_memory:
            views = device.get_memory_view(0)  # chip 0 after the op
            entry = {"loc": loc, "debug_str": _rt.get_op_debug_str(op_context)}
            for name, kind in (("dram", "DRAM"), ("l1", "L1"), ("l1_small", "L1_SMALL"),
                               ("trace", "TRACE")):
                v = views[getattr(_rt.MemoryBufferType, kind)]
                entry[name] = {f: getattr(v, f) for f in (
                    "num_banks", "total_bytes_per_bank", "total_bytes_allocated_per_bank",
                    "total_bytes_free_per_bank", "largest_contiguous_bytes_free_per_bank",
                    "block_table")}
            memory.append(entry)
        if not intermediates or loc in bypass or loc not in intermediate:
            return
        outs = _rt.get_op_output_tensor(op_context, program_context)
        golden = intermediate[loc]
        entry = {}
        for d, tensor in outs.items():
            if d in golden.shard_map:
                entry[d] = compare(to_numpy(golden.shard_at(d)), _values(tensor, _dtype_of(tensor)),
                                   *tolerances)
        report[_key(loc)] = entry

    if hooks_wanted:
        _rt.DebugHooks.get(None, post_op)
    try:
        outputs = _rt.submit(device, binary, p, inputs)
        _rt.wait(outputs)
        for i, (out, desc) in enumerate(zip(outputs, outputs_desc)):
            shards = _rt.to_host(out, untilize=True)
            golden = goldens.get(f"output_{i}")
            if golden is None or disable_golden:
                continue
            entry = {}
            for d, tensor in enumerate(shards):
                if d in golden.shard_map:
                    entry[d] = compare(to_numpy(golden.shard_at(d)),
                                       _values(tensor, desc["dtype"]), *tolerances)
            report[f"output_{i}"] = entry
    finally:
        if hooks_wanted:
            _rt.unregister_hooks()
    if dump_memory and artifact_dir:
        out = os.path.join(artifact_dir, f"program_{p}")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "memory_report.json"), "w") as f:
            json.dump(memory, f, indent=4, default=str)
    return report


_DTYPE_NAMES = {"Float32": "f32", "BFloat16": "bf16", "Float16": "f16", "Float64": "f64",
                "Int32": "si32", "UInt32": "ui32", "UInt16": "ui16", "UInt8": "ui8",
                "Int64": "si64", "Bool": "i1", "Int16": "si16"}


def _dtype_of(tensor):
    return _DTYPE_NAMES[tensor.get_dtype().name]
