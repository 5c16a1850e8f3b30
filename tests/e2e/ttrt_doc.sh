# Every command line of tt-mlir's ttrt CLI document, run as written (paths adapted), and every
# result file checked field by field (tests/e2e/ttrt_doc.py).
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 "$SRC/tests/e2e/ttrt_doc.py" "$TTRT" "$SRC" "$WORK" && ok || fail "ttrt doc command lines"
finish
