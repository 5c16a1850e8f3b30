# Faults across namespace hosts, each in the middle of a directory run over 2 hosts (one rank
# each): rank 1 killed, rank 1 stopped (SIGSTOP), host 1's link taken down, and mpirun's daemon
# on host 1 killed. Each must end the job within 10 s with a non-zero exit, name rank 1 and host
# 1, keep the results of the binaries finished before, and leave no process on any host.
# Usage: faults.sh TTRT SOURCE_DIR NAME
source "$(dirname "$0")/lib.sh"
"$TTRT" compile "$SRC/examples/mlir/tp_linear_2x4.mlir" -o tp.ttnn >/dev/null || fail "compile"
mkdir bins
for i in 0 1 2 3 4 5 6 7; do cp tp.ttnn "bins/tp_$i.ttnn"; done
LIMIT=$((10 * ${TTRT_TIMEOUT_SCALE:-1}))  # the sanitizers scale every time limit
now() { date +%s.%N; }
inject() {  # inject FAULT: run, wait for the first result, inject, check
  local fault=$1 victim pid
  hosts_up 2
  rm -f results.json
  tt_run 2 "$TTRT" run bins --loops 40 --result-file results.json > "$fault.log" 2>&1 &
  local job=$!
  for _ in $(seq 1 600); do grep -q "^PASS" "$fault.log" && break; sleep 0.1; done
  victim=$(rank_pid 1)
  [ -n "$victim" ] || { fail "$fault: rank 1 not found: $(cat "$fault.log")"; kill $job; return; }
  local start; start=$(now)
  case $fault in
    kill) kill -KILL "$victim" ;;
    stop) kill -STOP "$victim" ;;
    link) "$HOSTS" link --name "$NAME" 1 down ;;
    daemon)
      pid=$(ps -o ppid= -p "$victim" | tr -d ' ')
      [ "$(cat /proc/$pid/comm)" = orted ] || fail "daemon: rank 1's parent is $(cat /proc/$pid/comm), not orted"
      kill -KILL "$pid" ;;
  esac
  # The job must end within the limit; past it (plus a margin to see how late) it is killed.
  local ended=""
  for _ in $(seq 1 $((LIMIT * 10 + 50))); do
    kill -0 $job 2>/dev/null || { ended=yes; break; }
    sleep 0.1
  done
  [ -n "$ended" ] || { kill -KILL $job; fail "$fault: the job did not end"; }
  wait $job; local rc=$?
  local took; took=$(/usr/bin/python3 -c "print(round($(now) - $start, 1))")
  [ "$rc" -ne 0 ] && ok || fail "$fault: the job exited 0"
  /usr/bin/python3 -c "import sys; sys.exit(0 if $took <= $LIMIT else 1)" && ok ||
    fail "$fault: the job took ${took}s to end (limit ${LIMIT}s)"
  # Named: rank 1 and its host, by meshrt, mpirun or tt-run's placement line.
  grep -qE "rank 1 on host ${NAME}1|process rank 1 with PID [0-9]+ on node ${NAME}1|${NAME}1: rank 1" "$fault.log" &&
    grep -q "${NAME}1" "$fault.log" && ok || fail "$fault: rank 1 and host ${NAME}1 not named: $(cat "$fault.log")"
  /usr/bin/python3 - <<'P' 2>/dev/null && ok || fail "$fault: the finished binary's result was lost"
import json
r = json.load(open("results.json"))
assert r[0]["result"] == "pass", r
P
  # Nothing left on any host, within the limit too.
  local left
  for _ in $(seq 1 50); do
    left=$(left_on_hosts)
    [ -z "$left" ] && break
    /usr/bin/python3 -c "import sys; sys.exit(0 if $(now) - $start < $LIMIT else 1)" || break
    sleep 0.1
  done
  [ -z "$left" ] && ok || fail "$fault: processes left: $left"
  echo "$fault: ended in ${took}s (exit $rc): $(grep -m1 -oE "rank 1 on host [^ ]+ stopped answering|process rank 1 with PID [0-9]+ on node [^ ]+|lost communication with a remote daemon|ranks by host: .*" "$fault.log")"
  "$HOSTS" link --name "$NAME" 1 up 2>/dev/null || true
}
for fault in kill stop link daemon; do inject $fault; done
finish
