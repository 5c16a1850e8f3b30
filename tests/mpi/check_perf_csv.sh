#!/usr/bin/env bash
# check_perf_csv.sh CSV CHIPS OPS RANKS: ops_perf_results.csv has OPS rows for each of CHIPS
# chips (device ids 0..CHIPS-1), rows recorded by RANKS distinct ranks, and modelled device
# columns filled.
set -euo pipefail
/usr/bin/python3 - "$@" <<'PY'
import ast, csv, sys
from collections import Counter
path, chips, ops, ranks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = list(csv.DictReader(open(path)))
if len(rows) != chips * ops:
    sys.exit(f"{path}: {len(rows)} rows, expected {chips} chips x {ops} ops = {chips * ops}")
per_chip = Counter(int(r["DEVICE ID"]) for r in rows)
if sorted(per_chip) != list(range(chips)) or set(per_chip.values()) != {ops}:
    sys.exit(f"{path}: rows per chip {dict(per_chip)}, expected {ops} for each of 0..{chips - 1}")
seen = {ast.literal_eval(r["PROGRAM_METADATA"])["meshrt_rank"] for r in rows}
if len(seen) != ranks:
    sys.exit(f"{path}: rows from ranks {sorted(seen)}, expected {ranks} ranks")
if any(r["DEVICE FW DURATION [ns]"] == "" for r in rows):
    sys.exit(f"{path}: modelled device durations missing")
print(f"{path}: {len(rows)} rows, {chips} chips x {ops} ops, {ranks} ranks: ok")
PY
