# Shared by the end-to-end scripts: $1 = ttrt executable, $2 = source dir.
set -uo pipefail
TTRT="$(realpath "$1")"
SRC="$(realpath "$2")"
BIN="$(dirname "$TTRT")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
MPIRUN=(mpirun --oversubscribe --bind-to none --mca btl self,vader --mca oob_tcp_if_include lo)
FAILURES=0
CHECKS=0
fail() { echo "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
ok() { CHECKS=$((CHECKS + 1)); }
# expect_exit CODE NEEDLE -- command...: exit code and a needle in stdout+stderr. An empty
# needle is a bug in the test (it would accept any message).
expect_exit() {
  local want="$1" needle="$2"; shift 3
  if [ -z "$needle" ]; then fail "test bug: expect_exit $want with an empty needle for '$*'"; return; fi
  local out rc
  out="$(timeout 120 "$@" 2>&1)"; rc=$?
  if [ "$rc" != "$want" ]; then fail "'$*' exited $rc, expected $want; output: $out"; return; fi
  if [ -n "$needle" ] && ! grep -qF -- "$needle" <<<"$out"; then
    fail "'$*' output lacks '$needle'; output: $out"; return
  fi
  ok
}
finish() {
  echo "$CHECKS passed, $FAILURES failed"
  [ "$FAILURES" -eq 0 ]
}
