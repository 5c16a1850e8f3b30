// What tt-run needs to know about a host to bind ranks: counts from hwloc, and the binding
// policy that fits several ranks on it. Plain values; detect_host_topology() is thread-safe.
#pragma once

#include <string>
#include <vector>

namespace meshrt::launcher {

struct HostTopology {
  int cores = 1;       // physical cores (hwloc HWLOC_OBJ_CORE)
  int numa_nodes = 1;  // NUMA domains (hwloc HWLOC_OBJ_NUMANODE)
};

// This machine's topology (remote hosts are assumed to look the same).
HostTopology detect_host_topology();

enum class BindTo { kAuto, kNone, kCore, kNuma };

// Parses "auto", "none", "core" or "numa"; Error(kInvalidArgument) otherwise.
BindTo parse_bind_to(const std::string& text);

struct BindingChoice {
  std::vector<std::string> mpirun_args;  // e.g. {"--map-by", "slot:PE=4", "--bind-to", "core"}
  std::string reason;                    // one line for --dry-run and logs
};

// The policy (see tt-run --help): one rank per host or more ranks than cores -> none; several
// ranks per host and at least as many NUMA domains (> 1) -> numa; otherwise core, each rank
// getting cores / ranks_per_host cores. An explicit request is honoured unless it cannot fit
// (core with more ranks than cores: Error(kInvalidArgument)).
BindingChoice choose_binding(BindTo requested, int ranks_per_host, const HostTopology& host);

}  // namespace meshrt::launcher
