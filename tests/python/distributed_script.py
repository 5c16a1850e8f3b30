"""The 2x4 linear program through ttrt.runtime, alone, under mpirun (SPMD) or as a controller:

    python3 distributed_script.py BINARY OUT.npz [--controller BINDING] [--kill-worker]
    mpirun -np 2 python3 distributed_script.py BINARY OUT.npz [--kill-worker]

A post-op callback keeps every op's loc and every device's output; they, the program's output
and the world size go to OUT.npz. --controller launches the binding's workers first
(launch_distributed_runtime) and, after the run, shuts them down and runs once more with one
LocalSubprocess worker (saved as relaunch_output). --kill-worker SIGKILLs the worker of world
rank 1 after the first run and submits again: that run must raise ttrt.runtime.Error naming
rank 1; the message goes to OUT.npz.error, the seconds from the kill to the error to
OUT.npz.seconds, and the script exits 3.
"""
import os
import signal
import sys
import time
import uuid

import numpy as np

import ttrt
import ttrt.runtime as rt
from programs import linear_inputs, load, open_mesh, run

binary_path, out_path = sys.argv[1], sys.argv[2]
kill = "--kill-worker" in sys.argv
binding = sys.argv[sys.argv.index("--controller") + 1] if "--controller" in sys.argv else None
assert ttrt._ttrt.rank() == 0  # SPMD workers serve inside `import ttrt` and never get here
mark = uuid.uuid4().hex


def launch(mode, binding=None):
    options = rt.DistributedOptions()
    options.mode = mode
    if binding:
        options.multi_process_args = (rt.MultiProcessArgs.create(binding)
                                      .with_allow_run_as_root(True)
                                      .with_extra_mpi_args(f"-x MESHRT_TEST_MARK={mark}"))
    rt.launch_distributed_runtime(options)


def read(path):
    try:
        return open(path, "rb").read()
    except OSError:
        return b""


def worker_pid(rank):
    """The pid of this job's process of world `rank`."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if binding:
            # A controller's worker is `python3 -c "...os.environ.update({...}); import ttrt"`:
            # its command line holds this script's mark and its binding rank (world rank - 1).
            cmd = read(f"/proc/{pid}/cmdline")
            if mark.encode() in cmd and f"'TT_MESH_HOST_RANK': '{rank - 1}'".encode() in cmd:
                return int(pid)
        else:
            env = read(f"/proc/{pid}/environ").split(b"\0")
            job = os.environ.get("OMPI_MCA_ess_base_jobid")
            if (f"OMPI_COMM_WORLD_RANK={rank}".encode() in env
                    and f"OMPI_MCA_ess_base_jobid={job}".encode() in env):
                return int(pid)
    raise RuntimeError(f"rank {rank} not found")


saved = {}
locs = []


def post_op(binary, program_context, op_context):
    loc = rt.get_op_loc_info(op_context)
    locs.append(loc)
    for device, tensor in rt.get_op_output_tensor(op_context, program_context).items():
        saved[f"{loc}/{device}"] = tensor.to_numpy().copy()


if binding:
    launch(rt.DistributedMode.MultiProcess, binding)
rt.DebugHooks.get(None, post_op)
binary = load(binary_path)
device = open_mesh([2, 4])
(output,) = run(device, binary, linear_inputs())
rt.unregister_hooks()
world_size = ttrt._ttrt.world_size()
if kill:
    os.kill(worker_pid(1), signal.SIGKILL)
    killed_at = time.monotonic()
    try:
        run(device, binary, linear_inputs())
        message = "no error"
    except rt.Error as e:
        message = f"ttrt.runtime.Error: {e}"
    with open(out_path + ".error", "w") as f:
        f.write(message)
    with open(out_path + ".seconds", "w") as f:
        f.write(f"{time.monotonic() - killed_at:.3f}")
    print(message, flush=True)
    if binding:
        try:
            rt.shutdown_distributed_runtime()
            print("shutdown: no error", flush=True)
        except rt.Error as e:
            print(f"shutdown: ttrt.runtime.Error: {e}", flush=True)
    os._exit(3)
extra = {}
rt.close_mesh_device(device)
if binding:
    rt.shutdown_distributed_runtime()
    assert ttrt._ttrt.world_size() == 1
    launch(rt.DistributedMode.LocalSubprocess)
    binary = load(binary_path)
    device = open_mesh([2, 4])
    (extra["relaunch_output"],) = run(device, binary, linear_inputs())
    extra["relaunch_world_size"] = ttrt._ttrt.world_size()
    rt.close_mesh_device(device)
    rt.shutdown_distributed_runtime()
np.savez(out_path, output=output, world_size=world_size, locs=np.array(locs), **saved, **extra)
