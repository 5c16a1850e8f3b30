#include "launcher/rank_binding.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "meshrt/common/error.hpp"

namespace meshrt::launcher {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void invalid(const std::string& path, const std::string& field,
                          const std::string& problem) {
  raise(ErrorCode::kInvalidArgument, fmt::format("{}: {}: {}", path, field, problem));
}

bool is_env_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

EnvList read_env_map(const YAML::Node& node, const std::string& path, const std::string& field) {
  EnvList env;
  if (!node || node.IsNull()) return env;
  if (!node.IsMap()) invalid(path, field, "expected a map of NAME: value");
  for (const auto& item : node) {
    if (!item.first.IsScalar()) invalid(path, field, "a variable name must be a plain string");
    std::string name = item.first.Scalar();
    if (!is_env_name(name)) {
      invalid(path, field + "." + name, "not a valid environment variable name");
    }
    if (!item.second.IsScalar()) invalid(path, field + "." + name, "expected a scalar value");
    env.emplace_back(name, item.second.Scalar());
  }
  return env;
}

int read_int(const YAML::Node& node, const std::string& path, const std::string& field) {
  if (!node) invalid(path, field, "missing");
  if (!node.IsScalar()) invalid(path, field, "expected a non-negative integer");
  try {
    int v = node.as<int>();
    if (v < 0) invalid(path, field, fmt::format("must be >= 0, got {}", v));
    return v;
  } catch (const YAML::BadConversion&) {
    invalid(path, field, fmt::format("expected a non-negative integer, got '{}'", node.Scalar()));
  }
}

}  // namespace

RankBindingConfig parse_rank_binding(const std::string& yaml_text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}: line {}: not valid YAML: {}", path, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) invalid(path, "(top level)", "expected a map with rank_bindings");
  RankBindingConfig config;
  config.path = path;
  const YAML::Node list = root["rank_bindings"];
  if (!list) invalid(path, "rank_bindings", "missing");
  if (!list.IsSequence() || list.size() == 0) {
    invalid(path, "rank_bindings", "expected a non-empty list");
  }
  std::map<int, RankBinding> by_rank;
  std::map<int, int> ranks_per_mesh;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = fmt::format("rank_bindings[{}]", i);
    const YAML::Node entry = list[i];
    if (!entry.IsMap()) invalid(path, at, "expected a map with rank and mesh_id");
    RankBinding b;
    b.rank = read_int(entry["rank"], path, at + ".rank");
    b.mesh_id = read_int(entry["mesh_id"], path, at + ".mesh_id");
    b.mesh_host_rank = entry["mesh_host_rank"]
                           ? read_int(entry["mesh_host_rank"], path, at + ".mesh_host_rank")
                           : ranks_per_mesh[b.mesh_id];
    ++ranks_per_mesh[b.mesh_id];
    b.env_overrides = read_env_map(entry["env_overrides"], path, at + ".env_overrides");
    if (by_rank.count(b.rank)) {
      invalid(path, at + ".rank", fmt::format("rank {} is bound more than once", b.rank));
    }
    by_rank[b.rank] = std::move(b);
  }
  const int n = static_cast<int>(by_rank.size());
  for (const auto& [rank, b] : by_rank) {
    if (rank >= n) {
      int missing = 0;
      while (by_rank.count(missing)) ++missing;
      invalid(
          path, "rank_bindings",
          fmt::format("ranks must be 0..{} each exactly once: rank {} is missing", n - 1, missing));
    }
  }
  std::set<std::pair<int, int>> host_ranks;
  for (auto& [rank, b] : by_rank) {
    if (!host_ranks.emplace(b.mesh_id, b.mesh_host_rank).second) {
      invalid(path, fmt::format("rank_bindings (rank {}).mesh_host_rank", rank),
              fmt::format("mesh_host_rank {} is used twice in mesh_id {}", b.mesh_host_rank,
                          b.mesh_id));
    }
    config.ranks.push_back(std::move(b));
  }
  config.global_env = read_env_map(root["global_env"], path, "global_env");
  const YAML::Node cluster = root["mesh_graph_desc_path"];
  if (!cluster || !cluster.IsScalar() || cluster.Scalar().empty()) {
    invalid(path, "mesh_graph_desc_path", "missing (the cluster JSON file, e.g. t3k.json)");
  }
  fs::path cluster_path = cluster.Scalar();
  if (cluster_path.is_relative()) cluster_path = fs::path(path).parent_path() / cluster_path;
  std::error_code ec;  // a name the OS refuses (too long, ...) is a file that does not exist
  cluster_path = fs::absolute(cluster_path, ec).lexically_normal();
  if (ec || !fs::is_regular_file(cluster_path, ec)) {
    raise(ErrorCode::kNotFound, fmt::format("{}: mesh_graph_desc_path: cluster file {} does not "
                                            "exist",
                                            path, cluster_path.string()));
  }
  config.cluster_path = cluster_path.string();
  return config;
}

RankBindingConfig load_rank_binding(const std::string& path) {
  std::ifstream in(path);
  if (!in) raise(ErrorCode::kNotFound, fmt::format("{}: cannot read the rank-binding file", path));
  std::stringstream text;
  text << in.rdbuf();
  return parse_rank_binding(text.str(), path);
}

}  // namespace meshrt::launcher
