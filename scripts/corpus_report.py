"""Prints the corpus table written by scripts/corpus: one verdict per file, the most wanted
missing ops, and a summary line. A file that ran without a single golden check (the reference
interpreter could not compute them) is "pass_unchecked", not "pass"."""
import collections
import json
import os
import re
import sys

work = sys.argv[1]
runs = {}
path = os.path.join(work, "run_results.json")
if os.path.exists(path):
    for entry in json.load(open(path)):
        runs[os.path.basename(entry["file_path"])] = entry

verdicts = collections.Counter()
wanted = collections.Counter()
multi = []
rows = []
for line in open(os.path.join(work, "compile.tsv")):
    rel, name, status, msg = (line.rstrip("\n").split("\t") + [""])[:4]
    if status == "compiled":
        entry = runs.get(name)
        if entry is None:
            verdict, msg = "error", "not run"
        elif entry["result"] == "pass":
            programs = entry.get("meshrt", {}).get("programs", {}).values()
            if any(p["golden"]["checked"] > 0 for p in programs):
                verdict, msg = "pass", ""
            else:
                reasons = [p["golden"]["unavailable_reason"] for p in programs]
                verdict, msg = "pass_unchecked", next((r for r in reasons if r), "no golden checks")
        elif entry["result"] == "test_error":
            verdict, msg = "golden_fail", entry["exception"]
        elif entry["result"] == "skip":
            verdict, msg = "skip", entry["exception"]
        else:
            msg = entry["exception"]
            verdict = "unsupported" if "unsupported" in msg or "no kernel" in msg else "error"
    else:
        verdict = "unsupported" if "unsupported" in msg else "compile_error"
    m = re.search(r"(?:unsupported op|op) '(?:ttir\.)?([a-z_0-9]+)'", msg)
    if verdict == "unsupported" and m:
        wanted[m.group(1)] += 1
    verdicts[verdict] += 1
    rows.append((verdict, rel, msg[:150]))

for verdict, rel, msg in rows:
    print(f"{verdict:<14} {rel}" + (f"  -- {msg}" if msg else ""))
print()
print("most wanted missing ops:", ", ".join(f"{op} ({n})" for op, n in wanted.most_common(12)) or "none")
total = sum(verdicts.values())
compiled = sum(1 for line in open(os.path.join(work, "compile.tsv")) if "\tcompiled\t" in line)
print(f"corpus: {total} files, {compiled} compiled; " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())) +
      f"; pass rate {100.0 * verdicts['pass'] / max(total, 1):.1f}%")
