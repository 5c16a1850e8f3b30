"""Run under `mpirun -np N python3 spmd_script.py BINARY OUT.npz [--kill-worker]` or alone.

Rank 0 runs the 2x4 linear program through ttrt.runtime with a post-op callback that keeps
every op's loc and every device's output; it saves them, the program's output and the world
size to OUT.npz. With --kill-worker, rank 0 SIGKILLs rank 1 after the first run and submits
again: that second run must raise ttrt.runtime.Error naming rank 1 (written to OUT.npz.error).
"""
import os
import signal
import sys

import numpy as np

import ttrt
import ttrt.runtime as rt
from programs import linear_inputs, load, open_mesh, run

binary_path, out_path = sys.argv[1], sys.argv[2]
kill = "--kill-worker" in sys.argv
assert ttrt._ttrt.rank() == 0  # the other ranks serve inside `import ttrt` and never get here

saved = {}
locs = []


def post_op(binary, program_context, op_context):
    loc = rt.get_op_loc_info(op_context)
    locs.append(loc)
    for device, tensor in rt.get_op_output_tensor(op_context, program_context).items():
        saved[f"{loc}/{device}"] = tensor.to_numpy().copy()


def worker_pid(rank):
    """The pid of this job's process of `rank` (found through its environment)."""
    job = os.environ.get("OMPI_MCA_ess_base_jobid")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        if (f"OMPI_COMM_WORLD_RANK={rank}".encode() in env
                and f"OMPI_MCA_ess_base_jobid={job}".encode() in env):
            return int(pid)
    raise RuntimeError(f"rank {rank} not found")


rt.DebugHooks.get(None, post_op)
binary = load(binary_path)
device = open_mesh([2, 4])
(output,) = run(device, binary, linear_inputs())
rt.unregister_hooks()
np.savez(out_path, output=output, world_size=ttrt._ttrt.world_size(), locs=np.array(locs),
         **saved)
if kill:
    os.kill(worker_pid(1), signal.SIGKILL)
    try:
        run(device, binary, linear_inputs())
        message = "no error"
    except rt.Error as e:
        message = f"ttrt.runtime.Error: {e}"
    with open(out_path + ".error", "w") as f:
        f.write(message)
    print(message, flush=True)
    os._exit(3)
rt.close_mesh_device(device)
