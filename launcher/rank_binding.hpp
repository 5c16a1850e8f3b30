// Rank-binding files for tt-run, in tt-metal's shape:
//   rank_bindings: [{rank: 0, mesh_id: 0, mesh_host_rank: 0, env_overrides: {K: V}}, ...]
//   global_env: {K: V}
//   mesh_graph_desc_path: ../clusters/dual_galaxy.json   (a meshrt cluster JSON file)
// The launcher only validates and forwards: the chips each rank owns are decided by the
// runtime from the cluster's host boxes. Plain values, no shared state.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace meshrt::launcher {

using EnvList = std::vector<std::pair<std::string, std::string>>;  // in file order

struct RankBinding {
  int rank = 0;
  int mesh_id = 0;
  int mesh_host_rank = 0;  // defaults to the rank's position among its mesh's ranks
  EnvList env_overrides;
};

struct RankBindingConfig {
  std::string path;                // the YAML file, as given
  std::vector<RankBinding> ranks;  // sorted: ranks[i].rank == i
  EnvList global_env;
  std::string cluster_path;  // mesh_graph_desc_path, absolute (resolved next to the YAML)
};

// Parses and validates YAML text; `path` names the file in messages and anchors relative
// cluster paths. Throws Error(kInvalidArgument) "PATH: FIELD: problem" for a malformed file,
// a rank missing or repeated, a mesh_host_rank repeated within a mesh_id or a bad env name;
// Error(kNotFound) when the cluster file does not exist.
RankBindingConfig parse_rank_binding(const std::string& yaml_text, const std::string& path);

// Reads `path` and parses it; Error(kNotFound) when it cannot be read.
RankBindingConfig load_rank_binding(const std::string& path);

}  // namespace meshrt::launcher
