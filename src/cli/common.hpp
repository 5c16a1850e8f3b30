// Helpers shared by the ttrt subcommands.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "commands.hpp"

#include "meshrt/cli/cli.hpp"
#include "meshrt/comm/communicator.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::cli {

using nlohmann::json;

// Expands FILE|DIR arguments into files with one of `extensions` (directories recursively,
// sorted). A path that is not a directory is returned as is, so the caller reports it per file.
std::vector<std::string> expand_inputs(const std::vector<std::string>& paths,
                                       const std::vector<std::string>& extensions);

// Writes pretty JSON atomically (rank 0 only; callers check).
void write_json_file(const std::string& path, const json& value);

// Writes a tensor as .npy; bf16 is saved as exact f32.
void write_npy(const std::string& path, const HostTensor& tensor);

// Rank 0 reads a file and every rank gets its bytes, or every rank gets the same error.
std::vector<uint8_t> read_file_everywhere(comm::Communicator& comm, const std::string& path);

// The cluster file a command names: --cluster FILE, else $TT_CLUSTER (what tt-run exports
// from a rank binding or its --cluster), else "" (a built-in cluster).
std::string launch_cluster_path(const std::string& cluster_path);

// The cluster to use: launch_cluster_path() (a cluster JSON or .ttsys, told apart by content,
// read on rank 0 and shared), else the built-in "default", or the smallest built-in cluster
// with enough chips for `mesh` when "default" is too small.
ClusterDesc choose_cluster(comm::Communicator& comm, const std::string& cluster_path,
                           const MeshShape& mesh);


// An error that ends a command: "error: <message>" on stderr (rank 0) and the log file.
void report_error(int rank, const std::string& message);

// Rank 0, before anything runs: --result-file and --log-file must be files that can be written
// (their directory exists and takes a file, they are not directories), --artifact-dir must
// not be a file and, when the command will write artifacts, is created and must take a file.
// Throws Error(kInvalidArgument) naming the flag, the path and the cause.
void preflight_paths(const CommonOptions& o, bool writes_artifacts);

// --dirty-tensor-schedule "index:iterations,...": loop -> input indices (empty text: none).
// Throws Error(kInvalidArgument) naming the bad entry.
std::map<uint32_t, std::vector<uint32_t>> parse_dirty_tensor_schedule(const std::string& text);

std::string json_file_name(const std::string& result_file, const std::string& fallback);

}  // namespace meshrt::cli
