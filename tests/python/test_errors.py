"""Bad use of the Python API: a Python exception with a clear message, never a crash."""
import json

import numpy as np
import pytest

import ttrt.binary
import ttrt.runtime as rt
from programs import host_tensor, linear_inputs, load, open_mesh, run


def test_missing_and_corrupt_binaries(tmp_path):
    with pytest.raises(rt.Error, match="nowhere/x.ttnn") as info:
        ttrt.binary.load_binary_from_path("nowhere/x.ttnn")
    assert info.value.code == "not_found"
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(rt.Error) as info:
        ttrt.binary.load_binary_from_bytes(b"\x00" * 64, "junk.ttnn")
    assert "junk.ttnn" in str(info.value)
    (tmp_path / "bad.ttsys").write_bytes(b"not a system desc")
    with pytest.raises(rt.Error, match="bad.ttsys"):
        ttrt.binary.load_system_desc_from_path(str(tmp_path / "bad.ttsys"))


def test_host_tensors_that_do_not_match_their_description():
    a = np.zeros((4, 4), dtype=np.float32)
    with pytest.raises(rt.Error, match="64 bytes"):
        rt.create_owned_host_tensor(a, [8, 8], [8, 1], 4, rt.DataType.Float32)
    with pytest.raises(rt.Error, match="itemsize 2 does not match f32"):
        rt.create_owned_host_tensor(a, [4, 4], [4, 1], 2, rt.DataType.Float32)
    with pytest.raises(rt.Error, match="8-byte 'd' elements, not f32"):
        rt.create_owned_host_tensor(a.astype(np.float64).ravel()[:8], [4, 4], [4, 1], 4,
                                    rt.DataType.Float32)
    with pytest.raises(rt.Error, match="4-byte 'f' elements, not i32"):
        rt.create_owned_host_tensor(a, [4, 4], [4, 1], 4, rt.DataType.Int32)
    with pytest.raises(rt.Error, match="numpy array, a buffer"):
        rt.create_owned_host_tensor("text", [4, 4], [4, 1], 4, rt.DataType.Float32)


def test_wrong_inputs_to_submit(binaries):
    b = load(binaries["tp_linear_2x4"])
    dev = open_mesh([2, 4])
    try:
        x, w = linear_inputs()
        # submit() is asynchronous: a bad input raises where the run is waited for.
        with pytest.raises(rt.Error, match="program 'forward' takes 2 inputs, got 1"):
            run(dev, b, [x])
        with pytest.raises(rt.Error, match="input 0 of program 'forward' must be 256x1024 f32, "
                                           "got 1024x512 f32"):
            run(dev, b, [w, x])
        with pytest.raises(rt.Error, match="program index 5 out of range"):
            rt.submit(dev, b, 5, [host_tensor(x), host_tensor(w)])
        (out,) = run(dev, b, [x, w])  # the device still runs good inputs
        assert out.shape == (256, 512)
        with pytest.raises(rt.Error, match="program 5 does not exist"):
            b.get_program_name(5)
    finally:
        rt.close_mesh_device(dev)


def test_closed_device(binaries):
    b = load(binaries["tp_linear_2x4"])
    dev = open_mesh([2, 4])
    rt.close_mesh_device(dev)
    with pytest.raises(rt.Error, match="closed|not open"):
        run(dev, b, linear_inputs())
    with pytest.raises(rt.Error, match="closed|not open"):
        dev.get_mesh_shape()
    with pytest.raises(rt.Error, match="closed|not open"):
        rt.close_mesh_device(dev)


def test_meshes_that_do_not_fit():
    o = rt.MeshDeviceOptions()
    o.mesh_shape = [64, 64]
    with pytest.raises(rt.Error, match="64x64"):
        rt.open_mesh_device(o)
    dev = open_mesh([2, 4])
    try:
        with pytest.raises(rt.Error, match="3x3|does not fit"):
            rt.create_sub_mesh_device(dev, [3, 3])
        with pytest.raises(rt.Error, match="1x3|volume|8"):
            rt.reshape_mesh_device(dev, [1, 3])
    finally:
        rt.close_mesh_device(dev)


def test_deallocated_tensor_and_small_memcpy_destination():
    t = host_tensor(np.ones((4, 4), dtype=np.float32))
    with pytest.raises(rt.Error, match="destination has 16 bytes"):
        rt.memcpy(np.zeros(4, dtype=np.float32), t)
    rt.deallocate_tensor(t, force=True)
    with pytest.raises(rt.Error, match="deallocated"):
        t.get_shape()
