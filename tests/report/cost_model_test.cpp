// Modelled durations checked by hand against the formulas of docs/perf-model.md.
#include <gtest/gtest.h>

#include <cmath>

#include "common/expect_error.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/report/cost_model.hpp"
#include "meshrt/report/perf.hpp"

namespace meshrt::report {
namespace {

binary::TensorDesc tensor(Shape shape, DataType dtype,
                          binary::Layout layout = binary::Layout::kTile) {
  binary::TensorDesc d;
  d.shape = std::move(shape);
  d.dtype = dtype;
  d.layout = layout;
  return d;
}

binary::Op op_named(const std::string& name) {
  binary::Op op;
  op.name = name;
  op.loc = name + "_loc";
  return op;
}

OpCost device_op(const std::string& name, const binary::TensorDesc& a, const binary::TensorDesc& b,
                 const binary::TensorDesc& out, const ChipDesc& chip = ChipDesc{}) {
  const binary::TensorDesc* in[] = {&a, &b};
  const binary::TensorDesc* outs[] = {&out};
  return model_device_op(op_named(name), in, outs, chip);
}

TEST(CostModel, SingleTileAddIsLimitedByOneCoreNocBandwidth) {
  // 3 tiles of 32x32 f32 = 12288 bytes; one output tile -> one core -> 32 B/cycle at 1 GHz.
  auto t = tensor({1, 1, 32, 32}, DataType::kFloat32);
  OpCost c = device_op("add", t, t, t);
  EXPECT_EQ(c.core_count, 1u);
  EXPECT_DOUBLE_EQ(c.memory_ns, 12288.0 / 32.0);
  EXPECT_EQ(c.duration_ns, 384u);
  EXPECT_EQ(c.family, OpFamily::kEltwise);
}

TEST(CostModel, LargeBf16AddIsDramBound) {
  // 3 x 1024x1024 bf16 = 6291456 bytes at 265 GB/s = 23741.35 ns; 1024 tiles -> all 64 cores.
  auto t = tensor({1024, 1024}, DataType::kBFloat16);
  OpCost c = device_op("add", t, t, t);
  EXPECT_EQ(c.core_count, 64u);
  EXPECT_EQ(c.duration_ns, 23742u);
}

TEST(CostModel, RowMajorTensorsAreNotPaddedToTiles) {
  // 3 x 3x5 f32 row-major = 180 bytes, one core: 180 / 32 = 5.625 ns.
  auto t = tensor({3, 5}, DataType::kFloat32, binary::Layout::kRowMajor);
  EXPECT_DOUBLE_EQ(tensor_device_bytes(t), 60.0);
  EXPECT_EQ(device_op("multiply", t, t, t).duration_ns, 6u);
  // The same shape in TILE layout occupies one whole 32x32 tile.
  EXPECT_DOUBLE_EQ(tensor_device_bytes(tensor({3, 5}, DataType::kFloat32)), 4096.0);
}

TEST(CostModel, Bf16MatmulIsComputeBound) {
  // 2 * 1024^3 FLOPs at 131.072 TFLOP/s * 0.62 = 26425.78 ns > 6 MiB / 265 GB/s = 23741.35 ns,
  // plus the 6500 ns start-up of a Wormhole matmul.
  auto t = tensor({1024, 1024}, DataType::kBFloat16);
  OpCost c = device_op("matmul", t, t, t);
  const double compute = 2.0 * 1024 * 1024 * 1024 / (131.072e12 * 0.62) * 1e9;
  EXPECT_NEAR(c.compute_ns, compute, 1e-6);
  EXPECT_EQ(c.duration_ns, static_cast<uint64_t>(std::ceil(6500 + compute)));
  EXPECT_EQ(c.duration_ns, 32926u);
  EXPECT_EQ(c.family, OpFamily::kMatmul);
}

TEST(CostModel, F32MatmulRunsAtHalfTheBf16Peak) {
  auto t = tensor({1024, 1024}, DataType::kFloat32);
  OpCost c = device_op("matmul", t, t, t);
  EXPECT_EQ(c.duration_ns, 59352u);  // 6500 + 2^31 / (65.536e12 * 0.62) s = 59351.56 ns
  EXPECT_DOUBLE_EQ(peak_flops(ChipDesc{}, DataType::kFloat32), 65.536e12);
}

TEST(CostModel, BlackholeMatmulUsesItsGridClockAndCalibration) {
  // 130 cores * 2048 FLOP/cycle * 1.35 GHz = 359.424 TFLOP/s, 0.74 of it, 1750 ns start-up.
  auto t = tensor({2048, 2048}, DataType::kBFloat16);
  OpCost c = device_op("matmul", t, t, t, blackhole_chip());
  const double compute = 2.0 * 2048 * 2048 * 2048 / (359.424e12 * 0.74) * 1e9;
  EXPECT_NEAR(c.compute_ns, compute, 1e-6);
  EXPECT_EQ(c.duration_ns, static_cast<uint64_t>(std::ceil(1750 + compute)));
}

TEST(CostModel, UnknownArchHasNoCalibration) {
  ChipDesc chip;
  chip.arch = "grayskull";
  auto t = tensor({64, 64}, DataType::kBFloat16);
  meshrt::testing::expect_error([&] { device_op("matmul", t, t, t, chip); },
                                ErrorCode::kInvalidArgument, "no calibration for arch 'grayskull'");
  for (const std::string& arch : known_archs()) EXPECT_EQ(arch_calibration(arch).arch, arch);
}

TEST(CostModel, MatmulFlopsHonourTransposeA) {
  binary::Op op = op_named("matmul");
  op.attrs["transpose_a"] = true;
  auto a = tensor({64, 128}, DataType::kBFloat16);  // K = 64 when transposed
  auto b = tensor({64, 32}, DataType::kBFloat16);
  auto out = tensor({128, 32}, DataType::kBFloat16);
  const binary::TensorDesc* in[] = {&a, &b};
  const binary::TensorDesc* outs[] = {&out};
  EXPECT_DOUBLE_EQ(op_flops(op, in, outs), 2.0 * 128 * 32 * 64);
}

std::vector<DeviceId> row_line(uint32_t row, uint32_t cols) {
  std::vector<DeviceId> line;
  for (uint32_t c = 0; c < cols; ++c) line.push_back(DeviceId{row * cols + c});
  return line;
}

binary::Op collective(const std::string& name, int64_t num_links = 0) {
  binary::Op op = op_named(name);
  op.attrs["cluster_axis"] = int64_t{1};
  if (num_links > 0) op.attrs["num_links"] = num_links;
  return op;
}

// Wormhole: a collective uses ccl_links = 1 link per neighbour (12.5 GB/s) unless the op asks
// for more; step costs hold one 711 ns hop. The numbers below are the formulas of
// docs/perf-model.md with the fitted constants of src/report/calibration.cpp.
TEST(CostModel, AllGatherOverAGalaxyRowUsesOneLinkByDefault) {
  // Line of 4, shard 32x128 f32 = 16384 bytes: the end links carry 3 shards one way,
  // 49152 / 12.5 = 3932.16 ns at 0.937 of the line rate = 4196.54 ns; start-up 5236 ns and
  // 3 steps of 1721 ns.
  ClusterDesc galaxy = builtin_cluster("galaxy");
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  auto out = tensor({1, 1, 32, 512}, DataType::kFloat32);
  auto line = row_line(0, 4);
  OpCost c = model_line_collective(collective("all_gather"), in, out, galaxy, line);
  EXPECT_NEAR(c.link_ns, 49152.0 / 12.5 / 0.937, 1e-9);
  EXPECT_DOUBLE_EQ(c.latency_ns, 5236.0 + 3 * 1721.0);
  EXPECT_EQ(c.duration_ns, 14596u);
  EXPECT_EQ(c.links, 1u);
  EXPECT_FALSE(c.ring);
  // num_links = 4 uses all four links of a galaxy neighbour pair: 49152 / 50 / 0.937.
  OpCost four = model_line_collective(collective("all_gather", 4), in, out, galaxy, line);
  EXPECT_EQ(four.links, 4u);
  EXPECT_EQ(four.duration_ns, 11449u);
  // More links than the chips have: the physical count caps it.
  EXPECT_EQ(model_line_collective(collective("all_gather", 9), in, out, galaxy, line).links, 4u);
  CostParams two;
  two.num_links = 2;
  EXPECT_EQ(model_line_collective(collective("all_gather"), in, out, galaxy, line, two).links, 2u);
}

TEST(CostModel, ReduceScatterAllReduceAndAllToAllOverAGalaxyRow) {
  ClusterDesc galaxy = builtin_cluster("galaxy");
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  auto piece = tensor({1, 1, 32, 32}, DataType::kFloat32);
  auto line = row_line(0, 4);
  // Pieces of 4096 bytes, 3 through an end link: 12288 / 12.5 / 0.790 + 3527 + 3 * 4106.
  EXPECT_EQ(model_line_collective(collective("reduce_scatter"), in, piece, galaxy, line)
                .duration_ns,
            17090u);
  // all_reduce: twice the pieces: 24576 / 12.5 / 0.832 + 5841 + 3 * 7575.
  EXPECT_EQ(model_line_collective(collective("all_reduce"), in, in, galaxy, line).duration_ns,
            30930u);
  // all_to_all: the middle link carries 2 * 2 pieces of 4096: 16384 / 12.5 / 0.898 + 937 +
  // 3 * 3212.
  EXPECT_EQ(model_line_collective(collective("all_to_all"), in, in, galaxy, line).duration_ns,
            12033u);
}

TEST(CostModel, T3kRingNeedsARingFabric) {
  // The 8 chips of a t3k around its 2x4 grid; the ends (0 and 4) are linked.
  ClusterDesc t3k = builtin_cluster("t3k");
  std::vector<DeviceId> ring = {DeviceId{0}, DeviceId{1}, DeviceId{2}, DeviceId{3},
                                DeviceId{7}, DeviceId{6}, DeviceId{5}, DeviceId{4}};
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  auto out = tensor({1, 1, 32, 1024}, DataType::kFloat32);
  CostParams ring_fabric;
  ring_fabric.fabric = FabricConfig::k1DRing;
  // Ring: 3.5 shards per link direction, 57344 / 12.5 / 0.808; 5236 + 4 steps of 3209.
  OpCost r = model_line_collective(collective("all_gather"), in, out, t3k, ring, ring_fabric);
  EXPECT_TRUE(r.ring);
  EXPECT_EQ(r.duration_ns, 23750u);
  // fabric_1d (ttrt's default): a line of 8, 7 shards through an end link; 7 steps of 1721.
  OpCost l = model_line_collective(collective("all_gather"), in, out, t3k, ring);
  EXPECT_FALSE(l.ring);
  EXPECT_EQ(l.duration_ns, 27075u);
}

TEST(CostModel, DualGalaxyRowIsLimitedByTheSingleLinkBetweenHosts) {
  // Row 0 of the 8x8 dual galaxy with num_links = 4: 50 GB/s links except the single cable
  // (12.5 GB/s) between chips 3 and 4, which carries max(4, 4) = 4 shards: 65536 / 12.5 =
  // 5242.88 ns, more than 7 shards over 50 GB/s (2293.76 ns); at 0.937 of the line rate.
  ClusterDesc dual = builtin_cluster("dual_galaxy");
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  auto out = tensor({1, 1, 32, 1024}, DataType::kFloat32);
  auto line = row_line(0, 8);
  OpCost c = model_line_collective(collective("all_gather", 4), in, out, dual, line);
  EXPECT_NEAR(c.link_ns, 5242.88 / 0.937, 1e-9);
  EXPECT_EQ(c.links, 1u);  // the narrowest pair
  EXPECT_EQ(c.duration_ns, 22879u);
  EXPECT_TRUE(chip_link(dual, DeviceId{3}, DeviceId{4}, 4).crosses_hosts);
}

TEST(CostModel, HostsWithoutAnEthernetLinkUseHostBandwidth) {
  ClusterDesc two;
  two.name = "two_hosts";
  two.mesh = MeshShape{1, 2};
  two.hosts = {{"h0", MeshBox{{0, 0}, {1, 1}}}, {"h1", MeshBox{{0, 1}, {1, 1}}}};
  two.host_bandwidth_gbs = 25.0;
  ChipLink l = chip_link(two, DeviceId{0}, DeviceId{1}, 1);
  EXPECT_EQ(l.links, 0u);
  EXPECT_TRUE(l.crosses_hosts);
  EXPECT_DOUBLE_EQ(l.bandwidth_gbs, 25.0);
  // 16384 / 25 / 0.509 (a line of two) plus start-up, one step less its Ethernet hop, and the
  // host latency (5000 ns): 1287.54 + 5236 + 1010 + 5000.
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  auto out = tensor({1, 1, 32, 256}, DataType::kFloat32);
  EXPECT_EQ(
      model_line_collective(collective("all_gather"), in, out, two, row_line(0, 2)).duration_ns,
      12534u);
}

TEST(CostModel, BlackholePairUsesTwoLinksAtTwentyFiveGigabytes) {
  // bh_loudbox: ccl_links = 2 of 25 GB/s; 65536 / 50 / 0.869 + 3609 + 1263.
  ClusterDesc bh = builtin_cluster("bh_loudbox");
  auto in = tensor({1, 1, 32, 1024}, DataType::kBFloat16);
  auto out = tensor({1, 1, 32, 2048}, DataType::kBFloat16);
  OpCost c = model_line_collective(collective("all_gather"), in, out, bh, row_line(0, 2));
  EXPECT_EQ(c.links, 2u);
  EXPECT_EQ(c.duration_ns, 6381u);
}

TEST(CostModel, NotACollective) {
  auto t = tensor({1, 1, 32, 32}, DataType::kFloat32);
  EXPECT_THROW(model_line_collective(op_named("add"), t, t, builtin_cluster("t3k"), row_line(0, 2)),
               Error);
}

TEST(CostModel, PermuteAndHostTransfer) {
  ClusterDesc galaxy = builtin_cluster("galaxy");
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  // Neighbours 0 -> 1 over one link: 16384 / 12.5 + 711 = 2021.72 ns.
  EXPECT_EQ(
      model_permute(op_named("collective_permute"), in, galaxy, DeviceId{0}, DeviceId{1})
          .duration_ns,
      2022u);
  // mesh_shard: 16384 bytes over PCIe at 32 GB/s = 512 ns.
  EXPECT_EQ(model_host_transfer(16384.0).duration_ns, 512u);
  EXPECT_EQ(model_host_transfer(0).duration_ns, 0u);
}

TEST(PerfRows, RoundTripThroughWords) {
  OpPerfRow r;
  r.program_index = 1;
  r.op_index = 7;
  r.global_call_count = 9;
  r.device_id = 31;
  r.rank = 1;
  r.family = OpFamily::kCollective;
  r.core_count = 64;
  r.host_start_ns = 100;
  r.host_end_ns = 250;
  r.device_start_ns = 1000;
  r.device_end_ns = 3934;
  auto back = rows_from_words(rows_to_words({r, r}));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].device_id, 31u);
  EXPECT_EQ(back[1].family, OpFamily::kCollective);
  EXPECT_EQ(back[1].device_duration_ns(), 2934u);
  EXPECT_EQ(back[1].host_duration_ns(), 150u);
}

TEST(PerfRows, MalformedWordsAreRejected) {
  meshrt::testing::expect_error([&] { rows_from_words(std::vector<uint64_t>(5, 0)); },
                                ErrorCode::kInvalidArgument, "5 words");
}

TEST(PerfRows, TotalsPickTheCriticalChipOfTheLastLoop) {
  OpPerfRow a, b, c;
  a.device_id = 0;
  a.device_end_ns = 500;
  b.device_id = 1;
  b.device_start_ns = 100;
  b.device_end_ns = 700;
  c.device_id = 0;
  c.loop = 1;
  c.device_end_ns = 300;  // only the last loop counts
  PerfTotals t = perf_totals({a, b});
  EXPECT_EQ(t.device_duration_ns, 700u);
  EXPECT_EQ(t.critical_device, 1u);
  EXPECT_EQ(t.device_busy_ns, 600u);
  EXPECT_EQ(perf_totals({a, b, c}).device_duration_ns, 300u);
}

TEST(PerfRows, OpFamilies) {
  EXPECT_EQ(op_family("matmul"), OpFamily::kMatmul);
  EXPECT_EQ(op_family("all_gather"), OpFamily::kCollective);
  EXPECT_EQ(op_family("mesh_shard"), OpFamily::kHostTransfer);
  EXPECT_EQ(op_family("reshape"), OpFamily::kDataMovement);
  EXPECT_EQ(op_family("softmax"), OpFamily::kReduction);
  EXPECT_EQ(op_family("exp"), OpFamily::kEltwise);
}

}  // namespace
}  // namespace meshrt::report
