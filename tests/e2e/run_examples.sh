# The acceptance examples run and pass in one process, and their saved device outputs match an
# independent numpy computation of the same program on the same saved inputs.
source "$(dirname "$0")/lib.sh"
E="$SRC/examples/mlir"
"$TTRT" compile "$E/all_gather_8x4.mlir" -o ag.ttnn --mesh-shape 8,4 >/dev/null || fail "compile ag"
"$TTRT" read --section mesh_shape ag.ttnn | grep -q '"8x4"' && ok || fail "mesh_shape 8x4"
"$TTRT" read --section op_stats ag.ttnn | grep -q '"all_gather": 1' && ok || fail "op_stats"
expect_exit 0 "1 passed, 0 failed" -- "$TTRT" run ag.ttnn --save-artifacts
D=ttrt-artifacts/ag.ttnn/run/program_0
/usr/bin/python3 -c "
import numpy as np
x = np.load('$D/input_0.npy'); y = np.load('$D/device_output_0.npy')
assert x.shape == (1, 1, 256, 512) and np.array_equal(x, y), 'all_gather round trip differs'
" && ok || fail "all_gather output vs numpy"

"$TTRT" compile "$E/presharded_exp_1x2.mlir" -o pre.ttnn >/dev/null || fail "compile presharded"
expect_exit 0 "1 passed" -- "$TTRT" run pre.ttnn --save-artifacts
D=ttrt-artifacts/pre.ttnn/run/program_0
/usr/bin/python3 -c "
import numpy as np
a = np.load('$D/input_0_device_0.npy'); b = np.load('$D/input_0_device_1.npy')
assert a.shape == (1, 1, 256, 256), a.shape
assert not np.array_equal(a, b), 'each chip must get its own presharded input'
want = np.exp(np.concatenate([a, b], axis=3).astype(np.float64))
got = np.load('$D/device_output_0.npy')
assert got.shape == (1, 1, 256, 512)
assert np.allclose(got, want, rtol=1e-5, atol=1e-6), abs(got - want).max()
" && ok || fail "presharded exp vs numpy"

"$TTRT" compile "$E/tp_linear_2x4.mlir" -o tp.ttnn >/dev/null || fail "compile tp"
expect_exit 0 "1 passed" -- "$TTRT" run tp.ttnn --save-artifacts
D=ttrt-artifacts/tp.ttnn/run/program_0
/usr/bin/python3 -c "
import numpy as np
from math import erf
x = np.load('$D/input_0.npy').astype(np.float64); w = np.load('$D/input_1.npy').astype(np.float64)
y = x @ w
g = 0.5 * y * (1 + np.vectorize(erf)(y / np.sqrt(2)))
got = np.load('$D/device_output_0.npy')
assert np.allclose(got, g, rtol=1e-4, atol=1e-4), abs(got - g).max()
" && ok || fail "tp linear vs numpy"

"$TTRT" compile "$E/two_programs.mlir" -o two.ttnn >/dev/null || fail "compile two"
"$TTRT" read --section programs two.ttnn | grep -c '"private": false' | grep -q 2 && ok || fail "two public programs"
expect_exit 0 "1 passed" -- "$TTRT" run two.ttnn --save-artifacts
D=ttrt-artifacts/two.ttnn/run
/usr/bin/python3 -c "
import numpy as np
def bf(a):  # round to bfloat16 (nearest even), as the chip stores it
    b = np.asarray(a, np.float32).view(np.uint32).astype(np.uint64)
    b = (b + 0x7fff + ((b >> 16) & 1)) >> 16 << 16
    return b.astype(np.uint32).view(np.float32)
x = np.load('$D/program_1/input_0.npy'); y = np.load('$D/program_1/input_1.npy')  # program 0 is the private helper
want = np.maximum(bf(bf(x * y) + x), 0)
got = np.load('$D/program_1/device_output_0.npy')
assert np.array_equal(got, want), abs(got - want).max()
" && ok || fail "bf16 program vs numpy (bit exact)"
finish
