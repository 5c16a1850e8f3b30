# Shared by the multi-host tests: $1 = ttrt executable, $2 = source dir, $3 = a name for this
# test's hosts (scripts/hosts --name), so that tests running at once do not share hosts.
# Without root or network namespaces the test is skipped (exit 77, the reason printed).
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
HOSTS="$SRC/scripts/hosts"
NAME="$3"
if ! why=$("$HOSTS" check); then echo "SKIPPED: $why"; exit 77; fi
cleanup() { cd /; "$HOSTS" down --name "$NAME"; rm -rf "$WORK"; }
trap cleanup EXIT
# hosts_up N: N hosts; the work directory exists only on the first (like a login node's disk).
hosts_up() {
  "$HOSTS" down --name "$NAME"
  "$HOSTS" up "$1" --name "$NAME" --hide "$WORK" > /dev/null || { echo "FAIL: hosts up $1"; exit 1; }
  HOSTFILE=$("$HOSTS" hostfile --name "$NAME")
  NHOSTS=$1
}
on_host() { local i=$1; shift; "$HOSTS" exec --name "$NAME" "$i" "$@"; }
# tt_run NP PROGRAM...: tt-run over the hosts, started on the first host.
tt_run() { local np=$1; shift; on_host 0 "$BIN/tt-run" --hostfile "$HOSTFILE" --np "$np" -- "$@"; }
# Processes on the hosts other than the namespace holders (pid and command line).
left_on_hosts() {
  local i p
  for ((i = 0; i < NHOSTS; i++)); do
    for p in $(ip netns pids "$NAME$i" 2>/dev/null); do
      [ "$(cat /proc/$p/comm 2>/dev/null || echo sleep)" = sleep ] && continue
      echo "host $i: $p $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | cut -c1-80)"
    done
  done
}
# The pid of MPI rank R (on whichever host), looked for for up to 5 s (a rank that is gone is
# still not found; one lookup racing a process listing is tried again). When it is not found,
# what runs on the hosts goes to stderr.
rank_pid() {
  local p i try
  for ((try = 0; try < 50; try++)); do
    for ((i = 0; i < NHOSTS; i++)); do
      for p in $(ip netns pids "$NAME$i" 2>/dev/null); do
        [ "$(cat /proc/$p/comm 2>/dev/null)" = ttrt ] || continue
        tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" && { echo "$p"; return; }
      done
    done
    sleep 0.1
  done
  echo "rank $1 not on any host; running:" >&2
  for ((i = 0; i < NHOSTS; i++)); do
    for p in $(ip netns pids "$NAME$i" 2>/dev/null); do
      echo "  host $i: $p $(cat /proc/$p/comm 2>/dev/null)" >&2
    done
  done
}
