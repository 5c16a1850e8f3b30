#include "common/expect_error.hpp"
#include "meshrt/ops/ccl.hpp"

#include "ops_test_util.hpp"

namespace meshrt::ops::testing {
namespace {

constexpr DataType F32 = DataType::kFloat32;
constexpr DataType BF16 = DataType::kBFloat16;
using V = std::vector<double>;
using I = std::vector<int64_t>;

binary::Op shard_op(I dims, I shape, std::string type = "devices",
                    std::string direction = "full_to_shard") {
  return make_op("mesh_shard", {{"shard_dims", dims},
                                {"shard_shape", shape},
                                {"shard_type", type},
                                {"shard_direction", direction}});
}

HostTensor iota(Shape shape, DataType dtype) {
  HostTensor t(shape, dtype);
  for (int64_t i = 0; i < t.volume(); ++i) t.set(i, static_cast<double>(i));
  return t;
}

TEST(MeshShard, TwoByFourRoundTrip) {
  const MeshShape mesh{2, 4};
  const HostTensor full = iota({4, 8}, F32);  // element (r, c) = 8r + c
  const binary::Op op = shard_op({0, 1}, {2, 4});
  std::vector<HostTensor> shards;
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    HostTensor s({2, 2}, F32);
    shard_for_device(op, mesh, DeviceId{d}, full, s);
    shards.push_back(s);
  }
  // Device 5 = (1, 1): rows 2..3, cols 2..3.
  EXPECT_EQ(shards[5].to_doubles(), (V{18, 19, 26, 27}));
  EXPECT_EQ(shards[3].to_doubles(), (V{6, 7, 14, 15}));
  const binary::Op back = shard_op({0, 1}, {2, 4}, "devices", "shard_to_full");
  const std::vector<DeviceId> need = shards_needed_for_full(back, mesh);
  ASSERT_EQ(need.size(), 8u);
  std::vector<const HostTensor*> ptrs;
  for (DeviceId d : need) ptrs.push_back(&shards[d.value]);
  HostTensor rebuilt({4, 8}, F32);
  assemble_full(back, mesh, ptrs, rebuilt);
  EXPECT_EQ(rebuilt, full);
}

TEST(MeshShard, ReplicatedAxisAndSingleEntryDims) {
  const MeshShape mesh{2, 4};
  const HostTensor full = iota({2, 8}, BF16);
  // Split dim 1 along mesh cols; replicated along rows.
  const binary::Op op = shard_op({-1, 1}, {1, 4});
  HostTensor s6({2, 2}, BF16);
  shard_for_device(op, mesh, DeviceId{6}, full, s6);  // (1, 2): cols 4..5
  EXPECT_EQ(s6.to_doubles(), (V{4, 5, 12, 13}));
  const std::vector<DeviceId> need = shards_needed_for_full(op, mesh);
  ASSERT_EQ(need.size(), 4u);
  EXPECT_EQ(need[3].value, 3u);  // first row only
  // Replicate: a copy, and one shard rebuilds the full tensor.
  const binary::Op rep = shard_op({-1}, {1}, "replicate");
  HostTensor r({2, 8}, BF16);
  shard_for_device(rep, mesh, DeviceId{7}, full, r);
  EXPECT_EQ(r, full);
  EXPECT_EQ(shards_needed_for_full(rep, mesh).size(), 1u);
  // Single entry [1] on a 1x2 mesh splits dim 1 in two.
  const binary::Op one = shard_op({1}, {1, 2});
  HostTensor h({2, 4}, BF16);
  shard_for_device(one, MeshShape{1, 2}, DeviceId{1}, full, h);
  EXPECT_EQ(h.to_doubles(), (V{4, 5, 6, 7, 12, 13, 14, 15}));
}

TEST(MeshShard, ShapeMismatchIsInvalidArgument) {
  const HostTensor full = iota({4, 8}, F32);
  HostTensor wrong({3, 2}, F32);
  meshrt::testing::expect_error(
      [&] { shard_for_device(shard_op({0, 1}, {2, 4}), MeshShape{2, 4}, DeviceId{0}, full, wrong); },
      ErrorCode::kInvalidArgument, {"mesh_shard", "4x8"});
}

TEST(Collectives, AllGatherAlongLine) {
  HostTensor a = tensor({1, 2}, F32, {1, 2});
  HostTensor b = tensor({1, 2}, F32, {3, 4});
  std::vector<const HostTensor*> line = {&a, &b};
  HostTensor out({1, 4}, F32);
  all_gather(make_op("all_gather", {{"all_gather_dim", int64_t{1}}, {"cluster_axis", int64_t{1}}}),
             line, out);
  EXPECT_EQ(out.to_doubles(), (V{1, 2, 3, 4}));
  HostTensor out0({2, 2}, F32);
  all_gather(make_op("all_gather", {{"all_gather_dim", int64_t{0}}, {"cluster_axis", int64_t{0}}}),
             line, out0);
  EXPECT_EQ(out0.to_doubles(), (V{1, 2, 3, 4}));
}

TEST(Collectives, AllReduceKinds) {
  HostTensor a = tensor({2}, F32, {1, 8});
  HostTensor b = tensor({2}, F32, {3, -2});
  std::vector<const HostTensor*> line = {&a, &b};
  auto reduce = [&](const char* kind) {
    HostTensor out({2}, F32);
    all_reduce(
        make_op("all_reduce", {{"reduce_type", std::string(kind)}, {"cluster_axis", int64_t{1}}}),
        line, out);
    return out.to_doubles();
  };
  EXPECT_EQ(reduce("sum"), (V{4, 6}));
  EXPECT_EQ(reduce("mean"), (V{2, 3}));
  EXPECT_EQ(reduce("max"), (V{3, 8}));
  EXPECT_EQ(reduce("min"), (V{1, -2}));
  // bf16: accumulate wide, round once: 256 + 1 + 1 = 258 (bf16 exact), not 256.
  HostTensor x = tensor({1}, BF16, {256}), y = tensor({1}, BF16, {1}), z = tensor({1}, BF16, {1});
  std::vector<const HostTensor*> l3 = {&x, &y, &z};
  HostTensor o({1}, BF16);
  all_reduce(make_op("all_reduce", {{"reduce_type", std::string("sum")}}), l3, o);
  EXPECT_EQ(o.at(0), 258);
}

TEST(Collectives, ReduceScatterKeepsOwnPiece) {
  HostTensor a = tensor({1, 4}, F32, {1, 2, 3, 4});
  HostTensor b = tensor({1, 4}, F32, {10, 20, 30, 40});
  std::vector<const HostTensor*> line = {&a, &b};
  auto op = make_op("reduce_scatter", {{"reduce_type", std::string("sum")},
                                       {"scatter_dim", int64_t{1}},
                                       {"cluster_axis", int64_t{1}}});
  HostTensor o0({1, 2}, F32), o1({1, 2}, F32);
  reduce_scatter(op, line, 0, o0);
  reduce_scatter(op, line, 1, o1);
  EXPECT_EQ(o0.to_doubles(), (V{11, 22}));
  EXPECT_EQ(o1.to_doubles(), (V{33, 44}));
  HostTensor bad({1, 4}, F32);
  EXPECT_THROW(reduce_scatter(op, line, 0, bad), Error);
}

TEST(Collectives, PermuteSourceAndMeshPartition) {
  binary::DenseElements pairs{{2, 2}, DataType::kInt64, {0, 1, 1, 0}};
  auto op = make_op("collective_permute", {{"source_target_pairs", pairs}});
  EXPECT_EQ(permute_source(op, DeviceId{1})->value, 0u);
  EXPECT_EQ(permute_source(op, DeviceId{0})->value, 1u);
  EXPECT_FALSE(permute_source(op, DeviceId{2}).has_value());
  HostTensor in = iota({2, 4}, F32);
  HostTensor out({2, 2}, F32);
  mesh_partition(make_op("mesh_partition", {{"dim", int64_t{1}}, {"cluster_axis", int64_t{1}}}), 1,
                 in, out);
  EXPECT_EQ(out.to_doubles(), (V{2, 3, 6, 7}));
}

}  // namespace
}  // namespace meshrt::ops::testing
