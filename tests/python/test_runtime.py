"""ttrt.runtime: meshes, programs and tensors, checked against numpy."""
import json

import numpy as np
import pytest

import ttrt.binary
import ttrt.runtime as rt
from programs import (host_tensor, linear_inputs, linear_reference, load, open_mesh,
                      random_inputs, run)


def test_tp_linear_on_a_2x4_mesh_matches_numpy(binaries):
    b = load(binaries["tp_linear_2x4"])
    dev = open_mesh([2, 4])
    try:
        assert dev.get_mesh_shape() == [2, 4]
        assert dev.get_device_ids() == list(range(8))
        x, w = linear_inputs()
        (out,) = run(dev, b, [x, w])
        assert out.shape == (256, 512) and out.dtype == np.float32
        np.testing.assert_allclose(out, linear_reference(x, w), rtol=1e-3, atol=1e-3)
        # A second submit of other inputs gives other outputs (nothing cached between runs).
        (again,) = run(dev, b, linear_inputs(seed=1))
        assert not np.array_equal(out, again)
    finally:
        rt.close_mesh_device(dev)


def test_devices_and_memory_views():
    assert rt.get_num_available_devices() >= 8
    dev = open_mesh([2, 4])
    try:
        views = dev.get_memory_view(0)
        assert set(views) >= {rt.MemoryBufferType.DRAM, rt.MemoryBufferType.L1}
        dram = views[rt.MemoryBufferType.DRAM]
        assert dram.num_banks > 0 and dram.total_bytes_per_bank > 0
        assert dram.total_bytes_free_per_bank <= dram.total_bytes_per_bank
        assert dev.get_l1_small_size() > 0 and dev.get_num_hw_cqs() == 1
        dev.dump_memory_report()
        dev.read_device_profiler_results()
        sub = rt.create_sub_mesh_device(dev, [1, 4], [1, 0])
        assert sub.get_mesh_shape() == [1, 4]
        assert sub.get_device_ids() == [4, 5, 6, 7]
        rt.release_sub_mesh_device(sub)
        rt.reshape_mesh_device(dev, [1, 8])
        assert dev.get_mesh_shape() == [1, 8]
    finally:
        rt.close_mesh_device(dev)


def test_programs_of_a_1x1_binary_on_a_sub_mesh(binaries):
    b = load(binaries["two_programs"])
    dev = open_mesh([2, 4])
    try:
        sub = rt.create_sub_mesh_device(dev, [1, 1], [1, 3])
        assert sub.get_device_ids() == [7]
        x, y = random_inputs(b, 1)
        (out,) = run(sub, b, [x, y], program_index=1)  # @first: relu(scale_add(x, y))
        assert out.dtype == np.uint16 and out.shape == (32, 64)
        f = lambda a: (a.astype(np.uint32) << 16).view(np.float32)
        np.testing.assert_allclose(f(out), np.maximum(f(x) * f(y) + f(x), 0), rtol=2e-2, atol=2e-2)
        (total,) = run(sub, b, random_inputs(b, 2), program_index=2)
        assert total.shape == (32, 1)
        rt.release_sub_mesh_device(sub)
    finally:
        rt.close_mesh_device(dev)


def test_tensor_accessors_share_memory():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    t = host_tensor(a)
    assert t.get_shape() == [4, 6] and t.get_stride() == [6, 1]
    assert t.get_volume() == 24 and t.get_element_size() == 4
    assert t.get_dtype() == rt.DataType.Float32
    view = t.to_numpy()
    np.testing.assert_array_equal(view, a)
    buf = t.get_data_buffer()
    assert buf.dtype == np.uint8 and buf.size == 96
    assert np.shares_memory(buf, view)  # no copy between the two views of the tensor
    assert buf.tobytes() == a.tobytes()
    out = np.zeros((4, 6), dtype=np.float32)
    rt.memcpy(out, t)
    np.testing.assert_array_equal(out, a)
    rt.deallocate_tensor(t, force=True)
    assert not t.is_allocated()


def test_borrowed_multi_device_layout_and_int_tensors():
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    t = host_tensor(a, borrowed=True)
    np.testing.assert_array_equal(t.to_numpy(), a)
    shards = [np.full((2, 2), i, dtype=np.float32) for i in range(2)]
    m = rt.create_multi_device_host_tensor(shards, [2, 2], [2, 1], 4, rt.DataType.Float32,
                                           {"strategy": "shard", "shard_dim": "0"}, [1, 2])
    assert rt.get_num_shards(m) == 2
    parts = rt.get_device_tensors(m)
    assert [p.to_numpy()[0, 0] for p in parts] == [0.0, 1.0]
    from_shards = rt.create_multi_device_host_tensor_from_shards(
        [host_tensor(s) for s in shards], {"strategy": "shard", "shard_dim": "0"}, [1, 2])
    assert rt.get_num_shards(from_shards) == 2
    dev = open_mesh([1, 2])
    try:
        on_device = rt.to_layout(t, dev, rt.Layout(rt.StorageType.Device))
        assert rt.get_layout(on_device).storage == rt.StorageType.Device
        back = rt.to_host(on_device, untilize=True)
        np.testing.assert_array_equal(back[0].to_numpy(), a)
    finally:
        rt.close_mesh_device(dev)


def test_torch_tensors_when_torch_is_importable():
    torch = pytest.importorskip("torch")
    a = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = rt.create_owned_host_tensor(a, [2, 3], [3, 1], 4, rt.DataType.Float32)
    np.testing.assert_array_equal(t.to_numpy(), a.numpy())


def test_system_desc_arch_and_dtypes():
    desc = rt.get_current_system_desc()
    assert desc.get_num_chips() >= 8 and desc.arch == "wormhole_b0"
    assert rt.get_arch() == rt.Arch.WORMHOLE_B0
    assert json.loads(desc.as_json())["cluster"]["chip"]["arch"] == "wormhole_b0"
    assert {d.name for d in rt.DataType.__members__.values()} >= {"Float32", "BFloat16", "Int32"}


def test_fabric_config_reaches_the_runs(binaries):
    b = load(binaries["tp_linear_2x4"])
    dev = open_mesh([2, 4])
    try:
        rt.set_fabric_config(rt.FabricConfig.DISABLED)
        with pytest.raises(rt.Error, match="fabric"):
            run(dev, b, linear_inputs())
        rt.set_fabric_config(rt.FabricConfig.FABRIC_1D_RING)
        (out,) = run(dev, b, linear_inputs())
        assert out.shape == (256, 512)
    finally:
        rt.set_fabric_config(rt.FabricConfig.FABRIC_1D)
        rt.close_mesh_device(dev)
