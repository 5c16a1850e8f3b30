#!/usr/bin/env bash
# Runs one test command for CTest and checks its exit status AND its output (CTest's
# PASS_REGULAR_EXPRESSION alone ignores the exit status): see cmake/mpi_tests.cmake.
#   run_checked_test.sh --expect pass|fail --timeout S [--match REGEX]... -- COMMAND...
# The command runs in its own process group under timeout(1); output is echoed and kept for the
# --match checks. Exit 0 when the exit status is as expected and every regex matches.
set -u
expect=pass
limit=120
matches=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --expect) expect="$2"; shift 2 ;;
    --timeout) limit="$2"; shift 2 ;;
    --match) matches+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "run_checked_test.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s.%N)
timeout --kill-after=5 "$limit" setsid "$@" > >(tee "$log") 2>&1
rc=$?
wait
took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
echo "[run_checked_test] exit status $rc after ${took}s (expected: $expect)"
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
  echo "[run_checked_test] FAILED: timed out after ${limit}s"
  exit 1
fi
if [[ $expect == pass && $rc -ne 0 ]]; then echo "[run_checked_test] FAILED: non-zero exit"; exit 1; fi
if [[ $expect == fail && $rc -eq 0 ]]; then echo "[run_checked_test] FAILED: expected failure"; exit 1; fi
for re in "${matches[@]}"; do
  if ! grep -Eq -- "$re" "$log"; then
    echo "[run_checked_test] FAILED: output does not match /$re/"
    exit 1
  fi
done
exit 0
