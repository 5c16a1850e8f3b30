"""The wheel as installed: where the package lives, its console commands, its libraries."""
import glob
import os
import subprocess
import sys
import sysconfig

import pytest

import ttrt
from conftest import BIN, SRC, ttrt_cli


def test_package_comes_from_the_venv_not_the_source_tree():
    site = sysconfig.get_paths()["platlib"]
    assert os.path.dirname(ttrt.__file__) == os.path.join(site, "ttrt")
    assert not ttrt.__file__.startswith(SRC)
    assert ttrt.__version__ == "0.1.0"
    assert "LD_LIBRARY_PATH" not in os.environ


def test_wheel_name_and_contents():
    wheel = os.environ["MESHRT_WHEEL"]
    assert os.path.basename(wheel) == "ttrt-0.1.0-cp311-cp311-linux_x86_64.whl"
    import zipfile
    names = set(zipfile.ZipFile(wheel).namelist())
    for need in ("ttrt/__init__.py", "ttrt/common/api.py", "ttrt/common/util.py",
                 "ttrt/runtime/__init__.py", "ttrt/binary/__init__.py", "ttrt/bin/ttrt",
                 "ttrt/bin/tt-run", "ttrt-0.1.0.dist-info/RECORD",
                 "ttrt-0.1.0.dist-info/entry_points.txt"):
        assert need in names, f"{need} missing from the wheel"
    assert any(n.startswith("ttrt/_ttrt.") and n.endswith(".so") for n in names)


def test_native_module_resolves_every_library():
    import ttrt._ttrt as native
    out = subprocess.run(["ldd", native.__file__], capture_output=True, text=True).stdout
    assert "not found" not in out, out
    assert "libmpi" in out


def test_console_commands_are_the_cli():
    p = ttrt_cli("--version")
    assert p.stdout.strip().endswith("0.1.0"), p.stdout
    p = ttrt_cli("query", "--quiet", check=False)
    assert p.returncode == 0, p.stderr
    assert os.path.exists("query_results.json")
    p = subprocess.run([os.path.join(BIN, "tt-run"), "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "--rank-binding" in p.stdout
    p = subprocess.run([os.path.join(BIN, "ttrt"), "run", "no/such.ttnn"], capture_output=True,
                       text=True)
    assert p.returncode != 0 and "no/such.ttnn" in p.stdout + p.stderr


def test_cmake_install_installs_the_same_package(tmp_path):
    build = os.environ.get("MESHRT_BUILD_DIR")
    if not build or not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        pytest.skip("no build directory to install from")
    prefix = tmp_path / "prefix"
    p = subprocess.run(["cmake", "--install", build, "--prefix", str(prefix), "--component",
                        "python"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    found = glob.glob(str(prefix / "**" / "ttrt" / "common" / "api.py"), recursive=True)
    assert len(found) == 1, found
    platlib = os.path.dirname(os.path.dirname(os.path.dirname(found[0])))
    assert os.access(os.path.join(platlib, "ttrt", "bin", "ttrt"), os.X_OK)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PYTHONPATH"] = platlib
    code = "import ttrt, ttrt.runtime as r; print(ttrt.__file__, r.get_num_available_devices())"
    p = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(platlib) and p.stdout.split()[-1].isdigit(), p.stdout
