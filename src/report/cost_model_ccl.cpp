// Collectives over the mesh's links (see docs/perf-model.md, "Collectives").
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

#include "meshrt/common/error.hpp"
#include "meshrt/report/cost_model.hpp"

namespace meshrt::report {

namespace {

uint64_t round_up_ns(double ns) {
  if (ns <= 0) return 0;
  return static_cast<uint64_t>(std::ceil(ns - 1e-9));
}

size_t host_of(const ClusterDesc& cluster, DeviceId cd) {
  MeshCoordinate c = cluster.mesh.coord_of(cd);
  for (size_t i = 0; i < cluster.hosts.size(); ++i)
    if (cluster.hosts[i].box.contains(c)) return i;
  return 0;
}

// Bytes the busier direction of link i (between line positions i and i+1) carries, for a
// per-chip input of `s` bytes over a line of n chips. Every chip's data must reach every other
// chip (all_gather: its whole input; reduce_scatter: a piece of s/n per destination, summed on
// the way; all_reduce: a reduce-scatter then an all-gather of the pieces; all_to_all: a piece
// of s/n from every chip on one side to every chip on the other).
double line_link_bytes(Collective kind, size_t i, size_t n, double s) {
  const double left = static_cast<double>(i + 1), right = static_cast<double>(n - 1 - i);
  const double busier = std::max(left, right), pieces = static_cast<double>(n);
  switch (kind) {
    case Collective::kAllGather:
      return busier * s;
    case Collective::kReduceScatter:
      return busier * s / pieces;
    case Collective::kAllReduce:
      return 2.0 * busier * s / pieces;
    case Collective::kAllToAll:
      return left * right * s / pieces;
  }
  return 0;
}

// The same for each link direction of a bidirectional ring of n chips: data goes the shorter
// way, half of it each way round.
double ring_link_bytes(Collective kind, size_t n, double s) {
  const double nn = static_cast<double>(n);
  switch (kind) {
    case Collective::kAllGather:
      return (nn - 1.0) / 2.0 * s;
    case Collective::kReduceScatter:
      return (nn - 1.0) / (2.0 * nn) * s;
    case Collective::kAllReduce:
      return (nn - 1.0) / nn * s;
    case Collective::kAllToAll:
      return std::floor(nn / 2.0) * std::ceil(nn / 2.0) / (2.0 * nn) * s;
  }
  return 0;
}

}  // namespace

FabricConfig parse_fabric_config(std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  for (FabricConfig f : {FabricConfig::kDisabled, FabricConfig::k1D, FabricConfig::k1DRing,
                         FabricConfig::k2D, FabricConfig::k2DTorusX, FabricConfig::k2DTorusY,
                         FabricConfig::k2DTorusXY, FabricConfig::kCustom}) {
    if (t == to_string(f)) return f;
  }
  raise(ErrorCode::kInvalidArgument,
        fmt::format("--fabric-config '{}' is not one of disabled, fabric_1d, fabric_1d_ring, "
                    "fabric_2d, fabric_2d_torus_x, fabric_2d_torus_y, fabric_2d_torus_xy, custom",
                    text));
}

std::string_view to_string(FabricConfig fabric) {
  switch (fabric) {
    case FabricConfig::kDisabled:
      return "disabled";
    case FabricConfig::k1D:
      return "fabric_1d";
    case FabricConfig::k1DRing:
      return "fabric_1d_ring";
    case FabricConfig::k2D:
      return "fabric_2d";
    case FabricConfig::k2DTorusX:
      return "fabric_2d_torus_x";
    case FabricConfig::k2DTorusY:
      return "fabric_2d_torus_y";
    case FabricConfig::k2DTorusXY:
      return "fabric_2d_torus_xy";
    case FabricConfig::kCustom:
      return "custom";
  }
  return "fabric_1d";
}

bool fabric_ring_on_axis(FabricConfig fabric, uint32_t axis) {
  switch (fabric) {
    case FabricConfig::k1DRing:
    case FabricConfig::k2DTorusXY:
      return true;
    case FabricConfig::k2DTorusX:  // wraps along X: the lines of a mesh row (axis 1)
      return axis == 1;
    case FabricConfig::k2DTorusY:
      return axis == 0;
    default:
      return false;
  }
}

ChipLink chip_link(const ClusterDesc& cluster, DeviceId a, DeviceId b, uint32_t max_links,
                   const CostParams& params) {
  ChipLink l;
  const uint32_t physical = link_count(cluster, a, b);
  l.crosses_hosts = cluster.hosts.size() > 1 && host_of(cluster, a) != host_of(cluster, b);
  if (physical > 0) {
    l.links = std::min(physical, std::max<uint32_t>(max_links, 1));
    l.bandwidth_gbs = l.links * cluster.chip.eth_bandwidth_gbs;
    l.latency_ns = cluster.chip.eth_hop_latency_ns;
  } else if (l.crosses_hosts) {
    l.bandwidth_gbs = cluster.host_bandwidth_gbs;
    l.latency_ns = params.host_latency_ns;
  } else {
    const MeshCoordinate pa = cluster.mesh.coord_of(a), pb = cluster.mesh.coord_of(b);
    const uint32_t hops =
        static_cast<uint32_t>(std::abs(static_cast<int>(pa.row) - static_cast<int>(pb.row)) +
                              std::abs(static_cast<int>(pa.col) - static_cast<int>(pb.col)));
    l.bandwidth_gbs = cluster.chip.eth_bandwidth_gbs;
    l.latency_ns = std::max<uint32_t>(hops, 1) * cluster.chip.eth_hop_latency_ns;
  }
  return l;
}

uint32_t links_wanted(const binary::Op& op, const ClusterDesc& cluster, const CostParams& params) {
  const int64_t attr = op.int_attr_or("num_links", 0);
  if (attr > 0) return static_cast<uint32_t>(std::min<int64_t>(attr, 1 << 16));
  if (params.num_links > 0) return params.num_links;
  return std::max<uint32_t>(cluster.chip.ccl_links, 1);
}

OpCost model_line_collective(const binary::Op& op, const binary::TensorDesc& in,
                             const binary::TensorDesc& out, const ClusterDesc& cluster,
                             std::span<const DeviceId> line, const CostParams& params) {
  OpCost c;
  c.family = OpFamily::kCollective;
  const std::optional<Collective> kind = collective_of(op.name);
  if (!kind) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("op '{}' at {} is not a collective the cost model knows", op.name, op.loc));
  }
  const double in_bytes = tensor_device_bytes(in, params);
  const size_t n = line.size();
  if (n <= 1) {  // nothing to send: a local copy
    c.memory_ns = (in_bytes + tensor_device_bytes(out, params)) / cluster.chip.dram_bandwidth_gbs;
    c.duration_ns = round_up_ns(c.memory_ns);
    return c;
  }
  const ArchCalibration& cal = arch_calibration(cluster.chip.arch);
  const CollectiveFit& fit = cal.fit(*kind);
  const uint32_t want = links_wanted(op, cluster, params);
  std::vector<ChipLink> links;
  for (size_t i = 0; i + 1 < n; ++i)
    links.push_back(chip_link(cluster, line[i], line[i + 1], want, params));
  const uint32_t axis = static_cast<uint32_t>(op.int_attr_or("cluster_axis", 0));
  c.ring = n > 2 && fabric_ring_on_axis(params.fabric, axis) &&
           link_count(cluster, line.front(), line.back()) > 0;
  double steps = 0, hops_ns = 0, traffic_ns = 0, efficiency = 0;
  if (c.ring) {
    links.push_back(chip_link(cluster, line.back(), line.front(), want, params));
    double min_bw = links[0].bandwidth_gbs, max_lat = 0;
    for (const auto& l : links) {
      min_bw = std::min(min_bw, l.bandwidth_gbs);
      max_lat = std::max(max_lat, l.latency_ns);
    }
    steps = static_cast<double>(n) / 2.0;
    hops_ns = steps * max_lat;
    traffic_ns = ring_link_bytes(*kind, n, in_bytes) / min_bw;
    efficiency = fit.efficiency_ring;
  } else {
    steps = static_cast<double>(n - 1);
    for (size_t i = 0; i < links.size(); ++i) {
      traffic_ns = std::max(traffic_ns, line_link_bytes(*kind, i, n, in_bytes) /
                                            links[i].bandwidth_gbs);
      hops_ns += links[i].latency_ns;
    }
    efficiency = n == 2 ? fit.efficiency_pair : fit.efficiency_line;
  }
  c.links = links[0].links;
  for (const auto& l : links) c.links = std::min(c.links, l.links);
  // The fitted step cost holds one hop at the arch's published latency; the cluster's own hop
  // latencies (and host crossings) replace it.
  const double step_ns = c.ring ? fit.ring_step_ns : fit.line_step_ns;
  c.latency_ns = fit.fixed_ns + steps * (step_ns - cal.hop_latency_ns) + hops_ns;
  c.link_ns = traffic_ns / efficiency;
  c.duration_ns = round_up_ns(c.latency_ns + c.link_ns);
  return c;
}

OpCost model_permute(const binary::Op& op, const binary::TensorDesc& in,
                     const ClusterDesc& cluster, DeviceId src, DeviceId dst,
                     const CostParams& params) {
  OpCost c;
  c.family = OpFamily::kCollective;
  const double bytes = tensor_device_bytes(in, params);
  if (src == dst) {
    c.memory_ns = 2.0 * bytes / cluster.chip.dram_bandwidth_gbs;
  } else {
    ChipLink l = chip_link(cluster, src, dst, links_wanted(op, cluster, params), params);
    c.link_ns = bytes / l.bandwidth_gbs;
    c.latency_ns = l.latency_ns;
    c.links = l.links;
  }
  c.duration_ns = round_up_ns(c.memory_ns + c.link_ns + c.latency_ns);
  return c;
}

}  // namespace meshrt::report
