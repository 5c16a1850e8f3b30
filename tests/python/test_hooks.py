"""DebugHooks callbacks, as the ttrt document's "Callback hooks" section registers them."""
import json
import sys
import threading
import traceback

import numpy as np
import pytest

import ttrt.runtime
import ttrt.runtime as rt
from programs import linear_inputs, load, open_mesh, random_inputs, run
from ttrt.common.api import API


@pytest.fixture(autouse=True)
def no_hooks_left():
    yield
    rt.unregister_hooks()


def op_locs(binary, program_index=0):
    return [op["loc"] for op in json.loads(binary.get_program_ops_as_json(program_index))]


def test_document_callbacks_see_every_op_and_every_device(binaries):
    seen = []

    # The document's callbacks, with its four calls.
    def pre_op_callback_runtime_config(binary, program_context, op_context):
        seen.append(("pre", ttrt.runtime.get_op_loc_info(op_context),
                     threading.current_thread() is threading.main_thread()))
        assert ttrt.runtime.get_op_output_tensor(op_context, program_context) == {}

    def post_op_callback_runtime_config(binary, program_context, op_context):
        loc = ttrt.runtime.get_op_loc_info(op_context)
        op_debug_str = ttrt.runtime.get_op_debug_str(op_context)
        op_golden_tensor = ttrt.runtime.get_debug_info_golden(binary, loc)
        op_output_tensor = ttrt.runtime.get_op_output_tensor(op_context, program_context)
        worst = 0.0
        for device, tensor in op_output_tensor.items():
            golden = op_golden_tensor[device]
            assert golden.shape == tensor.get_shape()
            worst = max(worst, float(np.abs(tensor.to_numpy() - golden.to_numpy()).max()))
        seen.append(("post", loc, op_debug_str, sorted(op_output_tensor), worst))

    callback_env = ttrt.runtime.DebugHooks.get(pre_op_callback_runtime_config,
                                               post_op_callback_runtime_config)
    assert callback_env is not None
    API.initialize_apis()
    code, results = API.Run(args={"binary": binaries["tp_linear_2x4"]})()
    assert code == 0 and results[0]["result"] == "pass"

    b = load(binaries["tp_linear_2x4"])
    locs = op_locs(b)
    assert [s[1] for s in seen if s[0] == "pre"] == locs
    posts = [s for s in seen if s[0] == "post"]
    assert [p[1] for p in posts] == locs
    # The runtime calls the hooks from the thread that runs the program, not the caller's.
    assert not any(s[2] for s in seen if s[0] == "pre")
    for _, loc, debug_str, devices, worst in posts:
        assert loc in debug_str and "ttir." in debug_str
        # Every sharded op has all 8 devices' outputs; the final shard_to_full one tensor.
        assert devices == (list(range(8)) if loc != "gather_out" else [0]), (loc, devices)
        assert worst < 1e-3, (loc, worst)


def test_hooks_on_the_runtime_api_and_unregister(binaries):
    calls = []
    rt.DebugHooks.get(None, lambda b, p, o: calls.append(rt.get_program_index(p)))
    b = load(binaries["tp_linear_2x4"])
    dev = open_mesh([2, 4])
    try:
        run(dev, b, linear_inputs())
        assert calls == [0] * len(op_locs(b))
        rt.unregister_hooks()
        run(dev, b, linear_inputs())
        assert len(calls) == len(op_locs(b))
    finally:
        rt.close_mesh_device(dev)


class Boom(Exception):
    pass


def test_exception_in_a_callback_ends_the_run_with_that_exception(binaries):
    def post(binary, program_context, op_context):
        if rt.get_op_loc_info(op_context) == "partial_matmul":
            raise Boom("raised in the callback at partial_matmul")

    rt.DebugHooks.get(None, post)
    b = load(binaries["tp_linear_2x4"])
    dev = open_mesh([2, 4])
    try:
        with pytest.raises(Boom, match="partial_matmul") as info:
            run(dev, b, linear_inputs())
        frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
        assert "post" in frames  # the callback's own frame is in the traceback
        # The device and the runtime are still usable afterwards.
        rt.unregister_hooks()
        (out,) = run(dev, b, linear_inputs())
        assert out.shape == (256, 512)
    finally:
        rt.close_mesh_device(dev)


def test_contexts_outside_their_callback_raise(binaries):
    kept = []
    rt.DebugHooks.get(None, lambda b, p, o: kept.append((p, o)))
    b = load(binaries["two_programs"])
    dev = open_mesh([1, 1])
    try:
        run(dev, b, random_inputs(b, 1), program_index=1)
    finally:
        rt.close_mesh_device(dev)
    assert kept
    program_context, op_context = kept[-1]
    with pytest.raises(rt.Error, match="belongs to a callback that has returned"):
        rt.get_op_output_tensor(op_context, program_context)
    with pytest.raises(rt.Error, match="belongs to a callback that has returned"):
        rt.get_op_loc_info(op_context)


def test_the_gil_is_free_while_ops_run(binaries):
    # A Python thread keeps running while submit() executes the program.
    b = load(binaries["tp_linear_2x4"])
    dev = open_mesh([2, 4])
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.001)

    ins = linear_inputs()
    sys.setswitchinterval(10.0)  # with the GIL held, the ticker would not get it back
    t = threading.Thread(target=ticker)
    try:
        t.start()
        before = len(ticks)
        for _ in range(3):
            run(dev, b, ins)
        during = len(ticks) - before
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(0.005)
        rt.close_mesh_device(dev)
    assert during > 5, during
