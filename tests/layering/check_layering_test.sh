#!/usr/bin/env bash
# The layering check (scripts/check_layering.py) passes on the tree and fails, naming file, line
# and layers, on a copy with a wrong include planted: public headers of layers the including
# layer does not link (among them the runtime reaching for the reference interpreter), and
# another layer's private header; and a layer table in the docs that says other than the
# build. Usage: check_layering_test.sh SRC
set -euo pipefail
src=$(realpath "$1")
check="$src/scripts/check_layering.py"
/usr/bin/python3 "$check" "$src"
work=$(mktemp -d /tmp/meshrt-layering.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/python" "$work/scripts" "$work/docs"
# The docs claim ops uses device, which it does not link.
sed 's/^| ops | \(.*\) | binary |$/| ops | \1 | device, binary |/' "$src/docs/architecture.md" \
  > "$work/docs/architecture.md"
grep -q "^| ops .*| device, binary |$" "$work/docs/architecture.md" ||
  { echo "FAIL: could not plant the docs mismatch"; exit 1; }
cp -r "$src/src" "$src/include" "$src/launcher" "$work/"
cp -r "$src/python/src" "$src/python/CMakeLists.txt" "$work/python/"
# tensor links common only: the runtime's API is out of its reach.
tensor=$(ls "$work"/src/tensor/*.cpp | head -1)
printf '#include "meshrt/runtime/runtime.hpp"\n' >> "$tensor"
# The runtime links the verifier, not the reference interpreter.
runtime=$(ls "$work"/src/runtime/*.cpp | head -1)
printf '#include "meshrt/reference/goldens.hpp"\n' >> "$runtime"
# cli may use the runtime's public headers, not its private session.
cli=$(ls "$work"/src/cli/*.cpp | head -1)
printf '#include "runtime/session.hpp"\n' >> "$cli"
set +e
out=$(/usr/bin/python3 "$check" "$work")
rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ] || { echo "FAIL: the check exited $rc on planted includes, not 1"; exit 1; }
lines=$(wc -l < "$tensor")
grep -q "src/tensor/$(basename "$tensor"):$lines: tensor includes meshrt/runtime/runtime.hpp of layer runtime, which tensor does not use" <<<"$out" ||
  { echo "FAIL: the planted tensor -> runtime include is not reported"; exit 1; }
grep -q "src/runtime/$(basename "$runtime"):$(wc -l < "$runtime"): runtime includes meshrt/reference/goldens.hpp of layer reference, which runtime does not use" <<<"$out" ||
  { echo "FAIL: the planted runtime -> reference include is not reported"; exit 1; }
grep -q "src/cli/$(basename "$cli"):$(wc -l < "$cli"): cli includes runtime/session.hpp, a private header of layer runtime" <<<"$out" ||
  { echo "FAIL: the planted private include is not reported"; exit 1; }
grep -q "docs/architecture.md: ops uses binary, device in the layer table, the build links binary" <<<"$out" ||
  { echo "FAIL: the planted docs mismatch is not reported"; exit 1; }
grep -q "4 cross a layer the wrong way" <<<"$out" || { echo "FAIL: not exactly the 4 planted"; exit 1; }
echo "layering check: passes on the tree, catches the 3 planted includes and the docs mismatch"
