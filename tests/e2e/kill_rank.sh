# Killing rank 1 (SIGKILL) in the middle of a directory run: the job ends within 30 s naming
# rank 1, the binaries finished before keep their results, and no process is left behind.
source "$(dirname "$0")/lib.sh"
"$TTRT" compile "$SRC/examples/mlir/tp_linear_2x4.mlir" -o tp.ttnn >/dev/null || fail "compile"
mkdir killdir
for i in 0 1 2 3 4 5 6 7; do cp tp.ttnn "killdir/tp_$i.ttnn"; done
"${MPIRUN[@]}" -np 2 "$TTRT" run "$WORK/killdir" --loops 4 > out.txt 2>&1 &
job=$!
# Wait until the first binary's result is on disk, then kill rank 1.
for _ in $(seq 1 600); do
  [ -s run_results.json ] && break
  sleep 0.1
done
victim=""
for pid in $(pgrep -f "$TTRT run $WORK/killdir"); do
  if tr '\0' '\n' < /proc/$pid/environ 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$pid; fi
done
[ -n "$victim" ] && ok || fail "rank 1 not found"
killed_at=$(date +%s)
kill -9 "$victim"
wait "$job"; rc=$?
took=$(( $(date +%s) - killed_at ))
[ "$rc" -ne 0 ] && ok || fail "job exited 0 after rank 1 was killed"
[ "$took" -le 30 ] && ok || fail "job took ${took}s to end"
grep -qiE "rank 1|process rank 1" out.txt && ok || fail "no message names rank 1: $(cat out.txt)"
/usr/bin/python3 -c "
import json
r = json.load(open('run_results.json'))
assert len(r) >= 1 and r[0]['result'] == 'pass', r
" && ok || fail "finished results lost"
sleep 1
pgrep -f "$TTRT run $WORK/killdir" >/dev/null && fail "processes left: $(pgrep -af "$TTRT run $WORK/killdir")" || ok
finish
