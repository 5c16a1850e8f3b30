#!/usr/bin/env bash
# The Python tests as a user meets the package: a fresh venv in a temp dir (Debian's python3
# with its numpy and pytest), the built wheel installed offline, then pytest from that venv in
# that temp dir, with no LD_LIBRARY_PATH or PYTHONPATH. Usage: run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1") src=$(realpath "$2")
wheels=("$build"/python/dist/ttrt-*-cp311-cp311-linux_x86_64.whl)
[ -f "${wheels[0]}" ] || { echo "no wheel under $build/python/dist (build target ttrt_wheel)" >&2; exit 1; }
work=$(mktemp -d /tmp/meshrt-python.XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$work/env"
"$work/env/bin/pip" install --no-index --quiet --disable-pip-version-check "${wheels[0]}"
cd "$work"
unset LD_LIBRARY_PATH PYTHONPATH
export MESHRT_SOURCE_DIR="$src" MESHRT_BUILD_DIR="$build" MESHRT_WHEEL="${wheels[0]}"
"$work/env/bin/python" -m pytest -q -p no:cacheprovider -rs "$src/tests/python" "${@:3}"
