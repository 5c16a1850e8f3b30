# A ResNet-50 (its 25.5 M parameters as bf16 arguments, tests/e2e/resnet50_mlir.py) runs on one
# n150 chip with goldens passing, and its DRAM holds what ttnn would allocate: convolution
# weights as prepared tiled matrices and biases row-major, not every tensor padded to 32x32
# tiles (which would need tens of GiB). The peak DRAM of memory_results.json is checked against
# the weights' bytes worked out here from the program's shapes.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 "$SRC/tests/e2e/resnet50_mlir.py" > resnet50.mlir || fail "generate"
expect_exit 0 "175 ops" -- "$TTRT" compile resnet50.mlir -o resnet50.ttnn
expect_exit 0 "1 passed, 0 failed" -- "$TTRT" run resnet50.ttnn --cluster "$SRC/configs/clusters/n150.json" \
  --memory --save-artifacts --artifact-dir art
/usr/bin/python3 - resnet50.mlir art/resnet50.ttnn/run/program_0/memory_results.json <<'PY' || fail "memory"
import json, math, re, sys
header = open(sys.argv[1]).readline()
shapes = [[int(d) for d in m.split("x")] for m in re.findall(r"%w\d+: tensor<([0-9x]+)xbf16>", header)]
params = sum(math.prod(s) for s in shapes)
up = lambda v: (v + 31) // 32 * 32
def tiles(s):  # the whole tensor in 32x32 tiles, as every tensor was laid out before
    s = [1] * (2 - len(s)) + s
    return math.prod(s[:-2]) * up(s[-2]) * up(s[-1])
def as_ttnn(s):  # conv weights [O, I, k, k] as the tiled [I*k*k, O] matrix, 1-D/bias row-major
    if len(s) == 4 and s[0] != 1: return up(s[1] * s[2] * s[3]) * up(s[0])
    return math.prod(s)
weights = sum(as_ttnn(s) for s in shapes) * 2
tiled = sum(tiles(s) for s in shapes) * 2
mem = json.load(open(sys.argv[2]))
peak = max(int(v["dram"]["total_bytes_allocated_per_bank"]) * int(v["dram"]["num_banks"])
           for v in mem.values())
dram = int(next(iter(mem.values()))["dram"]["total_bytes_per_bank"]) * \
    int(next(iter(mem.values()))["dram"]["num_banks"])
print(f"resnet50: {len(shapes)} weight tensors, {params / 1e6:.2f} M parameters; weights as ttnn "
      f"lays them out {weights / 2**20:.1f} MiB (all in 32x32 tiles: {tiled / 2**30:.1f} GiB); "
      f"peak DRAM {peak / 2**20:.1f} MiB of the chip's {dram / 2**30:.1f} GiB")
assert len(shapes) == 108 and 25.4e6 < params < 25.6e6, (len(shapes), params)
assert tiled > dram, "the all-tiles layout should not fit: the test would prove nothing"
assert weights <= peak <= 1.2 * weights, (peak, weights)
PY
ok
finish
