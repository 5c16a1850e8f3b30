"""The builder document's TTIR examples (tools/builder/README.md of tt-mlir), as they run on
meshrt: only the imports of tt-mlir's compiler passes are left out. Each checks what the
example shows (its printed TTIR, its goldens) and, where it runs, the golden report."""
import json
import os
import re
import sys
from collections import OrderedDict
from typing import List, Optional

import numpy as np
import pytest
import torch

from builder.base.builder import Operand
from builder.base.builder_apis import *  # noqa: F401,F403  (as the document imports them)
from builder.base.builder_enums import *  # noqa: F401,F403
from builder.base.builder_runtime import *  # noqa: F401,F403
from builder.ttir.ttir_builder import TTIRBuilder
import _ttmlir_runtime as tt_runtime

from conftest import run_python


def body(module):
    """The module's text without locations, whitespace normalised."""
    return re.sub(r"\s+", " ", str(module)).strip()


def open_device(shape=(1, 1)):
    tt_runtime.runtime.set_current_device_runtime(tt_runtime.runtime.DeviceRuntime.TTNN)
    mesh_options = tt_runtime.runtime.MeshDeviceOptions()
    mesh_options.dispatch_core_type = tt_runtime.runtime.DispatchCoreType.ETH
    mesh_options.mesh_shape = shape
    return tt_runtime.runtime.open_mesh_device(mesh_options)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def passes(report):
    """Number of (key, device) entries of a golden report, after asserting each passed."""
    n = 0
    for program in report.values():
        for key, per_device in program.items():
            for d, entry in per_device.items():
                assert entry["result"] == "pass", (key, d, entry)
                n += 1
    return n


# -- build ttir module ----------------------------------------------------------------------------


def test_build_ttir_module():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0)
            return sigmoid0

    new_module, builder = build_module(module0, "ttir")
    asm = new_module.operation.get_asm(enable_debug_info=True)
    assert body(new_module).endswith(
        'func.func @modela(%arg0: tensor<32x32xf32>) -> tensor<32x32xf32> { %0 = "ttir.sigmoid"'
        '(%arg0) : (tensor<32x32xf32>) -> tensor<32x32xf32> return %0 : tensor<32x32xf32> } }')
    # The op's location is the Python line that built it.
    line = [i for i, t in enumerate(open(__file__), 1) if "sigmoid0 = builder.sigmoid(in0)" in t][0]
    assert f'loc("{__file__}:{line}")' in asm
    # Goldens by meshrt's reference interpreter: sigmoid of the generated input.
    goldens = builder.get_golden_map()["modela"]
    x = goldens["input_0"].shard_at(0)
    np.testing.assert_allclose(goldens["output_0"].shard_at(0), sigmoid(x), rtol=1e-6)
    assert goldens["input_0"].mesh_shape == (1, 1)


def test_override_location():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0, loc="tenstorrent://custom_location/sigmoid_op")
            return sigmoid0

    new_module, builder = build_module(module0, "ttir")
    asm = new_module.operation.get_asm(enable_debug_info=True)
    assert 'loc("tenstorrent://custom_location/sigmoid_op")' in asm
    assert "tenstorrent://custom_location/sigmoid_op" in builder.get_golden_map()["modela"]


def test_add_op_attributes():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0, unit_attrs=["ttir.should_hoist"])
            return sigmoid0

    new_module, builder = build_module(module0, "ttir")
    assert ('%0 = "ttir.sigmoid"(%arg0) {ttir.should_hoist} : (tensor<32x32xf32>) -> '
            'tensor<32x32xf32>') in body(new_module)
    assert "output_0" in builder.get_golden_map()["modela"]  # and it compiles


def test_multiple_returns():
    shapes = [(2, 16, 32, 32), (16,), (16,), (16,), (16,)]
    dtypes = [torch.float32, torch.float32, torch.float32, torch.float32, torch.float32]

    def module(builder: TTIRBuilder):
        @builder.func(shapes, dtypes)
        def batch_norm_training(in0: Operand, scale: Operand, offset: Operand,
                                running_mean: Operand, running_variance: Operand, builder,
                                unit_attrs: Optional[List[str]] = None):
            result, batch_mean, batch_variance = builder.batch_norm_training(
                in0, scale, offset, running_mean, running_variance, epsilon=1e-5, dimension=1,
                momentum=0.1)
            return result, batch_mean, batch_variance

    new_module, builder = build_module(module, "ttir")
    text = body(new_module)
    assert ("-> (tensor<2x16x32x32xf32>, tensor<16xf32>, tensor<16xf32>)") in text
    assert "dimension = 1 : i32" in text and "epsilon = 1.0" in text and "e-05 : f32" in text
    g = builder.get_golden_map()["batch_norm_training"]
    x = g["input_0"].shard_at(0).astype(np.float64)
    mean, var = g["input_3"].shard_at(0), g["input_4"].shard_at(0)  # the running statistics
    # The running statistics updated with momentum 0.1 (tt-mlir's semantics).
    np.testing.assert_allclose(g["output_1"].shard_at(0),
                               0.1 * x.mean(axis=(0, 2, 3)) + 0.9 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g["output_2"].shard_at(0),
                               0.1 * x.var(axis=(0, 2, 3)) + 0.9 * var, rtol=1e-4, atol=1e-6)


def test_set_goldens_with_callables():
    def module(builder: TTIRBuilder):
        @builder.func([(32, 32), (32, 32)], [torch.float32, torch.float32])
        def test_with_mixed_init(in0: Operand, in1: Operand, builder: TTIRBuilder,
                                 unit_attrs: Optional[List[str]] = None):
            builder.set_goldens({in0: torch.zeros, in1: torch.ones})
            add_result = builder.add(in0, in1)
            return add_result

    module, builder = build_module(module, "ttir")
    g = builder.get_golden_map()["test_with_mixed_init"]
    assert np.all(g["input_0"].shard_at(0) == 0) and np.all(g["input_1"].shard_at(0) == 1)
    assert np.all(g["output_0"].shard_at(0) == 1)


def test_set_goldens_with_torch_tensors_and_custom_goldens():
    seen = {}

    def module(builder: TTIRBuilder):
        @builder.func([(32, 32), (32, 32)], [torch.float32, torch.float32])
        def test_with_mixed_init(in0: Operand, in1: Operand, builder: TTIRBuilder,
                                 unit_attrs: Optional[List[str]] = None):
            input0 = torch.randn(32, 32)
            input1 = torch.randn(32, 32)
            builder.set_goldens({in0: input0, in1: input1})
            add_result = builder.add(in0, in1)
            builder.set_operand_goldens({add_result: torch.add(input0, input1)})
            seen.update(x=input0.numpy(), y=input1.numpy(), out=add_result)
            return add_result

    module, builder = build_module(module, "ttir")
    g = builder.get_golden_map()["test_with_mixed_init"]
    np.testing.assert_array_equal(g["input_0"].shard_at(0), seen["x"])
    # The interpreter's sum of the given inputs (computed in f64, stored as f32).
    np.testing.assert_allclose(g["output_0"].shard_at(0), seen["x"] + seen["y"], rtol=1e-6)
    custom = builder.get_golden(seen["out"]).shard_at(0)
    np.testing.assert_allclose(custom, seen["x"] + seen["y"], rtol=1e-6)
    report = execute_fb(*compile_ttir_module_to_flatbuffer(module, builder))
    assert passes(report) == 1


def test_mixed_precision_output_type():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0, output_type=torch.bfloat16)
            return sigmoid0

    new_module, builder = build_module(module0, "ttir")
    assert ("func.func @modela(%arg0: tensor<32x32xf32>) -> tensor<32x32xbf16> { %0 = "
            '"ttir.sigmoid"(%arg0) : (tensor<32x32xf32>) -> tensor<32x32xbf16>') in body(new_module)
    g = builder.get_golden_map()["modela"]
    # The golden is rounded to bf16: 8 bits of mantissa.
    np.testing.assert_allclose(g["output_0"].shard_at(0), sigmoid(g["input_0"].shard_at(0)),
                               rtol=2 ** -8)
    assert passes(compile_and_execute_ttir(module0)) == 1


def test_multiple_and_nested_functions_and_device_module():
    def module0(builder: TTIRBuilder):
        @builder.device_module
        def my_device_module(builder: TTIRBuilder):
            @builder.func([(32, 32)], [torch.float32])
            def my_modela(in0: Operand, builder: TTIRBuilder):
                def nested_func(in0: Operand, builder: TTIRBuilder):
                    sigmoid0 = builder.sigmoid(in0)
                    return sigmoid0

                sigmoid0 = builder.sigmoid(in0)
                nested_func0 = builder.call(nested_func, [sigmoid0])
                return nested_func0

            @builder.func([(32, 32)], [torch.float32])
            def my_modelb(in0: Operand, builder: TTIRBuilder):
                sigmoid0 = builder.sigmoid(in0)
                return sigmoid0

    new_module, builder = build_module(module0, "ttir")
    text = body(new_module)
    assert "ttcore.device_module { builtin.module { func.func @my_modela" in text
    assert "%1 = call @nested_func(%0) : (tensor<32x32xf32>) -> tensor<32x32xf32>" in text
    assert "func.func private @nested_func(%arg0: tensor<32x32xf32>)" in text
    g = builder.get_golden_map()
    assert set(g) == {"my_modela", "my_modelb"}
    x = g["my_modela"]["input_0"].shard_at(0)
    np.testing.assert_allclose(g["my_modela"]["output_0"].shard_at(0), sigmoid(sigmoid(x)),
                               rtol=1e-6)
    device = open_device()
    try:
        report = compile_and_execute_ttir(module0, device=device)
    finally:
        tt_runtime.runtime.close_mesh_device(device)
    assert sorted(report) == [0, 2]  # the binary's public programs (1 is @nested_func)
    assert passes(report) == 2


def test_compile_to_flatbuffer_and_other_targets():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0)
            return sigmoid0

        @builder.func([(32, 32)], [torch.float32])
        def modelb(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0)
            return sigmoid0

    builder, compiled_bin, input_output_goldens, intermediate_goldens = \
        compile_ttir_to_flatbuffer(module0)
    assert compiled_bin.get_num_programs() == 2
    assert sorted(input_output_goldens) == [0, 1]
    assert set(input_output_goldens[0]) == {"input_0", "output_0"}
    assert len(intermediate_goldens) == 2  # one sigmoid per function
    for target in ("ttmetal", "emitc", "emitpy"):
        with pytest.raises(NotImplementedError, match=target):
            compile_ttir_to_flatbuffer(module0, target=target)
    with pytest.raises(NotImplementedError, match="stablehlo"):
        build_module(module0, "stablehlo")


def test_execute_flatbuffer_through_compile_and_execute():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0)
            return sigmoid0

        @builder.func([(32, 32)], [torch.float32])
        def modelb(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0)
            return sigmoid0

    device = open_device()
    try:
        report = compile_and_execute_ttir(module0, device=device)
    finally:
        tt_runtime.runtime.close_mesh_device(device)
    assert passes(report) == 2


def test_execute_flatbuffer_manually():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0)
            return sigmoid0

    module, builder = build_module(module0, "ttir")
    compiled_bin, input_output_goldens, intermediate_goldens = \
        compile_ttir_module_to_flatbuffer(module, builder)
    device = open_device()
    try:
        report = execute_fb(compiled_bin, input_output_goldens, intermediate_goldens,
                            device=device)
        assert passes(report) == 1
        # Test the test: a wrong golden fails the check, naming the output and device.
        wrong = {0: dict(input_output_goldens[0])}
        out = wrong[0]["output_0"]
        wrong[0]["output_0"] = GoldenMapTensor({0: -np.asarray(out.shard_at(0))}, (1, 1))
        with pytest.raises(TTBuilderGoldenException, match="output_0 device 0"):
            execute_fb(compiled_bin, wrong, intermediate_goldens, device=device)
    finally:
        tt_runtime.runtime.close_mesh_device(device)


def test_load_and_execute_a_precompiled_flatbuffer(tmp_path):
    from conftest import ttrt_cli
    src = tmp_path / "abs.mlir"
    src.write_text('module {\n  func.func @abs(%arg0: tensor<128x128xf32>) -> tensor<128x128xf32> {\n'
                   '    %0 = "ttir.abs"(%arg0) : (tensor<128x128xf32>) -> tensor<128x128xf32>\n'
                   '    return %0 : tensor<128x128xf32>\n  }\n}\n')
    ttrt_cli("compile", str(src), "-o", "abs_module.ttnn")
    input0 = torch.rand([128, 128], dtype=torch.float32) - 0.5
    output0 = torch.abs(input0)
    input_output_goldens = {0: {"input_0": GoldenMapTensor({0: input0}, (1, 1)),
                                "output_0": GoldenMapTensor({0: output0}, (1, 1))}}
    device = open_device()
    try:
        bin = tt_runtime.binary.load_binary_from_path("abs_module.ttnn")
        report = execute_fb(bin, input_output_goldens=input_output_goldens, device=device)
        assert report[0]["output_0"][0]["actual_atol"] == 0.0
    finally:
        tt_runtime.runtime.close_mesh_device(device)


def test_set_atol_rtol():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            builder.set_goldens({in0: torch.full((32, 32), fill_value=0.0152, dtype=torch.float32)})
            permute0 = builder.permute(in0, permutation=[1, 0])
            return permute0

    device = open_device()
    try:
        report = compile_and_execute_ttir(module0, device=device, atol=1e-5, rtol=1e-5,
                                          check_atol=True, check_rtol=True)
    finally:
        tt_runtime.runtime.close_mesh_device(device)
    entry = report[0]["output_0"][0]
    assert entry["expected_atol"] == 1e-5 and entry["allclose"] is True


def test_check_intermediates_and_dump_memory(tmp_path):
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0)
            add0 = builder.add(sigmoid0, in0)
            return add0

    device = open_device()
    try:
        compile_and_execute_ttir(module0, device=device, enable_intermediate_verification=True,
                                 save_artifacts=True, dump_memory=True)
    finally:
        tt_runtime.runtime.close_mesh_device(device)
    golden_report_path = "builder-artifacts/TTIRBuilder/test/program_0/golden_report.json"
    with open(golden_report_path, "r") as f:
        golden_report = json.load(f)
    ops = [k for k in golden_report if k.startswith("loc(")]
    assert len(ops) == 2 and "output_0" in golden_report
    for key in golden_report:
        assert golden_report[key]["0"]["result"] == "pass", key
    with open("builder-artifacts/TTIRBuilder/test/program_0/memory_report.json") as f:
        memory = json.load(f)
    assert [m["loc"] for m in memory] == [k[len('loc("'):-2] for k in ops]
    # The input and the sigmoid's result are allocated in DRAM after the first op.
    assert all(m["dram"]["total_bytes_allocated_per_bank"] > 0 for m in memory)
    assert "ttir.sigmoid" in memory[0]["debug_str"]


def test_bypass_op():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def modela(in0: Operand, builder: TTIRBuilder):
            sigmoid0 = builder.sigmoid(in0)
            builder.bypass(sigmoid0)
            return sigmoid0

    module, builder = build_module(module0, "ttir")
    compiled, io, intermediate = compile_ttir_module_to_flatbuffer(module, builder)
    loc = next(iter(intermediate))
    # A wrong intermediate golden fails the check, unless the op is bypassed.
    bad = {loc: GoldenMapTensor({0: np.zeros((32, 32), np.float32)}, (1, 1))}
    with pytest.raises(TTBuilderGoldenException, match="loc"):
        execute_fb(compiled, io, bad, enable_intermediate_verification=True)
    report = execute_fb(compiled, io, bad, enable_intermediate_verification=True,
                        bypass_ops=sorted(builder._bypassed))
    assert list(report[0]) == ["output_0"]
    assert passes(compile_and_execute_ttir(module0, enable_intermediate_verification=True)) == 1


def test_golden_check_level_graph_checks_outputs_only():
    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32), (32, 32)], [torch.float32, torch.float32])
        def model(in0: Operand, in1: Operand, builder: TTIRBuilder):
            builder.golden_check_level = GoldenCheckLevel.GRAPH_LEVEL
            add_0 = builder.add(in0, in1)
            return builder.multiply(add_0, in1)

    builder, compiled, io, intermediate = compile_ttir_to_flatbuffer(module0)
    assert intermediate == {} and set(io[0]) == {"input_0", "input_1", "output_0"}
    report = execute_fb(compiled, io, intermediate, enable_intermediate_verification=True)
    assert list(report[0]) == ["output_0"] and passes(report) == 1


# -- multi-device graphs --------------------------------------------------------------------------


def all_gather_module(builder: TTIRBuilder):
    @builder.func([(1, 1, 256, 512)], [torch.float32])
    def all_gather(in0: Operand, builder: TTIRBuilder):
        in_shard = builder.mesh_shard(
            in0,
            shard_direction=MeshShardDirection.FullToShard.value,
            shard_type=MeshShardType.Devices.value,
            shard_shape=(1, 1, 8, 4),
            shard_dims=(2, 3),
        )

        all_gather0 = builder.all_gather(
            in_shard,
            all_gather_dim=3,
            cluster_axis=1,
        )

        return builder.mesh_shard(
            all_gather0,
            shard_direction=MeshShardDirection.ShardToFull.value,
            shard_type=MeshShardType.Devices.value,
            shard_shape=(1, 1, 8, 1),
            shard_dims=(2, -1),
        )


def test_build_multi_device_graph_8x4():
    mesh = OrderedDict([("x", 8), ("y", 4)])
    module, builder = build_module(all_gather_module, "ttir", mesh_dict=mesh)
    expected = (
        '%0 = "ttir.mesh_shard"(%arg0) <{shard_dims = array<i64: 2, 3>, shard_direction = '
        '#ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, 8, 4>, shard_type '
        '= #ttcore.shard_type<devices>}> : (tensor<1x1x256x512xf32>) -> tensor<1x1x32x128xf32> '
        '%1 = "ttir.all_gather"(%0) <{all_gather_dim = 3 : si32, cluster_axis = 1 : ui32}> : '
        '(tensor<1x1x32x128xf32>) -> tensor<1x1x32x512xf32> %2 = "ttir.mesh_shard"(%1) '
        '<{shard_dims = array<i64: 2, -1>, shard_direction = #ttcore.shard_direction<shard_to_full>'
        ', shard_shape = array<i64: 1, 1, 8, 1>, shard_type = #ttcore.shard_type<devices>}> : '
        '(tensor<1x1x32x512xf32>) -> tensor<1x1x256x512xf32>')
    assert expected in body(module)
    g = builder.get_golden_map()["all_gather"]
    x = g["input_0"].shard_at(0)
    # Every device gathered its mesh row's shards: the full input's rows of that row.
    gathered = [k for k in g if k not in ("input_0", "output_0")][1]
    for d in (0, 5, 31):
        row = d // 4
        np.testing.assert_array_equal(g[gathered].shard_at(d), x[:, :, row * 32:(row + 1) * 32, :])
    np.testing.assert_array_equal(g["output_0"].shard_at(0), x)
    assert g["input_0"].group_by_axis(1)[1] == [4, 5, 6, 7]
    assert passes(compile_and_execute_ttir(all_gather_module, mesh_dict=mesh,
                                           enable_intermediate_verification=True)) >= 1 + 2 * 32


def test_presharded_args_and_results_1x2():
    def module(builder: TTIRBuilder):
        @builder.func(
            [(1, 1, 256, 512), (1, 1, 256, 512)],
            [torch.float32, torch.float32],
            presharded_args={0: (-1, 3), 1: (-1, 3)},
            presharded_results={0: (-1, 3)},
        )
        def model(in0: Operand, in1: Operand, builder: TTIRBuilder):
            builder.set_goldens({in0: torch.arange(256 * 512, dtype=torch.float32).reshape(
                1, 1, 256, 512)})
            return builder.add(in0, in1)

    mesh = OrderedDict([("x", 1), ("y", 2)])
    module, builder = build_module(module, "ttir", mesh_dict=mesh)
    assert ("func.func @model(%arg0: tensor<1x1x256x256xf32> {ttcore.shard_status = "
            "#ttcore.shard_status<presharded>}, %arg1: tensor<1x1x256x256xf32> {ttcore.shard_status"
            " = #ttcore.shard_status<presharded>}) -> (tensor<1x1x256x256xf32> {ttcore.shard_status"
            " = #ttcore.shard_status<presharded>})") in body(module)
    g = builder.get_golden_map()["model"]
    # The logical input split along dim 3: device 1 holds columns 256..511.
    assert g["input_0"].shard_at(1)[0, 0, 0, 0] == 256.0
    np.testing.assert_allclose(g["output_0"].shard_at(1),
                               g["input_0"].shard_at(1) + g["input_1"].shard_at(1), rtol=1e-6)
    assert passes(execute_fb(*compile_ttir_module_to_flatbuffer(module, builder))) == 2


# -- bad use --------------------------------------------------------------------------------------


def build_error(fn, mesh=None):
    with pytest.raises(Exception) as info:
        build_module(fn, "ttir", mesh_dict=mesh or OrderedDict([("x", 1), ("y", 1)]))
    return info.value


def test_bad_use_raises_naming_op_and_line():
    def wrong_shape(builder):
        @builder.func([(32, 32), (16, 32)], [torch.float32, torch.float32])
        def f(a, b, builder):
            return builder.add(a, b)  # BAD-ADD

    line = [i for i, t in enumerate(open(__file__), 1) if "# BAD-ADD" in t][0]
    e = build_error(wrong_shape)
    assert f"{__file__}:{line}: ttir.add" in str(e) and "broadcast" in str(e)

    def indivisible(builder):
        @builder.func([(30, 32)], [torch.float32])
        def f(a, builder):
            return builder.mesh_shard(a, shard_direction=MeshShardDirection.FullToShard,
                                      shard_type=MeshShardType.Devices, shard_shape=(4, 1),
                                      shard_dims=(-1, 0))

    e = build_error(indivisible, OrderedDict([("x", 1), ("y", 4)]))
    assert "ttir.mesh_shard" in str(e) and "does not divide dim 0 of size 30" in str(e)

    def unknown_dtype(builder):
        @builder.func([(32, 32)], [torch.complex64])
        def f(a, builder):
            return builder.exp(a)

    e = str(build_error(unknown_dtype))
    assert "unknown dtype torch.complex64" in e and "test_builder.py" in e and "builder.func" in e

    def unknown_output_type(builder):
        @builder.func([(32, 32)], [torch.float32])
        def f(a, builder):
            return builder.exp(a, output_type=torch.complex64)  # BAD-TYPE

    line = [i for i, t in enumerate(open(__file__), 1) if "# BAD-TYPE" in t][0]
    e = str(build_error(unknown_output_type))
    assert f"{__file__}:{line}: ttir.exp: output_type: unknown dtype" in e

    def wrong_golden(builder):
        @builder.func([(32, 32)], [torch.float32])
        def f(a, builder):
            out = builder.exp(a)
            builder.set_operand_goldens({out: torch.zeros(16, 32)})
            return out

    e = build_error(wrong_golden)
    assert "golden of %0 (the result of ttir.exp) has shape (16, 32)" in str(e)
    assert "test_builder.py" in str(e)

    def missing_attribute(builder):
        @builder.func([(32, 32)], [torch.float32])
        def f(a, builder):
            return builder.all_gather(a, cluster_axis=1)

    assert "all_gather_dim" in str(build_error(missing_attribute))


# -- every collective, one process and two ranks ---------------------------------------------------


COLLECTIVES_SCRIPT = os.path.join(os.path.dirname(__file__), "builder_collectives.py")


def test_builder_collectives_one_process():
    p = run_python(COLLECTIVES_SCRIPT)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r"collectives: (\d+) checks passed", p.stdout), p.stdout


def test_builder_collectives_under_mpirun():
    p = run_python(COLLECTIVES_SCRIPT, np=2)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r"collectives: (\d+) checks passed", p.stdout), p.stdout


# -- debug dialect ops ----------------------------------------------------------------------------


def test_debug_breakpoint_print_memory_snapshot_and_dump(monkeypatch, capsys):
    stops = []
    monkeypatch.setattr(sys, "breakpointhook", lambda *a, **k: stops.append(1))

    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32), (32, 32)], [torch.float32, torch.float32])
        def debug_breakpoint(in0: Operand, in1: Operand, builder: TTIRBuilder):
            add0 = builder.add(in0, in1)
            builder.breakpoint(add0)
            builder.print(add0, "execution has reached here")
            builder.memory_snapshot(add0, "memory_dump.txt")
            builder.dump(add0, "add0.npz")
            sigmoid0 = builder.sigmoid(add0)
            return sigmoid0

    device = open_device((1, 2))  # the document's mesh: the 1x1 program runs on a sub-mesh
    try:
        report = compile_and_execute_ttir(module0, device=device)
    finally:
        tt_runtime.runtime.close_mesh_device(device)
    assert passes(report) == 1
    assert stops == [1]
    assert "execution has reached here" in capsys.readouterr().out
    snapshot = json.load(open("memory_dump.txt"))
    assert snapshot["devices"][0]["dram"]["total_bytes_allocated_per_bank"] > 0
    module, builder = build_module(module0, "ttir")
    g = builder.get_golden_map()["debug_breakpoint"]
    add = [k for k in g if k.startswith(__file__)][0]
    np.testing.assert_allclose(np.load("add0.npz")["device_0"], g[add].shard_at(0), rtol=1e-6)


# -- load, split and execute MLIR files -----------------------------------------------------------

TWO_FUNCS = """module {
  func.func @modela(%arg0: tensor<32x32xf32>, %arg1: tensor<32x32xf32>) -> tensor<32x32xf32> {
    %0 = "ttir.add"(%arg0, %arg1) : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32> loc("add")
    %1 = "ttir.exp"(%0) : (tensor<32x32xf32>) -> tensor<32x32xf32> loc("exp")
    return %1 : tensor<32x32xf32>
  }
  func.func @modelb(%arg0: tensor<32x32xf32>, %arg1: tensor<32x32xf32>) -> tensor<32x32xf32> {
    %0 = "ttir.multiply"(%arg0, %arg1) : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32> loc("mul")
    return %0 : tensor<32x32xf32>
  }
}
"""


def test_load_mlir_file_with_custom_inputs_and_execute():
    a, b = torch.randn(32, 32), torch.randn(32, 32)
    module, builder = load_mlir_file(TWO_FUNCS, target="ttir", golden_inputs={
        "modela": [a, b], "modelb": [torch.randn(32, 32), torch.randn(32, 32)]})
    assert str(module) == TWO_FUNCS
    g = builder.get_golden_map()
    np.testing.assert_allclose(g["modela"]["add"].shard_at(0), (a + b).numpy(), rtol=1e-6)
    np.testing.assert_allclose(g["modela"]["output_0"].shard_at(0), np.exp((a + b).numpy()),
                               rtol=1e-5)
    compiled_bin, input_output_goldens, intermediate_goldens = \
        compile_ttir_module_to_flatbuffer(module, builder)
    device = open_device()
    try:
        report = execute_fb(compiled_bin, input_output_goldens, intermediate_goldens,
                            device=device, enable_intermediate_verification=True)
    finally:
        tt_runtime.runtime.close_mesh_device(device)
    assert passes(report) == 3 + 2  # add, exp, output; mul, output
    # deallocate_goldens (the document's "load large mlir file") is accepted.
    assert load_mlir_file(TWO_FUNCS, target="ttir", deallocate_goldens=True)[1] is not None
    with pytest.raises(Exception, match="no public function"):
        load_mlir_file(TWO_FUNCS, golden_inputs={"modelc": [a, b]})
    with pytest.raises(Exception, match="does not load"):
        load_mlir_file(TWO_FUNCS.replace("ttir.exp", "ttir.nosuchop"))


def test_split_mlir_file_of_a_small_module():
    module, builder = load_mlir_file(TWO_FUNCS, target="ttir")
    parts = split_mlir_file(module, builder)
    assert len(parts) == 3
    text = str(parts[1][0])
    assert 'func.func @exp_1(%arg0: tensor<32x32xf32>)' in text and 'loc("exp")' in text
    # The split exp's input is the original add's golden.
    add = builder.get_golden_map()["modela"]["add"].shard_at(0)
    g = parts[1][1].get_golden_map()["exp_1"]
    np.testing.assert_array_equal(g["input_0"].shard_at(0), add)


def corpus_file(rel):
    root = os.path.join(os.environ.get("MESHRT_SOURCE_DIR", ""), "..", "shared", "corpus",
                        "tt-mlir")
    path = os.path.join(root, rel)
    if not os.path.exists(path):
        if os.environ.get("MESHRT_REQUIRE_CORPUS", "0") not in ("", "0"):
            pytest.fail(f"no corpus file {path}")
        pytest.skip(f"no corpus at {root}")
    return open(path).read()


def test_load_split_execute_a_20_op_corpus_program():
    text = corpus_file("Silicon/TTNN/n150/optimizer/resnet50_layer4_module1.mlir")
    module, builder = load_mlir_file(text, target="ttir")
    builder_module_list = split_mlir_file(module, builder)
    assert len(builder_module_list) == 20
    checked = 0
    for split_module, split_builder in builder_module_list:
        compiled_bin, input_output_goldens, intermediate_goldens = \
            compile_ttir_module_to_flatbuffer(split_module, split_builder)
        report = execute_fb(compiled_bin, input_output_goldens, intermediate_goldens)
        checked += passes(report)
        # The op alone gives what it gave in the whole program (bf16 values).
        original = list(split_builder._original_goldens.values())[0][0]
        alone = input_output_goldens[0]["output_0"].shard_at(0)
        np.testing.assert_allclose(alone, original, rtol=2e-2, atol=2e-2)
    assert checked == 20


def test_set_goldens_to_check_keeps_only_those_ops():
    kept = {}

    def module0(builder: TTIRBuilder):
        @builder.func([(32, 32)], [torch.float32])
        def model(in0: Operand, builder: TTIRBuilder):
            a = builder.exp(in0)
            b = builder.neg(a)
            builder.set_goldens_to_check([b])
            kept["loc"] = b.loc
            return builder.abs(b)

    builder, compiled, io, intermediate = compile_ttir_to_flatbuffer(module0)
    assert list(intermediate) == [kept["loc"]]
    report = execute_fb(compiled, io, intermediate, enable_intermediate_verification=True)
    assert sorted(report[0]) == sorted([f'loc("{kept["loc"]}")', "output_0"])
    assert passes(report) == 2
