// Built-in cluster descriptions, validation and link/host lookups.
//
// Topology facts (tt-metal's mesh graph descriptors, tt_metal/fabric/mesh_graph_descriptors):
// n300 is a 1x2 mesh with 2 Ethernet channels between its chips; T3000 is 8 Wormhole chips as a
// 2x4 mesh (tt-metal lists it as 4x2) with 2 channels per neighbour; a Wormhole Galaxy is an 8x4
// mesh with 4 channels per neighbour; a dual Galaxy is an 8x8 mesh over a 1x2 host grid (each
// host an 8x4 box) whose descriptor asks for 1 channel per neighbour, which we take for the
// cables between the two Galaxies while the links inside each Galaxy keep 4. The Blackhole
// LoudBox is 8 p150 chips as a 2x4 mesh; tt-metal's Blackhole CCL report found 2 links between
// neighbours and a ring over all 8.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "meshrt/common/error.hpp"
#include "meshrt/mesh/cluster.hpp"

namespace meshrt {
namespace {

HostDesc whole_mesh_host(const MeshShape& mesh) {
  return HostDesc{"host0", MeshBox{MeshCoordinate{0, 0}, mesh}};
}

ClusterDesc make_cluster(const std::string& name, MeshShape mesh, uint32_t links_per_neighbour) {
  ClusterDesc cluster;
  cluster.name = name;
  cluster.mesh = mesh;
  cluster.links = grid_links(mesh, links_per_neighbour);
  cluster.hosts = {whole_mesh_host(mesh)};
  return cluster;
}

ClusterDesc dual_galaxy() {
  ClusterDesc cluster = make_cluster("dual_galaxy", MeshShape{8, 8}, 4);
  for (EthLink& link : cluster.links) {
    MeshCoordinate a = cluster.mesh.coord_of(link.a);
    MeshCoordinate b = cluster.mesh.coord_of(link.b);
    if ((a.col < 4) != (b.col < 4)) link.count = 1;  // cable between the two Galaxies
  }
  cluster.hosts = {HostDesc{"host0", MeshBox{MeshCoordinate{0, 0}, MeshShape{8, 4}}},
                   HostDesc{"host1", MeshBox{MeshCoordinate{0, 4}, MeshShape{8, 4}}}};
  return cluster;
}

std::string link_name(const EthLink& link) {
  return fmt::format("link {}-{}", link.a.value, link.b.value);
}

void validate_chip(const ChipDesc& chip, const std::string& where) {
  auto bad = [&](const std::string& what) {
    raise(ErrorCode::kInvalidArgument, fmt::format("cluster '{}': chip: {}", where, what));
  };
  const auto& archs = known_archs();
  if (std::find(archs.begin(), archs.end(), chip.arch) == archs.end())
    bad(fmt::format("arch '{}' is not one of {}", chip.arch, fmt::join(archs, ", ")));
  if (chip.ccl_links == 0) bad("ccl_links must be >= 1");
  if (chip.grid_x == 0 || chip.grid_y == 0)
    bad(fmt::format("grid {}x{} must be non-empty", chip.grid_x, chip.grid_y));
  if (chip.grid_x > 1024 || chip.grid_y > 1024)
    bad(fmt::format("grid {}x{} is larger than 1024 cores per side", chip.grid_x, chip.grid_y));
  if (chip.dram_channels > 1024)
    bad(fmt::format("{} DRAM channels is more than 1024", chip.dram_channels));
  constexpr uint64_t kMaxBankBytes = uint64_t{1} << 48;
  if (chip.l1_bytes_per_core > kMaxBankBytes || chip.dram_bytes_per_channel > kMaxBankBytes ||
      chip.trace_region_bytes > kMaxBankBytes)
    bad("l1_bytes_per_core, dram_bytes_per_channel and trace_region_bytes must be at most 2^48");
  if (chip.l1_bytes_per_core == 0) bad("l1_bytes_per_core must be > 0");
  if (chip.dram_channels == 0) bad("dram_channels must be > 0");
  if (chip.dram_bytes_per_channel == 0) bad("dram_bytes_per_channel must be > 0");
  if (chip.l1_small_bytes > chip.l1_bytes_per_core)
    bad(fmt::format("l1_small_bytes {} exceeds l1_bytes_per_core {}", chip.l1_small_bytes,
                    chip.l1_bytes_per_core));
  if (chip.trace_region_bytes / chip.dram_channels > chip.dram_bytes_per_channel)
    bad(fmt::format("trace_region_bytes {} exceeds the DRAM ({} channels x {} bytes)",
                    chip.trace_region_bytes, chip.dram_channels, chip.dram_bytes_per_channel));
  auto positive = [](double x) { return x > 0 && std::isfinite(x); };
  if (!positive(chip.clock_ghz) || !positive(chip.dram_bandwidth_gbs) ||
      !positive(chip.eth_bandwidth_gbs) || !positive(chip.matmul_tflops_bf16) ||
      !(chip.eth_hop_latency_ns >= 0 && std::isfinite(chip.eth_hop_latency_ns)))
    bad("clock, bandwidths and matmul_tflops_bf16 must be finite and > 0, eth_hop_latency_ns "
        "finite and >= 0");
}

void validate_hosts(const ClusterDesc& cluster) {
  auto bad = [&](const std::string& what) {
    raise(ErrorCode::kInvalidArgument, fmt::format("cluster '{}': {}", cluster.name, what));
  };
  if (cluster.hosts.empty()) bad("no hosts: at least one host must own the mesh");
  std::set<std::string> names;
  uint64_t covered = 0;
  for (size_t i = 0; i < cluster.hosts.size(); ++i) {
    const HostDesc& host = cluster.hosts[i];
    if (host.name.empty()) bad(fmt::format("host {} has an empty name", i));
    if (!names.insert(host.name).second) bad(fmt::format("host name '{}' used twice", host.name));
    const MeshBox& box = host.box;
    if (box.shape.volume() == 0)
      bad(fmt::format("host '{}' box {} is empty", host.name, box.to_string()));
    if (box.offset.row + box.shape.rows > cluster.mesh.rows ||
        box.offset.col + box.shape.cols > cluster.mesh.cols)
      bad(fmt::format("host '{}' box {} lies outside the {} mesh", host.name, box.to_string(),
                      cluster.mesh.to_string()));
    for (size_t j = 0; j < i; ++j)
      if (box.overlaps(cluster.hosts[j].box))
        bad(fmt::format("host '{}' box {} overlaps host '{}' box {}", host.name, box.to_string(),
                        cluster.hosts[j].name, cluster.hosts[j].box.to_string()));
    covered += box.shape.volume();
  }
  if (covered != cluster.mesh.volume())
    bad(fmt::format("host boxes cover {} of the {} devices of the {} mesh", covered,
                    cluster.mesh.volume(), cluster.mesh.to_string()));
}

void validate_links(const ClusterDesc& cluster) {
  auto bad = [&](const std::string& what) {
    raise(ErrorCode::kInvalidArgument, fmt::format("cluster '{}': {}", cluster.name, what));
  };
  std::set<std::pair<uint32_t, uint32_t>> seen;
  for (const EthLink& link : cluster.links) {
    uint32_t n = cluster.mesh.volume();
    if (link.a.value >= n || link.b.value >= n)
      bad(fmt::format("{} names a device outside the {} mesh (devices 0..{})", link_name(link),
                      cluster.mesh.to_string(), n - 1));
    if (link.a == link.b) bad(fmt::format("{} connects a device to itself", link_name(link)));
    if (link.count == 0) bad(fmt::format("{} has count 0 (must be >= 1)", link_name(link)));
    auto key = std::minmax(link.a.value, link.b.value);
    if (!seen.insert(key).second) bad(fmt::format("{} listed twice", link_name(link)));
  }
}

}  // namespace

std::vector<EthLink> grid_links(const MeshShape& mesh, uint32_t count) {
  std::vector<EthLink> links;
  if (count == 0) return links;
  for (uint32_t r = 0; r < mesh.rows; ++r) {
    for (uint32_t c = 0; c < mesh.cols; ++c) {
      DeviceId here = mesh.device_at({r, c});
      if (c + 1 < mesh.cols) links.push_back({here, mesh.device_at({r, c + 1}), count});
      if (r + 1 < mesh.rows) links.push_back({here, mesh.device_at({r + 1, c}), count});
    }
  }
  std::sort(links.begin(), links.end(), [](const EthLink& x, const EthLink& y) {
    return std::pair(x.a, x.b) < std::pair(y.a, y.b);
  });
  return links;
}

std::vector<std::string> builtin_cluster_names() {
  return {"n150", "n300", "t3k", "galaxy", "dual_galaxy", "default", "bh_loudbox"};
}

const std::vector<std::string>& known_archs() {
  static const std::vector<std::string> archs = {"wormhole_b0", "blackhole"};
  return archs;
}

ChipDesc blackhole_chip() {
  ChipDesc chip;
  chip.arch = "blackhole";
  chip.grid_x = 13;  // the compute grid tt-metal's GEMM report uses on a p150
  chip.grid_y = 10;
  chip.l1_bytes_per_core = 1536 * 1024;  // 1.5 MB SRAM per Tensix core
  chip.dram_channels = 8;                // 8 GDDR6 channels, 32 GB
  chip.dram_bytes_per_channel = 4ull << 30;
  chip.clock_ghz = 1.35;
  chip.dram_bandwidth_gbs = 402.5;  // 92% (as on Wormhole) of 3.5 Tb/s
  chip.eth_bandwidth_gbs = 25.0;    // the Blackhole CCL report's line rate per link and direction
  chip.eth_hop_latency_ns = 515.0;  // 1D fabric hop (tt-metal CCL report)
  chip.matmul_tflops_bf16 = 2048.0 * 130 * 1.35 / 1000.0;  // HiFi2: 2048 FLOPs/cycle/core
  chip.ccl_links = 2;
  return chip;
}

ClusterDesc builtin_cluster(const std::string& name) {
  if (name == "n150") return make_cluster(name, MeshShape{1, 1}, 0);
  if (name == "n300") return make_cluster(name, MeshShape{1, 2}, 2);
  if (name == "t3k") return make_cluster(name, MeshShape{2, 4}, 2);
  if (name == "galaxy" || name == "default") return make_cluster(name, MeshShape{8, 4}, 4);
  if (name == "dual_galaxy") return dual_galaxy();
  if (name == "bh_loudbox") {
    ClusterDesc cluster = make_cluster(name, MeshShape{2, 4}, 2);
    cluster.chip = blackhole_chip();
    return cluster;
  }
  raise(ErrorCode::kNotFound, fmt::format("unknown built-in cluster '{}' (known: {})", name,
                                          fmt::join(builtin_cluster_names(), ", ")));
}

void validate_cluster(const ClusterDesc& cluster) {
  if (cluster.name.empty()) raise(ErrorCode::kInvalidArgument, "cluster has an empty name");
  if (cluster.mesh.rows > kMaxClusterSide || cluster.mesh.cols > kMaxClusterSide ||
      uint64_t{cluster.mesh.rows} * cluster.mesh.cols > kMaxClusterChips)
    raise(ErrorCode::kInvalidArgument,
          fmt::format("cluster '{}': mesh {}x{} is larger than meshrt simulates (at most {} per "
                      "side and {} chips)",
                      cluster.name, cluster.mesh.rows, cluster.mesh.cols, kMaxClusterSide,
                      kMaxClusterChips));
  if (cluster.mesh.volume() == 0)
    raise(ErrorCode::kInvalidArgument,
          fmt::format("cluster '{}': mesh {} is empty", cluster.name, cluster.mesh.to_string()));
  validate_chip(cluster.chip, cluster.name);
  validate_hosts(cluster);
  validate_links(cluster);
  if (!(cluster.host_bandwidth_gbs > 0) || !std::isfinite(cluster.host_bandwidth_gbs))
    raise(ErrorCode::kInvalidArgument,
          fmt::format("cluster '{}': host_bandwidth_gbs must be finite and > 0", cluster.name));
}

uint32_t link_count(const ClusterDesc& cluster, DeviceId a, DeviceId b) {
  for (const EthLink& link : cluster.links)
    if ((link.a == a && link.b == b) || (link.a == b && link.b == a)) return link.count;
  return 0;
}

size_t host_index_of(const ClusterDesc& cluster, DeviceId device) {
  MeshCoordinate c = cluster.mesh.coord_of(device);
  if (device.value < cluster.mesh.volume())
    for (size_t i = 0; i < cluster.hosts.size(); ++i)
      if (cluster.hosts[i].box.contains(c)) return i;
  raise(ErrorCode::kNotFound,
        fmt::format("cluster '{}': no host owns device {}", cluster.name, device.value));
}

}  // namespace meshrt
