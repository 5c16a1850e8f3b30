// Built-in clusters, their JSON files under configs/clusters, and JSON round trips.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/expect_error.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/mesh/cluster.hpp"

namespace meshrt {
namespace {

std::string config_path(const std::string& name) {
  return std::string(MESHRT_SOURCE_DIR) + "/configs/clusters/" + name + ".json";
}

class BuiltinMatchesFile : public ::testing::TestWithParam<std::string> {};

TEST_P(BuiltinMatchesFile, FileLoadsToBuiltin) {
  ClusterDesc from_file = load_cluster(config_path(GetParam()));
  ClusterDesc builtin = builtin_cluster(GetParam());
  EXPECT_EQ(from_file.name, builtin.name);
  EXPECT_EQ(from_file.mesh, builtin.mesh);
  EXPECT_EQ(from_file.chip, builtin.chip);
  EXPECT_EQ(from_file.links, builtin.links);
  EXPECT_EQ(from_file.hosts, builtin.hosts);
  EXPECT_EQ(from_file, builtin);
}

TEST_P(BuiltinMatchesFile, JsonRoundTrip) {
  ClusterDesc builtin = builtin_cluster(GetParam());
  std::string text = cluster_to_json_text(builtin);
  EXPECT_EQ(cluster_from_json_text(text, "round-trip"), builtin);
}

INSTANTIATE_TEST_SUITE_P(Clusters, BuiltinMatchesFile,
                         ::testing::Values("n150", "n300", "t3k", "galaxy", "dual_galaxy",
                                           "bh_loudbox"));

TEST(BuiltinCluster, Shapes) {
  EXPECT_EQ(builtin_cluster("n150").mesh, (MeshShape{1, 1}));
  EXPECT_EQ(builtin_cluster("n300").mesh, (MeshShape{1, 2}));
  EXPECT_EQ(builtin_cluster("t3k").mesh, (MeshShape{2, 4}));
  EXPECT_EQ(builtin_cluster("galaxy").mesh, (MeshShape{8, 4}));
  EXPECT_EQ(builtin_cluster("dual_galaxy").mesh, (MeshShape{8, 8}));
}

TEST(BuiltinCluster, DefaultIsGalaxyOnOneHost) {
  ClusterDesc def = builtin_cluster("default");
  ClusterDesc galaxy = builtin_cluster("galaxy");
  EXPECT_EQ(def.name, "default");
  def.name = galaxy.name;
  EXPECT_EQ(def, galaxy);
  ASSERT_EQ(def.hosts.size(), 1u);
  EXPECT_EQ(def.hosts[0].box, (MeshBox{{0, 0}, {8, 4}}));
}

TEST(BuiltinCluster, LinksPerNeighbour) {
  ClusterDesc n150 = builtin_cluster("n150");
  EXPECT_TRUE(n150.links.empty());
  ClusterDesc n300 = builtin_cluster("n300");
  ASSERT_EQ(n300.links.size(), 1u);
  EXPECT_EQ(link_count(n300, DeviceId{1}, DeviceId{0}), 2u);

  ClusterDesc t3k = builtin_cluster("t3k");
  EXPECT_EQ(t3k.links.size(), 10u);  // 2 rows x 3 + 4 columns x 1
  EXPECT_EQ(link_count(t3k, DeviceId{0}, DeviceId{1}), 2u);
  EXPECT_EQ(link_count(t3k, DeviceId{0}, DeviceId{4}), 2u);
  EXPECT_EQ(link_count(t3k, DeviceId{0}, DeviceId{5}), 0u);  // diagonal
  EXPECT_EQ(link_count(t3k, DeviceId{3}, DeviceId{4}), 0u);  // no wrap-around

  ClusterDesc galaxy = builtin_cluster("galaxy");
  EXPECT_EQ(galaxy.links.size(), 52u);  // 8 x 3 + 7 x 4
  for (const EthLink& link : galaxy.links) {
    EXPECT_LT(link.a, link.b);
    EXPECT_EQ(link.count, 4u);
  }
}

TEST(BuiltinCluster, DualGalaxyHostsAndCrossLinks) {
  ClusterDesc dual = builtin_cluster("dual_galaxy");
  ASSERT_EQ(dual.hosts.size(), 2u);
  EXPECT_EQ(dual.hosts[0].box, (MeshBox{{0, 0}, {8, 4}}));
  EXPECT_EQ(dual.hosts[1].box, (MeshBox{{0, 4}, {8, 4}}));
  EXPECT_EQ(host_index_of(dual, DeviceId{3}), 0u);
  EXPECT_EQ(host_index_of(dual, DeviceId{4}), 1u);
  EXPECT_EQ(host_index_of(dual, DeviceId{63}), 1u);
  EXPECT_EQ(link_count(dual, DeviceId{3}, DeviceId{4}), 1u);   // between the Galaxies
  EXPECT_EQ(link_count(dual, DeviceId{2}, DeviceId{3}), 4u);   // inside host0
  EXPECT_EQ(link_count(dual, DeviceId{4}, DeviceId{12}), 4u);  // inside host1
  EXPECT_EQ(dual.links.size(), 112u);
}

TEST(BuiltinCluster, ChipDefaultsAreWormhole) {
  ChipDesc chip = builtin_cluster("n150").chip;
  EXPECT_EQ(chip.arch, "wormhole_b0");
  EXPECT_EQ(chip.grid_x * chip.grid_y, 64u);
  EXPECT_EQ(chip.l1_bytes_per_core, 1464u * 1024u);
  EXPECT_EQ(chip.dram_channels * chip.dram_bytes_per_channel, 12ull << 30);
  // HiFi2: 2048 FLOPs per cycle per core, 64 cores, 1 GHz.
  EXPECT_DOUBLE_EQ(chip.matmul_tflops_bf16, 2048.0 * 64 / 1000.0);
  EXPECT_DOUBLE_EQ(chip.eth_hop_latency_ns, 711.0);
  EXPECT_EQ(chip.ccl_links, 1u);
}

TEST(BuiltinCluster, BlackholeLoudBox) {
  ClusterDesc bh = builtin_cluster("bh_loudbox");
  EXPECT_EQ(bh.mesh, (MeshShape{2, 4}));
  EXPECT_EQ(bh.chip.arch, "blackhole");
  EXPECT_EQ(bh.chip.grid_x * bh.chip.grid_y, 130u);
  EXPECT_EQ(bh.chip.dram_channels * bh.chip.dram_bytes_per_channel, 32ull << 30);
  EXPECT_DOUBLE_EQ(bh.chip.eth_bandwidth_gbs, 25.0);
  EXPECT_EQ(bh.chip.ccl_links, 2u);
  EXPECT_EQ(link_count(bh, DeviceId{0}, DeviceId{4}), 2u);  // the ring closes over column 0
  EXPECT_EQ(bh.chip, blackhole_chip());
}

TEST(ClusterJson, ArchMustBeKnown) {
  const std::string text = R"({"name": "x", "mesh": [1, 1], "chip": {"arch": "grayskull"}})";
  meshrt::testing::expect_error([&] { cluster_from_json_text(text, "x.json"); },
                                ErrorCode::kInvalidArgument,
                                "arch 'grayskull' is not one of wormhole_b0, blackhole");
}

TEST(ClusterJson, BlackholeFieldsDefaultToTheBlackholeChip) {
  const std::string text = R"({"name": "bh1", "mesh": [1, 1], "chip": {"arch": "blackhole"}})";
  EXPECT_EQ(cluster_from_json_text(text, "bh1.json").chip, blackhole_chip());
}

TEST(BuiltinCluster, UnknownNameIsNotFound) {
  meshrt::testing::expect_error([&] { builtin_cluster("blackhole_pod"); }, ErrorCode::kNotFound,
                                {"blackhole_pod", "t3k"});
}

TEST(ClusterJson, MinimalFileGetsDefaults) {
  ClusterDesc c = cluster_from_json_text(R"({"name": "tiny", "mesh": "2x2"})", "tiny.json");
  EXPECT_EQ(c.mesh, (MeshShape{2, 2}));
  EXPECT_EQ(c.chip, ChipDesc{});
  EXPECT_TRUE(c.links.empty());
  ASSERT_EQ(c.hosts.size(), 1u);
  EXPECT_EQ(c.hosts[0].box, (MeshBox{{0, 0}, {2, 2}}));
  EXPECT_DOUBLE_EQ(c.host_bandwidth_gbs, 25.0);
}

TEST(ClusterJson, ExplicitLinksAreNormalisedAndOverrideGrid) {
  ClusterDesc c = cluster_from_json_text(
      R"({"name": "ring", "mesh": [1, 4], "grid_link_count": 2,
          "links": [{"a": 3, "b": 0}, {"a": 2, "b": 1, "count": 3}]})",
      "ring.json");
  ASSERT_EQ(c.links.size(), 4u);
  EXPECT_EQ(c.links[0], (EthLink{DeviceId{0}, DeviceId{1}, 2}));
  EXPECT_EQ(c.links[1], (EthLink{DeviceId{0}, DeviceId{3}, 1}));  // wrap link, swapped to a < b
  EXPECT_EQ(c.links[2], (EthLink{DeviceId{1}, DeviceId{2}, 3}));  // overrides the grid count
  EXPECT_EQ(c.links[3], (EthLink{DeviceId{2}, DeviceId{3}, 2}));
}

TEST(ClusterJson, ChipFieldsAreRead) {
  ClusterDesc c = cluster_from_json_text(
      R"({"name": "x", "mesh": [1, 1],
          "chip": {"grid_x": 7, "trace_region_bytes": 1048576, "clock_ghz": 1.2}})",
      "x.json");
  EXPECT_EQ(c.chip.grid_x, 7u);
  EXPECT_EQ(c.chip.grid_y, 8u);
  EXPECT_EQ(c.chip.trace_region_bytes, 1048576u);
  EXPECT_DOUBLE_EQ(c.chip.clock_ghz, 1.2);
}

TEST(GridLinks, CountsNeighbours) {
  EXPECT_EQ(grid_links(MeshShape{3, 3}, 1).size(), 12u);
  EXPECT_TRUE(grid_links(MeshShape{3, 3}, 0).empty());
  auto line = grid_links(MeshShape{1, 3}, 1);
  ASSERT_EQ(line.size(), 2u);
  EXPECT_EQ(line[1], (EthLink{DeviceId{1}, DeviceId{2}, 1}));
}

}  // namespace
}  // namespace meshrt
