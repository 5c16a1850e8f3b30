#!/usr/bin/env bash
# Writes and compiles the soak programs: compile_programs.sh TTRT OUT_DIR N
# OUT_DIR/all gets all N binaries (meshes 1x1, 1x2, 2x4), OUT_DIR/multi_chip the multi-chip ones.
set -euo pipefail
ttrt="$1" out="$2" n="$3"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$out"
mkdir -p "$out/all" "$out/multi_chip"
/usr/bin/python3 "$here/soak_programs.py" "$n" "$out/src"
compiled=0
for f in "$out"/src/*.mlir; do
  name="$(basename "${f%.mlir}").ttnn"
  "$ttrt" compile "$f" -o "$out/all/$name" --golden-budget-mib 8 >/dev/null
  case "$name" in *_1x1.ttnn) ;; *) cp "$out/all/$name" "$out/multi_chip/" ;; esac
  compiled=$((compiled + 1))
done
echo "compiled $compiled of $n soak programs; $(ls "$out/multi_chip" | wc -l) multi-chip"
[ "$compiled" -eq "$n" ]
