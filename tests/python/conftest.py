"""Fixtures of the ttrt Python tests (run by run.sh from a venv holding the installed wheel)."""
import os
import subprocess
import sys

import pytest

SRC = os.environ.get("MESHRT_SOURCE_DIR", os.path.abspath(os.path.join(__file__, "../../..")))
BIN = os.path.join(sys.prefix, "bin")  # the venv's console scripts
MPIRUN = ["mpirun", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader",
          "--mca", "oob_tcp_if_include", "lo"]


def ttrt_cli(*args, check=True, **kw):
    """The wheel's `ttrt` console command."""
    p = subprocess.run([os.path.join(BIN, "ttrt"), *args], capture_output=True, text=True,
                       timeout=300, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"ttrt {' '.join(args)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p


def mpi_env():
    env = dict(os.environ)
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def run_python(script, *args, np=None, timeout=300, cwd=None):
    """`python3 script args` in the venv, under `mpirun -np N` when np is given."""
    cmd = [sys.executable, script, *args]
    if np is not None:
        cmd = MPIRUN + ["-np", str(np)] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=mpi_env())


@pytest.fixture(scope="session")
def binaries(tmp_path_factory):
    """The examples compiled by the wheel's ttrt: {stem: path}, and a directory of all."""
    d = tmp_path_factory.mktemp("binaries")
    out = {}
    for stem in ("tp_linear_2x4", "two_programs", "presharded_exp_1x2", "all_gather_8x4"):
        path = str(d / f"{stem}.ttnn")
        ttrt_cli("compile", os.path.join(SRC, "examples", "mlir", f"{stem}.mlir"), "-o", path)
        out[stem] = path
    out["dir"] = str(d)
    return out


@pytest.fixture(autouse=True)
def in_tmp_dir(tmp_path, monkeypatch):
    """Every test in its own working directory (result files land there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
