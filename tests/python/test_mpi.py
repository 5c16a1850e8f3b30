"""Distributed from Python, both ways: SPMD (`mpirun -np 2 python3 script.py`, rank 0 runs the
script, rank 1 serves) and controller mode (one process, launch_distributed_runtime)."""
import os
import re
import subprocess
import sys
import time

import numpy as np

from conftest import MPIRUN, mpi_env

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "distributed_script.py")
BINDING = os.path.join(os.environ.get("MESHRT_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                       "configs", "rank_bindings", "t3k_2proc.yaml")


def launch(binary, out, *extra, np_=None, mpirun_args=()):
    cmd = [sys.executable, SCRIPT, binary, out, *extra]
    if np_:
        cmd = MPIRUN + list(mpirun_args) + ["-np", str(np_)] + cmd
    env = mpi_env()
    env["PYTHONPATH"] = HERE  # the script imports programs.py next to it
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    return p, time.monotonic() - start


def test_two_ranks_give_the_one_process_bytes(binaries):
    p, _ = launch(binaries["tp_linear_2x4"], "one.npz")
    assert p.returncode == 0, p.stdout + p.stderr
    p, _ = launch(binaries["tp_linear_2x4"], "two.npz", np_=2)
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
    left = subprocess.run(["pgrep", "-af", f"distributed_script.py .* {out}|import ttrt"],
                          capture_output=True, text=True).stdout
    assert left == "", left


def test_a_killed_worker_ends_the_job(binaries):
    # mpirun's default: a rank killed by a signal aborts the whole job, naming it.
    p, took = launch(binaries["tp_linear_2x4"], "kill.npz", "--kill-worker", np_=2)
    assert p.returncode != 0
    assert took < 30, took
    assert "rank 1" in p.stdout + p.stderr
    no_process_left("kill.npz")


def test_a_killed_worker_raises_in_python_when_the_job_survives_it(binaries):
    # With --enable-recovery mpirun lets rank 0 live on: its next run raises ttrt.runtime.Error
    # naming rank 1 within the runtime's deadlines instead of hanging.
    p, took = launch(binaries["tp_linear_2x4"], "kill.npz", "--kill-worker", np_=2,
                   mpirun_args=["--enable-recovery"])
    message = open("kill.npz.error").read()
    assert message.startswith("ttrt.runtime.Error:") and "rank 1" in message, message
    assert float(open("kill.npz.seconds").read()) < 30, p.stdout + p.stderr
    assert took < 60, (took, p.stdout + p.stderr)
    no_process_left("kill.npz")


def test_controller_with_two_workers_gives_the_one_process_bytes(binaries):
    p, _ = launch(binaries["tp_linear_2x4"], "one.npz")
    assert p.returncode == 0, p.stdout + p.stderr
    p, _ = launch(binaries["tp_linear_2x4"], "ctl.npz", "--controller", BINDING)
    assert p.returncode == 0, p.stdout + p.stderr
    one, ctl = np.load("one.npz"), np.load("ctl.npz")
    # The controller is rank 0 and holds no chips; the binding's two workers hold four each.
    assert int(ctl["world_size"]) == 3 and int(ctl["relaunch_world_size"]) == 2
    locs = list(ctl["locs"])
    assert locs == list(one["locs"]) and len(locs) == 7
    for loc in locs[:-1]:
        assert all(f"{loc}/{d}" in ctl.files for d in range(8)), loc
    for key in one.files:
        if key != "world_size":
            assert one[key].tobytes() == ctl[key].tobytes(), key
    # Shut down and launched again (one LocalSubprocess worker): the same output.
    assert ctl["relaunch_output"].tobytes() == one["output"].tobytes()
    no_process_left("ctl.npz")


def test_controller_a_killed_worker_raises_naming_it(binaries):
    p, took = launch(binaries["tp_linear_2x4"], "ckill.npz", "--controller", BINDING,
                     "--kill-worker")
    out = p.stdout + p.stderr
    message = open("ckill.npz.error").read()
    assert message.startswith("ttrt.runtime.Error:") and "rank 1" in message, (message, out)
    assert float(open("ckill.npz.seconds").read()) < 30, out
    # OpenMPI ends the other worker of the spawned job too: shutdown names what did not answer.
    assert re.search(r"shutdown: ttrt.runtime.Error: .*rank\(s\) 1(, 2)? did not answer", out), out
    assert took < 90, (took, out)
    no_process_left("ckill.npz")


def test_controller_refuses_bad_launches(tmp_path):
    code = f"""
import ttrt.runtime as rt
try:
    rt.MultiProcessArgs.create("{tmp_path}/missing.yaml")
except rt.Error as e:
    print("missing:", e)
args = rt.MultiProcessArgs.create("{BINDING}").with_extra_mpi_args("--map-by node")
o = rt.DistributedOptions(); o.mode = rt.DistributedMode.MultiProcess; o.multi_process_args = args
try:
    rt.launch_distributed_runtime(o)
except ValueError as e:
    print("extra:", e)
o.multi_process_args = None
try:
    rt.launch_distributed_runtime(o)
except ValueError as e:
    print("none:", e)
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       env=mpi_env())
    assert p.returncode == 0, p.stdout + p.stderr
    assert "missing: " in p.stdout and "missing.yaml" in p.stdout, p.stdout
    assert "extra: with_extra_mpi_args: '--map-by' cannot be applied" in p.stdout, p.stdout
    assert "none: DistributedOptions.multi_process_args must be a MultiProcessArgs" in p.stdout
    # Under mpirun a script is already distributed: launching workers too is refused.
    script = tmp_path / "under_mpirun.py"
    script.write_text("import ttrt.runtime as rt\n"
                      "try:\n    rt.launch_distributed_runtime()\n"
                      "except rt.Error as e:\n    print('refused:', e)\n")
    p = subprocess.run(MPIRUN + ["-np", "2", sys.executable, str(script)], capture_output=True,
                       text=True, timeout=60, env=mpi_env())
    assert p.returncode == 0, p.stdout + p.stderr
    assert "refused: launch_distributed_runtime: this process is rank 0 of 2 under mpirun" in p.stdout
