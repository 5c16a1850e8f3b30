"""Building, compiling and running builder modules (tt-mlir's builder_apis names).

meshrt compiles TTIR straight to its own flatbuffer (`.ttnn`): there is no TTNN lowering to
run, so `target="ttnn"` (the default) is the one target; the others (ttmetal, emitc, emitpy,
ttnn-mode) and the StableHLO, TTNN and D2M builders raise NotImplementedError naming them.
"""
import inspect
import os
import re
from collections import OrderedDict

from ttrt import binary as _binary

from .builder import BuilderError, Module
from .builder_enums import GoldenCheckLevel
from .builder_runtime import TTBuilderCompileException, execute_fb, register_debug_actions
from .golden_map import GoldenMapTensor
from ..ttir.ttir_builder import TTIRBuilder

_DEFAULT_MESH = OrderedDict([("x", 1), ("y", 1)])


def _not_here(what, name):
    raise NotImplementedError(f"{what} '{name}' is not available on meshrt: it compiles TTIR "
                              f"modules to its own flatbuffer and runs them on its simulated mesh")


def _check_target(target):
    if target != "ttnn":
        _not_here("target", target)


def build_module(mod, builder_type="ttir", mesh_name="mesh", mesh_dict=_DEFAULT_MESH,
                 save_artifacts=False, artifact_dir=".", system_desc_path=None):
    """Runs `mod(builder)` and returns (Module, builder)."""
    if builder_type != "ttir":
        _not_here("builder type", builder_type)
    try:
        loc = f"{inspect.getfile(mod)}:{inspect.getsourcelines(mod)[1]}"
    except (OSError, TypeError):
        loc = None
    builder = TTIRBuilder(None, loc, mesh_name, mesh_dict)
    mod(builder)
    if not builder._funcs:
        raise BuilderError(f"'{getattr(mod, '__name__', mod)}' built no function: decorate "
                           f"them with @builder.func(shapes, dtypes)")
    module = Module(builder)
    if save_artifacts:
        os.makedirs(artifact_dir, exist_ok=True)
        with open(os.path.join(artifact_dir, "ttir_module.mlir"), "w") as f:
            f.write(module.text(True))
    return module, builder


def _goldens_of(builder):
    """(input/output goldens {program index: {key: GoldenMapTensor}}, intermediate goldens
    {loc: {program index... as tt-mlir: loc -> {device: tensor}}}) of the builder's module."""
    data, programs = builder._compile()
    io, intermediate = {}, {}
    for f in builder._funcs:
        if f.private:
            continue
        index, goldens = programs[f.name]
        io[index] = {}
        for key, per_device in goldens.items():
            g = GoldenMapTensor(per_device, builder.mesh_shape)
            if re.fullmatch(r"(input|output)_\d+", key):
                io[index][key] = g
            else:
                intermediate[key] = g
        # Outputs the user gave goldens for.
        for i, r in enumerate(f.results):
            if r in builder._operand_goldens:
                io[index][f"output_{i}"] = builder.get_golden(r)
        for operand, _ in builder._operand_goldens.items():
            if operand.func is f and operand.op is not None:
                intermediate[operand.op.loc] = builder.get_golden(operand)
    if builder.golden_check_level != GoldenCheckLevel.OP_LEVEL:  # graph level: outputs only
        intermediate = {}
    if builder.golden_check_level == GoldenCheckLevel.DISABLED:
        io = {i: {k: v for k, v in g.items() if k.startswith("input_")} for i, g in io.items()}
    if builder._goldens_to_check is not None:
        keep = {o.op.loc for o in builder._goldens_to_check if o.op is not None}
        intermediate = {k: v for k, v in intermediate.items() if k in keep}
    return data, io, intermediate


def compile_ttir_module_to_flatbuffer(module, builder, system_desc_path=None, artifact_dir=".",
                                      target="ttnn", mesh_dict=None, save_artifacts=False,
                                      argument_types_string=None, custom_pipeline=None,
                                      pipeline_options=None, print_ir=False,
                                      input_output_goldens=None, intermediate_goldens=None):
    """Compiles a built module: returns (binary, input/output goldens, intermediate goldens).
    The binary (ttrt.binary.Binary) is also written to `artifact_dir`/ttnn_compiled.ttnn when
    save_artifacts is set."""
    _check_target(target)
    if custom_pipeline is not None:
        _not_here("custom pipeline", str(custom_pipeline))
    try:
        data, io, intermediate = _goldens_of(builder)
    except BuilderError as e:
        raise TTBuilderCompileException(str(e)) from None
    if input_output_goldens is not None:
        io = input_output_goldens
    if intermediate_goldens is not None:
        intermediate = intermediate_goldens
    name = os.path.join(artifact_dir, "ttnn_compiled.ttnn")
    if save_artifacts:
        os.makedirs(artifact_dir, exist_ok=True)
        with open(name, "wb") as f:
            f.write(data)
        with open(os.path.join(artifact_dir, "ttir_module.mlir"), "w") as f:
            f.write(module.text(True))
    compiled = _binary.load_binary_from_bytes(data, name)
    register_debug_actions(compiled, builder._debug_actions)
    return compiled, io, intermediate


def compile_ttir_to_flatbuffer(fn, system_desc_path=None, artifact_dir=".", target="ttnn",
                               mesh_name="mesh", mesh_dict=_DEFAULT_MESH, save_artifacts=False,
                               argument_types_string=None, custom_pipeline=None,
                               pipeline_options=None, print_ir=False):
    """build_module then compile_ttir_module_to_flatbuffer: (builder, binary, input/output
    goldens, intermediate goldens)."""
    _check_target(target)
    try:
        module, builder = build_module(fn, "ttir", mesh_name=mesh_name, mesh_dict=mesh_dict,
                                       save_artifacts=save_artifacts, artifact_dir=artifact_dir)
    except BuilderError as e:
        raise TTBuilderCompileException(str(e)) from None
    return (builder, *compile_ttir_module_to_flatbuffer(
        module, builder, artifact_dir=artifact_dir, target=target, save_artifacts=save_artifacts))


def compile_and_execute_ttir(fn, system_desc_path=None, test_base="test", output_root=".",
                             target="ttnn", mesh_name="mesh", mesh_dict=_DEFAULT_MESH,
                             save_artifacts=False, argument_types_string=None,
                             custom_pipeline=None, pipeline_options=None, print_ir=False,
                             device=None, pcc=0.99, atol=1e-08, rtol=1e-05,
                             disable_golden=False, skip_exec=False, check_pcc=True,
                             check_atol=False, check_rtol=False,
                             enable_intermediate_verification=False, dump_memory=False):
    """Builds, compiles and runs `fn` on `device` (a mesh opened by ttrt.runtime, or a fresh
    one of the module's mesh when None); returns the golden report (also written to
    builder-artifacts/TTIRBuilder/<test_base>/program_<i>/ with save_artifacts)."""
    artifact_dir = os.path.join(output_root, "builder-artifacts", "TTIRBuilder", test_base)
    builder, compiled, io, intermediate = compile_ttir_to_flatbuffer(
        fn, artifact_dir=artifact_dir, target=target, mesh_name=mesh_name, mesh_dict=mesh_dict,
        save_artifacts=save_artifacts)
    if skip_exec:
        return None
    return execute_fb(compiled, io, intermediate, pcc=pcc, atol=atol, rtol=rtol,
                      disable_golden=disable_golden, device=device, check_pcc=check_pcc,
                      check_atol=check_atol, check_rtol=check_rtol,
                      enable_intermediate_verification=enable_intermediate_verification,
                      bypass_ops=sorted(builder._bypassed), save_artifacts=save_artifacts,
                      artifact_dir=artifact_dir, dump_memory=dump_memory)


def compile_and_execute_shlo(*_, **__):
    _not_here("builder", "stablehlo")


def compile_and_execute_ttnn(*_, **__):
    _not_here("builder", "ttnn")


def compile_and_execute_d2m(*_, **__):
    _not_here("builder", "d2m")


def compile_stablehlo_to_flatbuffer(*_, **__):
    _not_here("builder", "stablehlo")


def compile_ttnn_to_flatbuffer(*_, **__):
    _not_here("builder", "ttnn")


def compile_d2m_to_flatbuffer(*_, **__):
    _not_here("builder", "d2m")


def load_mlir_file(mlir_text, golden_inputs=None, target="ttir", mesh_name="mesh",
                   mesh_dict=None, deallocate_goldens=False, path="<loaded>.mlir"):
    """A TTIR module from its text: (Module, builder). Goldens of every op are computed by the
    reference interpreter from `golden_inputs` ({function: [tensor per argument]}) or from the
    seeded inputs ttrt would generate. (`deallocate_goldens` has nothing to free here: meshrt
    keeps the goldens in the compiled binary, not in Python.)"""
    if target != "ttir":
        _not_here("target", target)
    builder = TTIRBuilder(None, None, mesh_name, mesh_dict)
    builder._load(mlir_text, path)
    for name, tensors in (golden_inputs or {}).items():
        f = next((f for f in builder._funcs if f.name == name and not f.private), None)
        if f is None:
            raise BuilderError(f"golden_inputs names '{name}', which is no public function of "
                               f"the module ({[g.name for g in builder._funcs if not g.private]})")
        if len(tensors) != len(f.args):
            raise BuilderError(f"golden_inputs['{name}'] has {len(tensors)} tensors, "
                               f"'{name}' takes {len(f.args)}")
        builder.set_goldens(dict(zip(f.args, tensors)), override=True)
    return Module(builder), builder


def _operand_list(text, start):
    """(operands, end) of the parenthesised SSA list opening at text[start]."""
    depth, i = 0, start
    while i < len(text):
        if text[i] in "([<{":
            depth += 1
        elif text[i] in ")]>}":
            depth -= 1
            if depth == 0:
                break
        i += 1
    inner = text[start + 1:i].strip()
    return ([o.strip() for o in inner.split(",")] if inner else []), i + 1


def _signature_types(text):
    """The operand types of an op's `: (T, ...) -> R` trailer."""
    depth, i = 0, 0
    at = -1
    while i < len(text):
        c = text[i]
        if c in "([<{":
            depth += 1
        elif c in ")]>}":
            depth -= 1
        elif depth == 0 and text.startswith(" : (", i):
            at = i + 3
        i += 1
    if at < 0:
        return []
    types, _ = _operand_list(text, at)
    return types


def _split_text(builder, index, op):
    """A module holding op `index` of `program` alone, its operands as arguments."""
    from .builder import tensor_type
    line = op["debug_str"]
    head = re.search(r'"ttir\.[a-z_0-9]+"\(', line)
    if head is None:
        return None
    operands, end = _operand_list(line, head.end() - 1)
    n = len(op["operands"])
    types_text = _signature_types(line[end:])
    lines, names = [], [f"%arg{i}" for i in range(n)]
    for k in range(n, len(operands)):  # destination operands (ttir.empty) of older programs
        t = types_text[k] if k < len(types_text) else None
        if t is None:
            return None
        lines.append(f'%dps{k} = "ttir.empty"() : () -> {t}')
        names.append(f"%dps{k}")
    results = [f"%r{i}" for i in range(len(op["results"]))]
    lhs = (", ".join(results) + " = ") if results else ""
    lines.append(lhs + line[head.start():head.end()] + ", ".join(names) + ")" + line[end:])
    args = ", ".join(f"%arg{i}: {tensor_type(t['local_shape'], t['dtype'])}"
                     for i, t in enumerate(op["operand_types"]))
    outs = [tensor_type(t["shape"], t["dtype"]) for t in op["result_types"]]
    aliases = [ln for ln in builder._source.splitlines() if ln.startswith("#")]
    body = "\n".join("    " + ln for ln in lines)
    ret = f"    return {', '.join(results)} : {', '.join(outs)}"
    name = f"{op['name']}_{index}"
    return ("\n".join(aliases) + "\n" + builder._module_header() +
            f" {{\n  func.func @{name}({args}) -> ({', '.join(outs)}) {{\n{body}\n{ret}\n  }}\n}}\n")


def split_mlir_file(module, builder):
    """Every op of every public function of a loaded module as its own (Module, builder): the
    op's operands become the module's arguments, with the original goldens of those operands
    as their inputs, so the op can be compiled, run and checked alone. `call` ops are not split
    (their callee is a function of its own)."""
    if builder._source is None:
        builder._load(module.text(True), "<built>.mlir")
    goldens = builder._golden_maps()
    out = []
    for program in builder._described:
        if program["private"]:
            continue
        g = goldens.get(program["name"], {})
        for index, op in enumerate(program["ops"]):
            if op["name"] == "call":
                continue
            text = _split_text(builder, index, op)
            if text is None:
                raise BuilderError(f"op {index} ({op['name']}) of '{program['name']}' cannot be "
                                   f"split: {op['debug_str'][:120]}")
            split_module, split_builder = load_mlir_file(text, mesh_dict=None,
                                                         path=f"{op['name']}_{index}.mlir")
            f = split_builder._funcs[0]
            inputs = {}
            for arg, key in zip(f.args, op["operands"]):
                if key not in g:
                    raise BuilderError(f"no golden of operand {key} of op {index} "
                                       f"({op['name']}) of '{program['name']}'")
                inputs[arg] = GoldenMapTensor(g[key], builder.mesh_shape)
            split_builder.set_goldens(inputs, override=True)
            split_builder._original_goldens = {k: g[k] for k in op["results"] if k in g}
            out.append((split_module, split_builder))
    return out
