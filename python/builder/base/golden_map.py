"""GoldenMapTensor: one golden per device of a mesh, as tt-mlir's builder holds them."""
import numpy as np


def _torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


class GoldenMapTensor:
    """The goldens of one value: {device id: tensor} on a mesh of `mesh_shape` (rows, cols).

    Tensors are numpy arrays, or torch tensors when given as such. `shard_at(d)` is device d's
    tensor, `group_by_axis(axis)` groups the devices that lie along `axis` of the mesh."""

    def __init__(self, shard_map, mesh_shape=(1, 1)):
        if not isinstance(shard_map, dict) or not shard_map:
            raise ValueError("GoldenMapTensor needs a non-empty {device id: tensor} dict")
        self.shard_map = dict(shard_map)
        self.mesh_shape = tuple(int(m) for m in mesh_shape)
        volume = self.mesh_shape[0] * self.mesh_shape[1]
        bad = [d for d in self.shard_map if not 0 <= int(d) < volume]
        if bad:
            raise ValueError(f"GoldenMapTensor: device ids {bad} lie outside the mesh {self.mesh_shape}")

    def __len__(self):
        return len(self.shard_map)

    def __getitem__(self, device):
        return self.shard_map[device]

    def shard_at(self, device):
        return self.shard_map[device]

    def contiguous(self):
        return self

    @property
    def shape(self):
        return tuple(np.shape(self.shard_map[min(self.shard_map)]))

    def group_by_axis(self, axis):
        """Lists of device ids: along mesh axis `axis` (0: each column's rows, 1: each row's
        columns), every group in order."""
        rows, cols = self.mesh_shape
        if axis == 1:
            return [[r * cols + c for c in range(cols)] for r in range(rows)]
        if axis == 0:
            return [[r * cols + c for r in range(rows)] for c in range(cols)]
        raise ValueError(f"mesh axis {axis} is not 0 or 1")

    def numpy(self, device=0):
        return to_numpy(self.shard_map[device])

    def __repr__(self):
        return f"GoldenMapTensor(devices={sorted(self.shard_map)}, mesh_shape={self.mesh_shape}, shape={self.shape})"


def to_numpy(tensor):
    """A numpy array of a numpy array, a torch tensor (bf16 widened to f32) or a scalar/list."""
    torch = _torch()
    if torch is not None and isinstance(tensor, torch.Tensor):
        t = tensor.detach().cpu()
        if t.dtype == torch.bfloat16:
            t = t.to(torch.float32)
        return t.numpy()
    return np.asarray(tensor)
