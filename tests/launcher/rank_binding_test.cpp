#include "launcher/rank_binding.hpp"

#include <gtest/gtest.h>

#include "common/expect_error.hpp"

#include "meshrt/common/error.hpp"

namespace meshrt::launcher {
namespace {

const std::string kDir = std::string(MESHRT_SOURCE_DIR) + "/configs/rank_bindings/";

// The binding `yaml` is refused with `code`, naming the file and `needle`.
void expect_error(ErrorCode code, const std::string& needle, const std::string& yaml) {
  testing::expect_error([&] { parse_rank_binding(yaml, kDir + "test.yaml"); }, code,
                        {kDir + "test.yaml: ", needle});
}

TEST(RankBinding, LoadsShippedBindings) {
  for (const char* name : {"dual_galaxy_2host.yaml", "t3k_2proc.yaml", "n300_2proc.yaml"}) {
    RankBindingConfig c = load_rank_binding(kDir + name);
    ASSERT_EQ(c.ranks.size(), 2u) << name;
    EXPECT_EQ(c.ranks[1].rank, 1);
    EXPECT_EQ(c.ranks[1].mesh_host_rank, 1);
    EXPECT_EQ(c.cluster_path.front(), '/');
  }
  RankBindingConfig n300 = load_rank_binding(kDir + "n300_2proc.yaml");
  EXPECT_EQ(n300.cluster_path, std::string(MESHRT_SOURCE_DIR) + "/configs/clusters/n300.json");
  ASSERT_EQ(n300.ranks[1].env_overrides.size(), 1u);
  EXPECT_EQ(n300.ranks[1].env_overrides[0].second, "1");
}

TEST(RankBinding, SortsRanksAndDefaultsHostRank) {
  auto c = parse_rank_binding(
      "rank_bindings:\n  - {rank: 1, mesh_id: 0}\n  - {rank: 0, mesh_id: 0}\n"
      "global_env: {A: x}\nmesh_graph_desc_path: ../clusters/t3k.json\n",
      kDir + "test.yaml");
  EXPECT_EQ(c.ranks[0].rank, 0);
  EXPECT_EQ(c.ranks[0].mesh_host_rank, 1);  // second entry of mesh 0
  EXPECT_EQ(c.ranks[1].mesh_host_rank, 0);
  EXPECT_EQ(c.global_env, (EnvList{{"A", "x"}}));
}

const std::string kCluster = "mesh_graph_desc_path: ../clusters/t3k.json\n";

TEST(RankBinding, RejectsEachProblemWithFileAndField) {
  const auto bad = ErrorCode::kInvalidArgument;
  expect_error(bad, "rank_bindings: missing", kCluster);
  expect_error(bad, "rank_bindings: expected a non-empty list", "rank_bindings: []\n" + kCluster);
  expect_error(bad, "rank_bindings[1].rank: rank 0 is bound more than once",
               "rank_bindings:\n  - {rank: 0, mesh_id: 0}\n  - {rank: 0, mesh_id: 0}\n" + kCluster);
  expect_error(bad, "rank 1 is missing",
               "rank_bindings:\n  - {rank: 0, mesh_id: 0}\n  - {rank: 2, mesh_id: 0}\n" + kCluster);
  expect_error(bad, "rank_bindings[0].mesh_id: missing",
               "rank_bindings:\n  - {rank: 0}\n" + kCluster);
  expect_error(bad, "rank_bindings[0].rank: must be >= 0",
               "rank_bindings:\n  - {rank: -1, mesh_id: 0}\n" + kCluster);
  expect_error(bad, "rank_bindings[0].mesh_id: expected a non-negative integer, got 'x'",
               "rank_bindings:\n  - {rank: 0, mesh_id: x}\n" + kCluster);
  expect_error(bad, "mesh_host_rank 0 is used twice in mesh_id 3",
               "rank_bindings:\n  - {rank: 0, mesh_id: 3, mesh_host_rank: 0}\n"
               "  - {rank: 1, mesh_id: 3, mesh_host_rank: 0}\n" +
                   kCluster);
  expect_error(bad, "rank_bindings[0].env_overrides.1BAD: not a valid environment variable name",
               "rank_bindings:\n  - {rank: 0, mesh_id: 0, env_overrides: {1BAD: x}}\n" + kCluster);
  expect_error(bad, "global_env: a variable name must be a plain string",
               "rank_bindings:\n  - {rank: 0, mesh_id: 0}\nglobal_env: {[a, b]: c}\n" + kCluster);
  expect_error(bad, "global_env: expected a map",
               "rank_bindings:\n  - {rank: 0, mesh_id: 0}\nglobal_env: [a]\n" + kCluster);
  expect_error(bad, "mesh_graph_desc_path: missing", "rank_bindings:\n  - {rank: 0, mesh_id: 0}\n");
  expect_error(ErrorCode::kNotFound, "mesh_graph_desc_path: cluster file",
               "rank_bindings:\n  - {rank: 0, mesh_id: 0}\nmesh_graph_desc_path: nope.json\n");
  expect_error(bad, "not valid YAML", "rank_bindings: [ {rank: 0\n");
  expect_error(ErrorCode::kNotFound, "mesh_graph_desc_path: cluster file",
               "rank_bindings:\n  - {rank: 0, mesh_id: 0}\nmesh_graph_desc_path: " +
                   std::string(5000, 'x') + "\n");
}

TEST(RankBinding, MissingFileIsNotFound) {
  meshrt::testing::expect_error([&] { load_rank_binding("/nonexistent/x.yaml"); },
                                ErrorCode::kNotFound, "/nonexistent/x.yaml");
}

}  // namespace
}  // namespace meshrt::launcher
