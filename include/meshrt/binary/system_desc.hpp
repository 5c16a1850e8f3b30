// The system description (.ttsys): a cluster description plus the real CPU topology of the
// hosts, read with hwloc. Written by `ttrt query --save-artifacts`, read by `ttrt read` and
// `ttrt check --system-desc`.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/mesh/cluster.hpp"

namespace meshrt::binary {

struct HostCpu {
  std::string hostname;
  uint32_t packages = 0;
  uint32_t numa_nodes = 0;
  uint32_t cores = 0;
  uint32_t pus = 0;  // hardware threads
};

struct SystemDesc {
  Version version;
  ClusterDesc cluster;
  std::vector<HostCpu> host_cpus;  // one per cluster host, in order (as far as discovered)
};

// This machine's topology from hwloc. Throws Error(kInternal) if hwloc fails.
HostCpu discover_host_cpu();

std::vector<uint8_t> serialize_system_desc(const SystemDesc& desc);
// Verifies like deserialize() for binaries. Throws Error(kInvalidArgument) for bad bytes.
SystemDesc deserialize_system_desc(std::span<const uint8_t> bytes, const std::string& name);
bool looks_like_system_desc(std::span<const uint8_t> bytes);

// The cluster of a file's bytes, told apart by content: a .ttsys system description (`ttrt
// query --save-artifacts`) or a cluster JSON (configs/clusters). `name` names the file in errors.
ClusterDesc cluster_from_bytes(std::span<const uint8_t> bytes, const std::string& name);
// cluster_from_bytes() of a file; Error(kNotFound) when it cannot be read.
ClusterDesc load_cluster_file(const std::string& path);
SystemDesc load_system_desc_file(const std::string& path);

}  // namespace meshrt::binary
