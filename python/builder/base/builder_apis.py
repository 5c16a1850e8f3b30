"""Building, compiling and running builder modules (tt-mlir's builder_apis names).

meshrt compiles TTIR straight to its own flatbuffer (`.ttnn`): there is no TTNN lowering to
run, so `target="ttnn"` (the default) is the one target; the others (ttmetal, emitc, emitpy,
ttnn-mode) and the StableHLO, TTNN and D2M builders raise NotImplementedError naming them.
"""
import inspect
import os
import re
from collections import OrderedDict

import numpy as np

from ttrt import binary as _binary

from .builder import Builder, BuilderError, Module, _native, is_float_dtype
from .builder_runtime import TTBuilderCompileException, execute_fb
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
