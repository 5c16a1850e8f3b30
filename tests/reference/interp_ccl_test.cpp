// Reference interpreter: collectives on a 2x4 mesh (and the tt-mlir 8x4 example).
#include "reference/interp_test_util.hpp"

namespace meshrt::reference::testing {
namespace {

using DT = DataType;
const MeshShape kMesh{2, 4};

Attrs shard_attrs(const std::string& type, const std::string& direction,
                  std::vector<int64_t> shard_shape, std::vector<int64_t> shard_dims) {
  return {{"shard_type", type},
          {"shard_direction", direction},
          {"shard_shape", std::move(shard_shape)},
          {"shard_dims", std::move(shard_dims)}};
}

// Every device holds its own tensor: value = 100 * device + i.
DeviceTensors per_device(const Shape& shape, uint32_t devices) {
  DeviceTensors out;
  for (uint32_t d = 0; d < devices; ++d) {
    out.push_back(std::make_shared<const HostTensor>(
        iota_tensor(shape, DT::kFloat32, 100.0 * static_cast<double>(d))));
  }
  return out;
}

TEST(InterpCcl, MeshShardDevicesGivesEachDeviceItsPieceAndRoundTrips) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.input({4, 8});
  uint32_t shard = b.op("mesh_shard", {x}, {2, 2}, DT::kFloat32,
                        shard_attrs("devices", "full_to_shard", {2, 4}, {0, 1}));
  uint32_t full = b.op("mesh_shard", {shard}, {4, 8}, DT::kFloat32,
                       shard_attrs("devices", "shard_to_full", {2, 4}, {0, 1}));
  b.output(shard);
  b.output(full);
  HostTensor input = iota_tensor({4, 8});
  auto out = interpret(b.binary(), 0, {replicated(input, 8)});
  // Device (1, 2) = id 6 holds rows 2..3, cols 4..5.
  expect_values(*out[0][6], {2, 2}, {20, 21, 28, 29});
  expect_values(*out[0][0], {2, 2}, {0, 1, 8, 9});
  for (uint32_t d = 0; d < 8; ++d) {
    EXPECT_EQ(out[1][d]->to_doubles(), input.to_doubles()) << "device " << d;
  }
  EXPECT_EQ(out[1][0].get(), out[1][7].get());  // the full result is shared
}

TEST(InterpCcl, MeshShardReplicatedAxisAndReplicateType) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.input({4, 2});
  // Split dim 0 over the columns; the rows replicate.
  uint32_t shard = b.op("mesh_shard", {x}, {1, 2}, DT::kFloat32,
                        shard_attrs("devices", "full_to_shard", {4, 1}, {-1, 0}));
  uint32_t rep = b.op("mesh_shard", {x}, {4, 2}, DT::kFloat32,
                      shard_attrs("replicate", "full_to_shard", {1}, {-1}));
  b.output(shard);
  b.output(rep);
  auto out = interpret(b.binary(), 0, {replicated(iota_tensor({4, 2}), 8)});
  expect_values(*out[0][1], {1, 2}, {2, 3});
  expect_values(*out[0][5], {1, 2}, {2, 3});  // device (1,1): same piece as (0,1)
  EXPECT_EQ(out[0][1].get(), out[0][5].get());
  expect_values(*out[1][7], {4, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
}

TEST(InterpCcl, ShardToFullTakesFirstDeviceAlongReplicatedAxis) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.presharded_input({1, 4}, {1, 1});
  uint32_t full = b.op("mesh_shard", {x}, {1, 4}, DT::kFloat32,
                       shard_attrs("devices", "shard_to_full", {1, 4}, {-1, 1}));
  b.output(full);
  auto out = interpret(b.binary(), 0, {per_device({1, 1}, 8)});
  // Row 0 devices (0..3) win over row 1 devices (4..7).
  expect_values(*out[0][5], {1, 4}, {0, 100, 200, 300});
}

TEST(InterpCcl, AllGatherOnEachAxis) {
  for (uint32_t axis : {0u, 1u}) {
    ProgramBuilder b(kMesh);
    uint32_t x = b.presharded_input({1, 2}, {1, 2});
    Shape result = axis == 0 ? Shape{2, 2} : Shape{1, 8};
    int64_t dim = axis == 0 ? 0 : 1;
    b.output(b.op("all_gather", {x}, result, DT::kFloat32,
                  {{"all_gather_dim", dim}, {"cluster_axis", int64_t{axis}}}));
    auto out = interpret(b.binary(), 0, {per_device({1, 2}, 8)});
    if (axis == 0) {
      // Device 6 = (1, 2): its column holds devices 2 and 6.
      expect_values(*out[0][6], {2, 2}, {200, 201, 600, 601});
      EXPECT_EQ(out[0][2].get(), out[0][6].get());
    } else {
      // Device 5 = (1, 1): its row holds devices 4..7.
      expect_values(*out[0][5], {1, 8}, {400, 401, 500, 501, 600, 601, 700, 701});
      EXPECT_NE(out[0][0].get(), out[0][5].get());
    }
  }
}

TEST(InterpCcl, ReduceScatterThenAllGatherEqualsAllReduce) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.presharded_input({2, 8}, {2, 8});
  uint32_t rs = b.op("reduce_scatter", {x}, {2, 2}, DT::kFloat32,
                     {{"reduce_type", std::string("sum")},
                      {"scatter_dim", int64_t{1}},
                      {"cluster_axis", int64_t{1}}});
  uint32_t ag = b.op("all_gather", {rs}, {2, 8}, DT::kFloat32,
                     {{"all_gather_dim", int64_t{-1}}, {"cluster_axis", int64_t{1}}});
  uint32_t ar = b.op("all_reduce", {x}, {2, 8}, DT::kFloat32,
                     {{"reduce_type", std::string("sum")}, {"cluster_axis", int64_t{1}}});
  b.output(rs);
  b.output(ag);
  b.output(ar);
  auto out = interpret(b.binary(), 0, {per_device({2, 8}, 8)});
  // Row 0 sums devices 0..3: element i -> 4 i + 600; device 1 keeps columns 2..3.
  expect_values(*out[0][1], {2, 2}, {608, 612, 640, 644});
  for (uint32_t d = 0; d < 8; ++d) {
    EXPECT_EQ(out[1][d]->to_doubles(), out[2][d]->to_doubles()) << "device " << d;
  }
  EXPECT_EQ(out[2][4]->at(0), 4 * 0 + 100.0 * (4 + 5 + 6 + 7));
}

TEST(InterpCcl, AllReduceMeanMaxMin) {
  for (const char* kind : {"mean", "max", "min"}) {
    ProgramBuilder b(kMesh);
    uint32_t x = b.presharded_input({1}, {1});
    b.output(b.op("all_reduce", {x}, {1}, DT::kFloat32,
                  {{"reduce_type", std::string(kind)}, {"cluster_axis", int64_t{0}}}));
    auto out = interpret(b.binary(), 0, {per_device({1}, 8)});
    // Device 3's column holds devices 3 and 7 (300 and 700).
    double expected = std::string(kind) == "mean" ? 500 : (std::string(kind) == "max" ? 700 : 300);
    EXPECT_EQ(out[0][3]->at(0), expected) << kind;
  }
}

TEST(InterpCcl, CollectivePermuteGivesZerosToDevicesThatReceiveNothing) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.presharded_input({2}, {2});
  binary::DenseElements pairs;
  pairs.shape = {2, 2};
  pairs.dtype = DT::kInt64;
  pairs.values = {0, 1, 1, 0};
  b.output(b.op("collective_permute", {x}, {2}, DT::kFloat32, {{"source_target_pairs", pairs}}));
  auto out = interpret(b.binary(), 0, {per_device({2}, 8)});
  expect_values(*out[0][0], {2}, {100, 101});
  expect_values(*out[0][1], {2}, {0, 1});
  for (uint32_t d = 2; d < 8; ++d) expect_values(*out[0][d], {2}, {0, 0});
}

TEST(InterpCcl, MeshPartitionKeepsSliceByPosition) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.input({2, 8});
  b.output(b.op("mesh_partition", {x}, {2, 2}, DT::kFloat32,
                {{"dim", int64_t{1}}, {"cluster_axis", int64_t{1}}}));
  auto out = interpret(b.binary(), 0, {replicated(iota_tensor({2, 8}), 8)});
  expect_values(*out[0][6], {2, 2}, {4, 5, 12, 13});  // column 2
  EXPECT_EQ(out[0][2].get(), out[0][6].get());
}

// The tt-mlir example: 1x1x256x512 sharded 8x4 on dims 2 and 3, all_gather along dim 3 over
// axis 1, shard_to_full on dims (2, -1) gives the input back.
TEST(InterpCcl, TtMlirAllGatherExampleRoundTrips) {
  ProgramBuilder b(MeshShape{8, 4});
  uint32_t x = b.input({1, 1, 256, 512});
  uint32_t s = b.op("mesh_shard", {x}, {1, 1, 32, 128}, DT::kFloat32,
                    shard_attrs("devices", "full_to_shard", {1, 1, 8, 4}, {2, 3}));
  uint32_t g = b.op("all_gather", {s}, {1, 1, 32, 512}, DT::kFloat32,
                    {{"all_gather_dim", int64_t{3}}, {"cluster_axis", int64_t{1}}});
  uint32_t f = b.op("mesh_shard", {g}, {1, 1, 256, 512}, DT::kFloat32,
                    shard_attrs("devices", "shard_to_full", {1, 1, 8, 1}, {2, -1}));
  b.output(f);
  HostTensor input = iota_tensor({1, 1, 256, 512});
  auto out = interpret(b.binary(), 0, {replicated(input, 32)});
  ASSERT_EQ(out[0].size(), 32u);
  EXPECT_EQ(out[0][17]->to_doubles(), input.to_doubles());
}

TEST(InterpCcl, MeshShardIdentityPassesShardsThrough) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.presharded_input({2, 4}, {1, 1});
  uint32_t same = b.op("mesh_shard", {x}, {1, 1}, DT::kFloat32,
                       shard_attrs("identity", "full_to_shard", {2, 4}, {0, 1}));
  b.output(same);
  DeviceTensors in = per_device({1, 1}, 8);
  auto out = interpret(b.binary(), 0, {in});
  for (uint32_t d = 0; d < 8; ++d) EXPECT_EQ(out[0][d]->at(0), 100.0 * d);
}

TEST(InterpCcl, IntegerValuesKeepTheirDtypeAcrossCollectives) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.presharded_input({1}, {1}, DT::kInt32);
  b.output(b.op("all_reduce", {x}, {1}, DT::kInt32,
                {{"reduce_type", std::string("sum")}, {"cluster_axis", int64_t{1}}}));
  DeviceTensors in;
  for (uint32_t d = 0; d < 8; ++d) {
    in.push_back(std::make_shared<const HostTensor>(make_tensor({1}, {double(d)}, DT::kInt32)));
  }
  auto out = interpret(b.binary(), 0, {in});
  EXPECT_EQ(out[0][5]->dtype(), DT::kInt32);
  EXPECT_EQ(out[0][5]->at(0), 4 + 5 + 6 + 7);
  EXPECT_EQ(out[0][0]->at(0), 0 + 1 + 2 + 3);
}

TEST(InterpCcl, UnknownReduceTypeIsUnsupported) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.presharded_input({1}, {1});
  b.output(b.op("all_reduce", {x}, {1}, DT::kFloat32,
                {{"reduce_type", std::string("std")}, {"cluster_axis", int64_t{1}}}));
  expect_error([&] { interpret(b.binary(), 0, {per_device({1}, 8)}); }, ErrorCode::kUnsupported,
               {"all_reduce", "std"});
}

TEST(InterpCcl, BadShardShapeIsRejected) {
  ProgramBuilder b(kMesh);
  uint32_t x = b.input({3, 8});
  b.output(b.op("mesh_shard", {x}, {1, 2}, DT::kFloat32,
                shard_attrs("devices", "full_to_shard", {2, 4}, {0, 1})));
  expect_error(
      [&] {
        interpret(b.binary(), 0, {replicated(iota_tensor({3, 8}), 8)});
      },
      ErrorCode::kInvalidArgument, {"mesh_shard", "does not split into 2 pieces"});
}

}  // namespace
}  // namespace meshrt::reference::testing
