// Mesh placement on a cluster (include/meshrt/mesh/placement.hpp): the box a mesh opens on, the
// box device ids cover, and the chip order of a reshaped box.
#include <gtest/gtest.h>

#include <set>

#include "common/expect_error.hpp"
#include "meshrt/mesh/placement.hpp"

namespace meshrt {
namespace {

using testing::expect_error;

bool neighbours(const MeshShape& box, uint32_t a, uint32_t b) {
  const MeshCoordinate x = box.coord_of(DeviceId{a}), y = box.coord_of(DeviceId{b});
  const uint32_t dr = x.row > y.row ? x.row - y.row : y.row - x.row;
  const uint32_t dc = x.col > y.col ? x.col - y.col : y.col - x.col;
  return dr + dc == 1;
}

TEST(Placement, ChooseBoxFitsTransposesOrTakesTheSquarest) {
  const ClusterDesc galaxy = builtin_cluster("galaxy");  // 8x4
  MeshBox b = choose_box(galaxy, MeshShape{2, 4}, {0, 0});
  EXPECT_EQ(b.shape, (MeshShape{2, 4}));
  b = choose_box(galaxy, MeshShape{2, 4}, {6, 0});  // fits at the offset too
  EXPECT_EQ(b.offset.row, 6u);
  b = choose_box(galaxy, MeshShape{1, 8}, {0, 0});  // 1x8 does not fit 4 columns: 8x1
  EXPECT_EQ(b.shape, (MeshShape{8, 1}));
  b = choose_box(galaxy, MeshShape{1, 16}, {0, 0});  // neither fits: the squarest, 4x4
  EXPECT_EQ(b.shape, (MeshShape{4, 4}));
  expect_error(
      [&] {
        choose_box(galaxy, MeshShape{8, 8}, {0, 0});
      },
      ErrorCode::kIncompatible, {"8x8 mesh (64 chips)", "'galaxy' has 32 chips"});
}

TEST(Placement, BoxOfNeedsIdsThatFillABox) {
  const ClusterDesc t3k = builtin_cluster("t3k");  // 2x4
  MeshBox b = box_of(t3k, {5, 2, 1, 6});
  EXPECT_EQ(b.offset.row, 0u);
  EXPECT_EQ(b.offset.col, 1u);
  EXPECT_EQ(b.shape, (MeshShape{2, 2}));
  expect_error([&] { box_of(t3k, {0, 1, 4}); }, ErrorCode::kInvalidArgument, "do not form a box");
  expect_error([&] { box_of(t3k, {0, 0}); }, ErrorCode::kInvalidArgument, "do not form a box");
  expect_error([&] { box_of(t3k, {8}); }, ErrorCode::kInvalidArgument,
               "device id 8 is not a chip of cluster 't3k'");
}

TEST(Placement, SnakeOrderVisitsEveryChipOnceThroughNeighbours) {
  size_t checked = 0;
  for (MeshShape box : {MeshShape{2, 4}, MeshShape{3, 3}, MeshShape{8, 4}, MeshShape{1, 8}}) {
    const std::vector<uint32_t> order = snake_order(box);
    ASSERT_EQ(order.size(), box.volume());
    EXPECT_EQ(std::set<uint32_t>(order.begin(), order.end()).size(), box.volume());
    for (size_t i = 1; i < order.size(); ++i, ++checked)
      EXPECT_TRUE(neighbours(box, order[i - 1], order[i])) << box.to_string() << " step " << i;
  }
  // An even side closes the walk into a ring.
  const std::vector<uint32_t> ring = snake_order(MeshShape{2, 4});
  EXPECT_TRUE(neighbours(MeshShape{2, 4}, ring.back(), ring.front()));
  EXPECT_GT(checked, 40u);
}

TEST(Placement, ReshapeOrderKeepsLineNeighboursOnLinkedChips) {
  const ClusterDesc t3k = builtin_cluster("t3k");
  std::vector<DeviceId> physical;
  for (uint32_t i = 0; i < 8; ++i) physical.push_back(DeviceId{i});
  const std::vector<uint32_t> order =
      reshape_order(t3k, MeshShape{2, 4}, physical, MeshShape{1, 8});
  ASSERT_EQ(order.size(), 8u);
  for (size_t d = 1; d < order.size(); ++d)
    EXPECT_TRUE(neighbours(MeshShape{2, 4}, order[d - 1], order[d])) << "device " << d;
  expect_error(
      [&] {
        reshape_order(t3k, MeshShape{2, 4}, physical, MeshShape{1, 6});
      },
      ErrorCode::kInvalidArgument, "the volume must match");
}

}  // namespace
}  // namespace meshrt
