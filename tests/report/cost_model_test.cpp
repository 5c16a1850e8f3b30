// Modelled durations checked by hand against the formulas of docs/perf-model.md.
#include <gtest/gtest.h>

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
  // 3 x 1024x1024 bf16 = 6291456 bytes at 288 GB/s = 21845.33 ns; 1024 tiles -> all 64 cores.
  auto t = tensor({1024, 1024}, DataType::kBFloat16);
  OpCost c = device_op("add", t, t, t);
  EXPECT_EQ(c.core_count, 64u);
  EXPECT_EQ(c.duration_ns, 21846u);
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
  // 2 * 1024^3 FLOPs at 65.5 TFLOP/s = 32786.01 ns > 6 MiB / 288 GB/s = 21845.33 ns.
  auto t = tensor({1024, 1024}, DataType::kBFloat16);
  OpCost c = device_op("matmul", t, t, t);
  EXPECT_NEAR(c.compute_ns, 2.0 * 1024 * 1024 * 1024 / 65.5e12 * 1e9, 1e-6);
  EXPECT_EQ(c.duration_ns, 32787u);
  EXPECT_EQ(c.family, OpFamily::kMatmul);
}

TEST(CostModel, F32MatmulRunsAtHalfTheBf16Peak) {
  auto t = tensor({1024, 1024}, DataType::kFloat32);
  OpCost c = device_op("matmul", t, t, t);
  EXPECT_EQ(c.duration_ns, 65573u);  // 2^31 / 32.75e12 s = 65572.02 ns
  EXPECT_DOUBLE_EQ(peak_flops(ChipDesc{}, DataType::kFloat32), 32.75e12);
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

TEST(CostModel, AllGatherOverAGalaxyRow) {
  // Galaxy: 4 links per neighbour = 50 GB/s. A line of 4, shard 32x128 f32 = 16384 bytes: the
  // end links carry 3 shards one way: 3 * 16384 / 50 = 983.04 ns, plus 3 hops * 650 ns.
  ClusterDesc galaxy = builtin_cluster("galaxy");
  binary::Op op = op_named("all_gather");
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  auto out = tensor({1, 1, 32, 512}, DataType::kFloat32);
  auto line = row_line(0, 4);
  OpCost c = model_line_collective(op, in, out, galaxy, galaxy.mesh, line);
  EXPECT_NEAR(c.link_ns, 983.04, 1e-9);
  EXPECT_DOUBLE_EQ(c.latency_ns, 1950.0);
  EXPECT_EQ(c.duration_ns, 2934u);
}

TEST(CostModel, ReduceScatterAndAllReduceOverAGalaxyRow) {
  ClusterDesc galaxy = builtin_cluster("galaxy");
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  auto piece = tensor({1, 1, 32, 32}, DataType::kFloat32);
  auto line = row_line(0, 4);
  // Pieces of 4096 bytes: 3 * 4096 / 50 = 245.76 ns, 1950 ns of hops, 3 * 4096 * 3 / 288 =
  // 128 ns of local reduction.
  OpCost rs =
      model_line_collective(op_named("reduce_scatter"), in, piece, galaxy, galaxy.mesh, line);
  EXPECT_EQ(rs.duration_ns, 2324u);
  // all_reduce = reduce_scatter + all_gather of the pieces.
  OpCost ar = model_line_collective(op_named("all_reduce"), in, in, galaxy, galaxy.mesh, line);
  EXPECT_EQ(ar.duration_ns, 4520u);
}

TEST(CostModel, DualGalaxyRowIsLimitedByTheSingleLinkBetweenHosts) {
  // Row 0 of the 8x8 dual galaxy: links 4 (50 GB/s) except one link (12.5 GB/s) between
  // chips 3 and 4. That link carries max(4, 4) = 4 shards: 4 * 16384 / 12.5 = 5242.88 ns, more
  // than 7 shards over 50 GB/s (2293.76 ns). 7 hops of 650 ns.
  ClusterDesc dual = builtin_cluster("dual_galaxy");
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  auto out = tensor({1, 1, 32, 1024}, DataType::kFloat32);
  auto line = row_line(0, 8);
  OpCost c = model_line_collective(op_named("all_gather"), in, out, dual, dual.mesh, line);
  EXPECT_NEAR(c.link_ns, 5242.88, 1e-9);
  EXPECT_EQ(c.duration_ns, 9793u);
  EXPECT_TRUE(chip_link(dual, dual.mesh, DeviceId{3}, DeviceId{4}).crosses_hosts);
}

TEST(CostModel, HostsWithoutAnEthernetLinkUseHostBandwidth) {
  ClusterDesc two;
  two.name = "two_hosts";
  two.mesh = MeshShape{1, 2};
  two.hosts = {{"h0", MeshBox{{0, 0}, {1, 1}}}, {"h1", MeshBox{{0, 1}, {1, 1}}}};
  two.host_bandwidth_gbs = 25.0;
  ChipLink l = chip_link(two, two.mesh, DeviceId{0}, DeviceId{1});
  EXPECT_EQ(l.links, 0u);
  EXPECT_TRUE(l.crosses_hosts);
  EXPECT_DOUBLE_EQ(l.bandwidth_gbs, 25.0);
  // 16384 / 25 = 655.36 ns plus the host latency (5000 ns).
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  auto out = tensor({1, 1, 32, 256}, DataType::kFloat32);
  auto line = row_line(0, 2);
  EXPECT_EQ(model_line_collective(op_named("all_gather"), in, out, two, two.mesh, line).duration_ns,
            5656u);
}

TEST(CostModel, PermuteAndHostTransfer) {
  ClusterDesc galaxy = builtin_cluster("galaxy");
  auto in = tensor({1, 1, 32, 128}, DataType::kFloat32);
  // Neighbours 0 -> 1: 16384 / 50 + 650 = 977.68 ns.
  EXPECT_EQ(model_permute(in, galaxy, galaxy.mesh, DeviceId{0}, DeviceId{1}).duration_ns, 978u);
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
  try {
    rows_from_words(std::vector<uint64_t>(5, 0));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("5 words"), std::string::npos);
  }
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
