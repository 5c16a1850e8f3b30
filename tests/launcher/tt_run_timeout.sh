#!/usr/bin/env bash
# tt-run --timeout: `tt-run --np 2 --timeout 2 -- sleep S` must exit 124 within a few seconds and
# leave no rank behind. Usage: tt_run_timeout.sh path/to/tt-run
set -u
ttrun="$1"
marker="30.$$"  # a sleep duration no other process uses
start=$(date +%s)
"$ttrun" --np 2 --timeout 2 -- sleep "$marker"
rc=$?
took=$(( $(date +%s) - start ))
echo "tt-run exit status $rc after ${took}s"
sleep 1
left=$(pgrep -f "sleep $marker" | wc -l)
if [[ $left -ne 0 ]]; then pgrep -f "sleep $marker" | xargs -r kill; fi
[[ $rc -eq 124 ]] || { echo "FAILED: expected exit status 124"; exit 1; }
[[ $took -le 10 ]] || { echo "FAILED: took ${took}s"; exit 1; }
[[ $left -eq 0 ]] || { echo "FAILED: $left processes left"; exit 1; }
echo "passed"
