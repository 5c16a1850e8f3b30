#include "launcher/host_topology.hpp"

#include <fmt/format.h>
#include <hwloc.h>

#include <algorithm>

#include "meshrt/common/error.hpp"

namespace meshrt::launcher {

HostTopology detect_host_topology() {
  HostTopology host;
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0) return host;
  if (hwloc_topology_load(topology) == 0) {
    host.cores = std::max(1, hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE));
    host.numa_nodes = std::max(1, hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_NUMANODE));
  }
  hwloc_topology_destroy(topology);
  return host;
}

BindTo parse_bind_to(const std::string& text) {
  if (text == "auto") return BindTo::kAuto;
  if (text == "none") return BindTo::kNone;
  if (text == "core") return BindTo::kCore;
  if (text == "numa") return BindTo::kNuma;
  raise(ErrorCode::kInvalidArgument,
        fmt::format("--bind-to: expected none, core, numa or auto, got '{}'", text));
}

namespace {

BindingChoice bind_none(std::string reason) { return {{"--bind-to", "none"}, std::move(reason)}; }

BindingChoice bind_numa(int ranks_per_host, const HostTopology& host) {
  return {{"--map-by", "numa", "--bind-to", "numa"},
          fmt::format("{} ranks per host over {} NUMA domains: each rank bound to a NUMA domain",
                      ranks_per_host, host.numa_nodes)};
}

BindingChoice bind_cores(int ranks_per_host, const HostTopology& host) {
  int per_rank = host.cores / ranks_per_host;
  std::string map = per_rank > 1 ? fmt::format("slot:PE={}", per_rank) : "core";
  return {{"--map-by", map, "--bind-to", "core"},
          fmt::format("{} ranks per host over {} cores: each rank bound to {} core{}",
                      ranks_per_host, host.cores, per_rank, per_rank > 1 ? "s" : "")};
}

}  // namespace

BindingChoice choose_binding(BindTo requested, int ranks_per_host, const HostTopology& host) {
  switch (requested) {
    case BindTo::kNone:
      return bind_none("--bind-to none requested");
    case BindTo::kNuma:
      return bind_numa(ranks_per_host, host);
    case BindTo::kCore:
      if (ranks_per_host > host.cores) {
        raise(ErrorCode::kInvalidArgument,
              fmt::format("--bind-to core: {} ranks per host do not fit on {} cores (use "
                          "--bind-to none or fewer ranks)",
                          ranks_per_host, host.cores));
      }
      return bind_cores(ranks_per_host, host);
    case BindTo::kAuto:
      break;
  }
  if (ranks_per_host <= 1) return bind_none("one rank per host: the rank may use every core");
  if (ranks_per_host > host.cores) {
    return bind_none(fmt::format("{} ranks per host exceed {} cores: oversubscribed, not bound",
                                 ranks_per_host, host.cores));
  }
  if (host.numa_nodes > 1 && host.numa_nodes >= ranks_per_host) {
    return bind_numa(ranks_per_host, host);
  }
  return bind_cores(ranks_per_host, host);
}

}  // namespace meshrt::launcher
