// Bad cluster descriptions: each error has the right code and a message naming the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

#include "common/expect_error.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/mesh/cluster.hpp"

namespace meshrt {
namespace {

using meshrt::testing::expect_error;

void expect_bad_text(const std::string& text, const std::vector<std::string>& fragments) {
  expect_error([&] { cluster_from_json_text(text, "bad.json"); }, ErrorCode::kInvalidArgument,
               fragments);
}

ClusterDesc two_host_t3k() {
  ClusterDesc c = builtin_cluster("t3k");
  c.hosts = {HostDesc{"left", MeshBox{{0, 0}, {2, 2}}}, HostDesc{"right", MeshBox{{0, 2}, {2, 2}}}};
  return c;
}

TEST(ValidateCluster, BuiltinsAreValid) {
  for (const std::string& name : builtin_cluster_names())
    EXPECT_NO_THROW(validate_cluster(builtin_cluster(name))) << name;
  EXPECT_NO_THROW(validate_cluster(two_host_t3k()));
}

TEST(ValidateCluster, OverlappingHostBoxes) {
  ClusterDesc c = two_host_t3k();
  c.hosts[1].box.offset.col = 1;
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument,
               {"t3k", "'right'", "overlaps", "'left'"});
}

TEST(ValidateCluster, BoxOutsideMesh) {
  ClusterDesc c = two_host_t3k();
  c.hosts[1].box.offset.col = 3;
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument,
               {"'right'", "2x2@(0,3)", "outside", "2x4"});
}

TEST(ValidateCluster, BoxesMustCoverMesh) {
  ClusterDesc c = two_host_t3k();
  c.hosts.pop_back();
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument,
               {"cover 4 of the 8 devices"});
  c.hosts.clear();
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument, {"no hosts"});
}

TEST(ValidateCluster, DuplicateHostName) {
  ClusterDesc c = two_host_t3k();
  c.hosts[1].name = "left";
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument, {"'left'", "twice"});
}

TEST(ValidateCluster, BadLinks) {
  ClusterDesc c = builtin_cluster("t3k");
  c.links.push_back({DeviceId{2}, DeviceId{8}, 1});
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument,
               {"link 2-8", "outside", "0..7"});
  c = builtin_cluster("t3k");
  c.links.push_back({DeviceId{5}, DeviceId{5}, 1});
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument, {"link 5-5", "itself"});
  c = builtin_cluster("t3k");
  c.links[0].count = 0;
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument, {"count 0"});
  c = builtin_cluster("t3k");
  c.links.push_back({c.links[0].b, c.links[0].a, 1});
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument, {"listed twice"});
}

TEST(ValidateCluster, ChipRegionsMustFit) {
  ClusterDesc c = builtin_cluster("n150");
  c.chip.l1_small_bytes = c.chip.l1_bytes_per_core + 1;
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument, {"l1_small_bytes"});
  c = builtin_cluster("n150");
  c.chip.dram_channels = 0;
  expect_error([&] { validate_cluster(c); }, ErrorCode::kInvalidArgument, {"dram_channels"});
}

TEST(ClusterJsonErrors, MissingField) {
  expect_bad_text(R"({"mesh": [1, 2]})", {"bad.json", "'name'", "missing"});
  expect_bad_text(R"({"name": "x"})", {"bad.json", "'mesh'", "missing"});
  expect_bad_text(R"({"name": "x", "mesh": [1, 2], "hosts": [{"name": "h", "shape": [1, 2]}]})",
                  {"'hosts[0].offset'", "missing"});
}

TEST(ClusterJsonErrors, WrongTypes) {
  expect_bad_text(R"({"name": "x", "mesh": [1, -2]})", {"'mesh[1]'", "non-negative integer"});
  expect_bad_text(R"({"name": "x", "mesh": "1y2"})", {"'mesh'", "1y2"});
  expect_bad_text(R"({"name": "x", "mesh": [1, 2], "chip": {"grid_x": 8.5}})",
                  {"'chip.grid_x'", "integer"});
  expect_bad_text(R"({"name": "x", "mesh": [1, 2], "chip": {"clock_ghz": "fast"}})",
                  {"'chip.clock_ghz'", "number"});
  expect_bad_text(R"({"name": "x", "mesh": [1, 2], "links": {"a": 0}})", {"'links'", "array"});
  expect_bad_text(R"([1, 2])", {"bad.json", "object"});
}

TEST(ClusterJsonErrors, UnknownFieldIsRejected) {
  expect_bad_text(R"({"name": "x", "mesh": [1, 2], "chip": {"dram_chanels": 12}})",
                  {"'chip.dram_chanels'", "unknown field"});
  expect_bad_text(R"({"name": "x", "mesh": [1, 2], "mesh_shape": [1, 2]})",
                  {"'mesh_shape'", "unknown field"});
}

TEST(ClusterJsonErrors, BadLinkInFile) {
  expect_bad_text(R"({"name": "x", "mesh": [1, 2], "links": [{"a": 0, "b": 2}]})",
                  {"bad.json", "link 0-2", "outside"});
  expect_bad_text(R"({"name": "x", "mesh": [1, 2], "links": [{"a": 0, "b": 1}, {"a": 1, "b": 0}]})",
                  {"'links[1]'", "listed twice"});
}

TEST(ClusterJsonErrors, OverlappingHostsInFile) {
  expect_bad_text(R"({"name": "x", "mesh": [1, 2], "hosts": [
      {"name": "a", "offset": [0, 0], "shape": [1, 2]},
      {"name": "b", "offset": [0, 1], "shape": [1, 1]}]})",
                  {"bad.json", "'b'", "overlaps"});
}

TEST(ClusterJsonErrors, MalformedJson) {
  expect_bad_text(R"({"name": "x", "mesh": [1, 2],)", {"bad.json", "malformed JSON"});
  expect_bad_text("", {"bad.json", "malformed JSON"});
}

TEST(LoadCluster, MissingFileIsNotFound) {
  expect_error([] { load_cluster("/nonexistent/dir/cluster.json"); }, ErrorCode::kNotFound,
               {"/nonexistent/dir/cluster.json", "not found"});
}

TEST(LoadCluster, ErrorsNameTheFile) {
  auto path = std::filesystem::temp_directory_path() /
              ("meshrt_cluster_test_" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    out << R"({"name": "x", "mesh": [2, 2], "chip": {"grid_y": "eight"}})";
  }
  expect_error([&] { load_cluster(path.string()); }, ErrorCode::kInvalidArgument,
               {path.string(), "'chip.grid_y'"});
  std::filesystem::remove(path);
}

TEST(HostIndexOf, DeviceOutsideMesh) {
  expect_error([] { host_index_of(builtin_cluster("n300"), DeviceId{2}); }, ErrorCode::kNotFound,
               {"device 2"});
}

}  // namespace
}  // namespace meshrt
