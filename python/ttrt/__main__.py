"""The wheel's console scripts: `ttrt` and `tt-run` run the native command lines bundled in
ttrt/bin, exactly as the build's executables (same flags, result files and exit codes)."""
import os
import sys


def _exec(name):
    exe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", name)
    if not os.access(exe, os.X_OK):
        sys.stderr.write(f"error: {exe} is missing or not executable (a broken ttrt install)\n")
        sys.exit(1)
    os.execv(exe, [name] + sys.argv[1:])


def main():
    _exec("ttrt")


def tt_run():
    _exec("tt-run")


if __name__ == "__main__":
    main()
