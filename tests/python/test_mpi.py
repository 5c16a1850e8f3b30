"""SPMD from Python: `mpirun -np 2 python3 script.py`, rank 0 runs the script, rank 1 serves."""
import os
import subprocess
import sys
import time

import numpy as np

from conftest import MPIRUN, mpi_env

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "spmd_script.py")


def spmd(binary, out, *extra, np_=None, mpirun_args=()):
    cmd = [sys.executable, SCRIPT, binary, out, *extra]
    if np_:
        cmd = MPIRUN + list(mpirun_args) + ["-np", str(np_)] + cmd
    env = mpi_env()
    env["PYTHONPATH"] = HERE  # the script imports programs.py next to it
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    return p, time.monotonic() - start


def test_two_ranks_give_the_one_process_bytes(binaries):
    p, _ = spmd(binaries["tp_linear_2x4"], "one.npz")
    assert p.returncode == 0, p.stdout + p.stderr
    p, _ = spmd(binaries["tp_linear_2x4"], "two.npz", np_=2)
    assert p.returncode == 0, p.stdout + p.stderr
    one, two = np.load("one.npz"), np.load("two.npz")
    assert int(one["world_size"]) == 1 and int(two["world_size"]) == 2
    locs = list(two["locs"])
    assert locs == ["shard_x", "shard_w", "partial_matmul", "reduce_scatter", "gelu",
                    "all_gather", "gather_out"]
    # The callback on rank 0 saw every device's output, rank 1's four chips included.
    for loc in locs[:-1]:
        assert all(f"{loc}/{d}" in two.files for d in range(8)), loc
    assert sorted(one.files) == sorted(two.files)
    for key in one.files:
        if key != "world_size":
            assert one[key].tobytes() == two[key].tobytes(), key


def no_process_left(out):
    time.sleep(1)
    left = subprocess.run(["pgrep", "-f", f"spmd_script.py .* {out}"], capture_output=True,
                          text=True).stdout
    assert left == "", left


def test_a_killed_worker_ends_the_job(binaries):
    # mpirun's default: a rank killed by a signal aborts the whole job, naming it.
    p, took = spmd(binaries["tp_linear_2x4"], "kill.npz", "--kill-worker", np_=2)
    assert p.returncode != 0
    assert took < 30, took
    assert "rank 1" in p.stdout + p.stderr
    no_process_left("kill.npz")


def test_a_killed_worker_raises_in_python_when_the_job_survives_it(binaries):
    # With --enable-recovery mpirun lets rank 0 live on: its next run raises ttrt.runtime.Error
    # naming rank 1 within the runtime's deadlines instead of hanging.
    p, took = spmd(binaries["tp_linear_2x4"], "kill.npz", "--kill-worker", np_=2,
                   mpirun_args=["--enable-recovery"])
    message = open("kill.npz.error").read()
    assert message.startswith("ttrt.runtime.Error:") and "rank 1" in message, message
    assert took < 30, (took, p.stdout + p.stderr)
    no_process_left("kill.npz")
