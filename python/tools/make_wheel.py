#!/usr/bin/python3
"""Writes the ttrt wheel (PEP 427) from the package sources and the built native files.

    make_wheel.py --package DIR [--package DIR...] --native _ttrt.so --exe ttrt --exe tt-run
                  --version V --tag cp311 --out ttrt-V-cp311-cp311-linux_x86_64.whl

The wheel holds the Python packages (ttrt/, builder/, _ttmlir_runtime/), ttrt/_ttrt*.so (the extension module, meshrt's
libraries linked in statically), ttrt/bin/ttrt and ttrt/bin/tt-run (the native command lines the
wheel's `ttrt` and `tt-run` console scripts start) and the dist-info. Everything else it needs
(OpenMPI, hwloc, OpenBLAS, spdlog, fmt, yaml-cpp) are Debian packages at the system's library
paths, so no LD_LIBRARY_PATH is needed.
"""
import argparse
import base64
import hashlib
import os
import stat
import zipfile


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", action="append", required=True)
    ap.add_argument("--native", required=True)
    ap.add_argument("--exe", action="append", default=[])
    ap.add_argument("--version", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    files = []  # (name in the wheel, bytes, executable)
    for package in a.package:
        for root, dirs, names in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for n in sorted(names):
                if n.endswith(".py"):
                    path = os.path.join(root, n)
                    rel = os.path.relpath(path, os.path.dirname(os.path.abspath(package)))
                    files.append((rel, open(path, "rb").read(), False))
    files.append((f"ttrt/{os.path.basename(a.native)}", open(a.native, "rb").read(), False))
    for exe in a.exe:
        files.append((f"ttrt/bin/{os.path.basename(exe)}", open(exe, "rb").read(), True))

    info = f"ttrt-{a.version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        "Name: ttrt\n"
        f"Version: {a.version}\n"
        "Summary: meshrt's ttrt: run Tenstorrent-style programs on a simulated mesh of chips\n"
        "Requires-Python: >=3.11\n"
        "Requires-Dist: numpy\n"
    )
    wheel = (
        "Wheel-Version: 1.0\n"
        "Generator: meshrt make_wheel.py\n"
        "Root-Is-Purelib: false\n"
        f"Tag: {a.tag}-{a.tag}-linux_x86_64\n"
    )
    entry_points = "[console_scripts]\nttrt = ttrt.__main__:main\ntt-run = ttrt.__main__:tt_run\n"
    files += [
        (f"{info}/METADATA", metadata.encode(), False),
        (f"{info}/WHEEL", wheel.encode(), False),
        (f"{info}/entry_points.txt", entry_points.encode(), False),
        (f"{info}/top_level.txt",
         "".join(os.path.basename(os.path.abspath(p)) + "\n" for p in a.package).encode(), False),
    ]
    records = [record_line(name, data) for name, data, _ in files]
    records.append(f"{info}/RECORD,,")

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, executable in files:
            zi = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            mode = 0o755 if executable else 0o644
            zi.external_attr = (stat.S_IFREG | mode) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
        zi = zipfile.ZipInfo(f"{info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0))
        zi.external_attr = (stat.S_IFREG | 0o644) << 16
        z.writestr(zi, "\n".join(records) + "\n")
    os.replace(tmp, a.out)
    print(f"wrote {a.out} ({len(files) + 1} files)")


if __name__ == "__main__":
    main()
