"""Running the example programs through ttrt.runtime, shared by the tests and the MPI scripts."""
import json
import math

import numpy as np

import ttrt.binary
import ttrt.runtime as rt


def host_tensor(a, borrowed=False):
    """A host tensor of a numpy array; uint16 arrays hold bf16 bits."""
    make = rt.create_borrowed_host_tensor if borrowed else rt.create_owned_host_tensor
    dtype = {np.float32: rt.DataType.Float32, np.int32: rt.DataType.Int32,
             np.uint16: rt.DataType.BFloat16}[a.dtype.type]
    return make(a, list(a.shape), [s // a.itemsize for s in a.strides], a.itemsize, dtype)


def random_inputs(binary, program_index, seed=0):
    """Inputs of the shapes and dtypes a program takes (bf16 as the top half of f32 bits)."""
    r = np.random.default_rng(seed)
    arrays = []
    for t in json.loads(binary.get_program_inputs_as_json(program_index)):
        a = r.standard_normal(t["shape"], dtype=np.float32)
        if t["dtype"] == "bf16":
            a = (a.view(np.uint32) >> 16).astype(np.uint16)
        arrays.append(a)
    return arrays


def linear_inputs(seed=0):
    r = np.random.default_rng(seed)
    return [r.standard_normal((256, 1024), dtype=np.float32),
            r.standard_normal((1024, 512), dtype=np.float32)]


def linear_reference(x, w):
    y = (x.astype(np.float64) @ w.astype(np.float64))
    erf = np.vectorize(math.erf)
    return 0.5 * y * (1 + erf(y / math.sqrt(2)))


def run(device, binary, inputs, program_index=0):
    """submit + wait + to_host: each output as a numpy array."""
    outs = rt.submit(device, binary, program_index, [host_tensor(a) for a in inputs])
    rt.wait(outs)
    arrays = []
    for out in outs:
        host = rt.to_host(out, untilize=True)
        assert len(host) == 1
        arrays.append(host[0].to_numpy().copy())
        rt.deallocate_tensor(out, force=True)
    return arrays


def open_mesh(shape):
    options = rt.MeshDeviceOptions()
    options.mesh_shape = list(shape)
    return rt.open_mesh_device(options)


def load(path):
    return ttrt.binary.load_binary_from_path(path)
