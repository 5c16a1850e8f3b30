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

// Where a program-mesh device sits in the cluster (see chip_link).
DeviceId to_cluster(const ClusterDesc& cluster, const MeshShape& mesh, DeviceId d) {
  if (mesh == cluster.mesh) return d;
  if (mesh.rows <= cluster.mesh.rows && mesh.cols <= cluster.mesh.cols) {
    return cluster.mesh.device_at(mesh.coord_of(d));
  }
  return d;
}

size_t host_of(const ClusterDesc& cluster, DeviceId cd) {
  MeshCoordinate c = cluster.mesh.coord_of(cd);
  for (size_t i = 0; i < cluster.hosts.size(); ++i)
    if (cluster.hosts[i].box.contains(c)) return i;
  return 0;
}

// Time to stream `shards` pieces of `piece_bytes` over each link of a bidirectional line,
// where the link between positions i and i+1 carries max(i+1, n-1-i) pieces in its busier
// direction. Returns {bandwidth term, latency from one end to the other}.
std::pair<double, double> line_times(const std::vector<ChipLink>& links, double piece_bytes) {
  const size_t n = links.size() + 1;
  double bw_ns = 0, lat_ns = 0;
  for (size_t i = 0; i < links.size(); ++i) {
    const double pieces = static_cast<double>(std::max(i + 1, n - 1 - i));
    if (links[i].bandwidth_gbs > 0)
      bw_ns = std::max(bw_ns, pieces * piece_bytes / links[i].bandwidth_gbs);
    lat_ns += links[i].latency_ns;
  }
  return {bw_ns, lat_ns};
}

// A bidirectional ring: every piece goes the shorter way, ceil((n-1)/2) pieces per direction
// on the slowest link, and as many hops.
std::pair<double, double> ring_times(const std::vector<ChipLink>& links, double piece_bytes) {
  const size_t n = links.size();  // a ring of n chips has n links
  const double steps = std::ceil(static_cast<double>(n - 1) / 2.0);
  double min_bw = links[0].bandwidth_gbs, max_lat = 0;
  for (const auto& l : links) {
    min_bw = std::min(min_bw, l.bandwidth_gbs);
    max_lat = std::max(max_lat, l.latency_ns);
  }
  return {min_bw > 0 ? steps * piece_bytes / min_bw : 0, steps * max_lat};
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

ChipLink chip_link(const ClusterDesc& cluster, const MeshShape& mesh, DeviceId a, DeviceId b,
                   const CostParams& params) {
  ChipLink l;
  const DeviceId ca = to_cluster(cluster, mesh, a), cb = to_cluster(cluster, mesh, b);
  l.links = link_count(cluster, ca, cb);
  l.crosses_hosts = cluster.hosts.size() > 1 && host_of(cluster, ca) != host_of(cluster, cb);
  if (l.links > 0) {
    l.bandwidth_gbs = l.links * cluster.chip.eth_bandwidth_gbs;
    l.latency_ns = cluster.chip.eth_hop_latency_ns;
  } else if (l.crosses_hosts) {
    l.bandwidth_gbs = cluster.host_bandwidth_gbs;
    l.latency_ns = params.host_latency_ns;
  } else {
    const MeshCoordinate pa = mesh.coord_of(a), pb = mesh.coord_of(b);
    const uint32_t hops =
        static_cast<uint32_t>(std::abs(static_cast<int>(pa.row) - static_cast<int>(pb.row)) +
                              std::abs(static_cast<int>(pa.col) - static_cast<int>(pb.col)));
    l.bandwidth_gbs = cluster.chip.eth_bandwidth_gbs;
    l.latency_ns = std::max<uint32_t>(hops, 1) * cluster.chip.eth_hop_latency_ns;
  }
  return l;
}

OpCost model_line_collective(const binary::Op& op, const binary::TensorDesc& in,
                             const binary::TensorDesc& out, const ClusterDesc& cluster,
                             const MeshShape& mesh, std::span<const DeviceId> line,
                             const CostParams& params) {
  OpCost c;
  c.family = OpFamily::kCollective;
  const double in_bytes = tensor_device_bytes(in, params);
  const double out_bytes = tensor_device_bytes(out, params);
  const double dram = cluster.chip.dram_bandwidth_gbs;
  const size_t n = line.size();
  if (n <= 1) {  // nothing to send: a local copy
    c.memory_ns = (in_bytes + out_bytes) / dram;
    c.duration_ns = round_up_ns(c.memory_ns);
    return c;
  }
  std::vector<ChipLink> links;
  for (size_t i = 0; i + 1 < n; ++i)
    links.push_back(chip_link(cluster, mesh, line[i], line[i + 1], params));
  const uint32_t axis = static_cast<uint32_t>(op.int_attr_or("cluster_axis", 0));
  const bool ring = n > 2 && fabric_ring_on_axis(params.fabric, axis) &&
                    link_count(cluster, to_cluster(cluster, mesh, line.front()),
                               to_cluster(cluster, mesh, line.back())) > 0;
  if (ring) links.push_back(chip_link(cluster, mesh, line.back(), line.front(), params));
  auto times = [&](double piece) {
    return ring ? ring_times(links, piece) : line_times(links, piece);
  };

  const double piece = in_bytes / static_cast<double>(n);  // reduce_scatter piece
  if (op.name == "all_gather") {
    auto [bw, lat] = times(in_bytes);
    c.link_ns = bw;
    c.latency_ns = lat;
  } else {  // reduce_scatter and all_reduce start with a reduce-scatter of the input
    auto [bw, lat] = times(piece);
    c.link_ns = bw;
    c.latency_ns = lat;
    // Each chip adds the n-1 partial pieces it receives: read two, write one per piece.
    c.memory_ns = 3.0 * piece * static_cast<double>(n - 1) / dram;
    if (op.name == "all_reduce") {
      auto [bw2, lat2] = times(piece);
      c.link_ns += bw2;
      c.latency_ns += lat2;
    }
  }
  c.duration_ns = round_up_ns(c.link_ns + c.latency_ns + c.memory_ns);
  return c;
}

OpCost model_permute(const binary::TensorDesc& in, const ClusterDesc& cluster,
                     const MeshShape& mesh, DeviceId src, DeviceId dst, const CostParams& params) {
  OpCost c;
  c.family = OpFamily::kCollective;
  const double bytes = tensor_device_bytes(in, params);
  if (src == dst) {
    c.memory_ns = 2.0 * bytes / cluster.chip.dram_bandwidth_gbs;
  } else {
    ChipLink l = chip_link(cluster, mesh, src, dst, params);
    c.link_ns = bytes / l.bandwidth_gbs;
    c.latency_ns = l.latency_ns;
  }
  c.duration_ns = round_up_ns(c.memory_ns + c.link_ns + c.latency_ns);
  return c;
}

}  // namespace meshrt::report
