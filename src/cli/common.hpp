// Helpers shared by the ttrt subcommands.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "meshrt/comm/communicator.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::cli {

using nlohmann::json;

// Expands FILE|DIR arguments into files with `extension` (directories recursively, sorted).
// A path that does not exist is returned as is, so the caller reports it per file.
std::vector<std::string> expand_inputs(const std::vector<std::string>& paths,
                                       const std::string& extension);

// Writes pretty JSON atomically (rank 0 only; callers check).
void write_json_file(const std::string& path, const json& value);

// Writes a tensor as .npy; bf16 is saved as exact f32.
void write_npy(const std::string& path, const HostTensor& tensor);

// Rank 0 reads a file and every rank gets its bytes, or every rank gets the same error.
std::vector<uint8_t> read_file_everywhere(comm::Communicator& comm, const std::string& path);

// The cluster to use: --cluster FILE (read on rank 0, shared), else the built-in "default",
// or the smallest built-in cluster with enough chips for `mesh` when "default" is too small.
ClusterDesc choose_cluster(comm::Communicator& comm, const std::string& cluster_path,
                           const MeshShape& mesh);

// spdlog: every line tagged with the rank; level from TTRT_LOGGER_LEVEL; optional file sink.
void setup_logging(int rank, const std::string& log_file);

std::string json_file_name(const std::string& result_file, const std::string& fallback);

}  // namespace meshrt::cli
