#!/usr/bin/env bash
# Installs meshrt from BUILD_DIR into a temporary prefix, builds the examples against the
# installed package, and runs them (the data-parallel one over 2 MPI ranks).
# Usage: examples/run_examples.sh [BUILD_DIR] [NP]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
np=${2:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > /dev/null
# the examples use the compilers the package was built with: a package built with sanitizers
# (scripts/sanitize) carries their flags, and each compiler has its own sanitizer runtime
compilers=()
for lang in C CXX; do
  c=$(sed -n "s/^CMAKE_${lang}_COMPILER:[A-Z]*=//p" "$build/CMakeCache.txt" 2>/dev/null || true)
  if [ -n "$c" ]; then compilers+=("-DCMAKE_${lang}_COMPILER=$c"); fi
done
cmake -S "$src/examples" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" "${compilers[@]}" > /dev/null
cmake --build "$work/build" -j2 > /dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun -np "$np" --oversubscribe --bind-to none --mca btl self,vader --mca oob_tcp_if_include lo \
  "$work/build/dp_submesh"
"$work/build/reshape"
