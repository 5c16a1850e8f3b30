// Cluster descriptions: what one chip looks like, how chips are wired by Ethernet and which host
// (MPI rank) owns which box of the mesh.
//
// A ClusterDesc is a plain value (copyable, no hidden state, safe to share read-only between
// threads). It comes from a built-in table (builtin_cluster) or a JSON file under
// configs/clusters (load_cluster). Every function here is thread-safe; the loaders only read the
// given file.
//
// JSON format (all sizes in bytes, bandwidths in GB/s = 1e9 bytes per second):
//   {
//     "name": "t3k",
//     "mesh": [2, 4],                      // or "2x4"
//     "chip": { "grid_x": 8, ... },        // optional; missing fields keep ChipDesc defaults
//     "grid_link_count": 2,                // optional: links between every row/column neighbour
//     "links": [ {"a": 0, "b": 1, "count": 2} ],  // optional; replaces a grid link's count
//     "hosts": [ {"name": "host0", "offset": [0, 0], "shape": [2, 4]} ],  // optional
//     "host_bandwidth_gbs": 25.0           // optional
//   }
// Unknown fields are rejected, so a typo never silently falls back to a default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "meshrt/mesh/mesh.hpp"

namespace meshrt {

// The chip architectures meshrt models ("wormhole_b0", "blackhole"); the cost model has a
// calibration for each (docs/perf-model.md).
const std::vector<std::string>& known_archs();

// One chip. Defaults describe a Wormhole n150-class chip (one Wormhole ASIC); blackhole_chip()
// gives a Blackhole p150-class one.
struct ChipDesc {
  std::string arch = "wormhole_b0";
  uint32_t grid_x = 8;  // Tensix worker cores along x (compute grid columns)
  uint32_t grid_y = 8;  // Tensix worker cores along y (compute grid rows)
  // L1 SRAM per Tensix core, in bytes (Wormhole: 1464 KiB). One L1 bank per worker core.
  uint64_t l1_bytes_per_core = 1464 * 1024;
  uint32_t dram_channels = 12;                   // DRAM banks per chip (Wormhole: 12 x 1 GiB)
  uint64_t dram_bytes_per_channel = 1ull << 30;  // bytes per DRAM bank
  // Bytes per core carved from L1 for the L1_SMALL region (tt-mlir's runtime opens devices with
  // an l1_small_size of 32 KiB). The L1 bank keeps l1_bytes_per_core - l1_small_bytes.
  uint64_t l1_small_bytes = 32 * 1024;
  // Bytes per chip reserved in DRAM for traces, split evenly over the DRAM banks (0 = no trace
  // region, as tt-metal's default trace_region_size).
  uint64_t trace_region_bytes = 0;
  double clock_ghz = 1.0;  // Tensix AI clock, GHz
  // Whole-chip DRAM bandwidth a kernel reaches, GB/s: 92% of the n150's 288 GB/s (tt-metal's
  // "Saturating DRAM bandwidth" report reaches over 92% on Wormhole).
  double dram_bandwidth_gbs = 265.0;
  double eth_bandwidth_gbs = 12.5;  // per Ethernet link, per direction, GB/s (100 Gb/s)
  // One chip-to-chip hop over the 1D fabric, ns (tt-metal CCL report: 711 ns on Wormhole).
  double eth_hop_latency_ns = 711.0;
  // Peak dense matmul throughput for BF16 at HiFi2 fidelity (what tt-metal's out-of-box matmul
  // uses for BF16), TFLOP/s: 4096 FLOPs per cycle per core at LoFi, halved at HiFi2, times
  // 64 cores at 1 GHz (tt-metal GEMM_FLOPS report). f32 runs at HiFi4, half of this.
  double matmul_tflops_bf16 = 131.072;
  // Ethernet links a collective uses between two neighbours unless the op sets num_links (the
  // physical count caps it): tt-metal's CCLs default to 1 on Wormhole; its Blackhole CCL
  // report ran on 2.
  uint32_t ccl_links = 1;

  friend bool operator==(const ChipDesc&, const ChipDesc&) = default;
};

// `count` parallel Ethernet links between two neighbouring chips (undirected; a < b after
// loading or building).
struct EthLink {
  DeviceId a;
  DeviceId b;
  uint32_t count = 1;
  friend bool operator==(const EthLink&, const EthLink&) = default;
};

// The part of the mesh one host (one MPI rank) owns.
struct HostDesc {
  std::string name;
  MeshBox box;
  friend bool operator==(const HostDesc&, const HostDesc&) = default;
};

struct ClusterDesc {
  std::string name;  // "n150", "n300", "t3k", "galaxy", "dual_galaxy", "default", or a file's
  MeshShape mesh;
  ChipDesc chip;
  // Physical neighbours, sorted by (a, b) with a < b, at most one entry per pair.
  std::vector<EthLink> links;
  // Hosts in rank order; the default is one host owning the whole mesh.
  std::vector<HostDesc> hosts;
  double host_bandwidth_gbs = 25.0;  // host-to-host bandwidth for chips on different hosts, GB/s

  friend bool operator==(const ClusterDesc&, const ClusterDesc&) = default;
};

// Reads and validates a cluster JSON file. Throws Error(kNotFound) if the file cannot be
// opened, Error(kInvalidArgument) naming the file and the field for anything malformed.
ClusterDesc load_cluster(const std::string& path);

// Parses and validates JSON text; `source_name` names the text in error messages.
ClusterDesc cluster_from_json_text(std::string_view text, const std::string& source_name);

// Writes a description as JSON (explicit link list) that cluster_from_json_text reads back to
// an equal ClusterDesc.
std::string cluster_to_json_text(const ClusterDesc& cluster);

// A Blackhole p150-class chip: 13x10 Tensix cores at 1.35 GHz, 8 GDDR6 channels (32 GB),
// 25 GB/s per Ethernet link per direction, 515 ns per 1D fabric hop, CCLs on 2 links
// (sources in docs/perf-model.md).
ChipDesc blackhole_chip();

// Built-in clusters: "n150" (1x1), "n300" (1x2, 2 links), "t3k" (2x4, 2 links per neighbour),
// "galaxy" (8x4, 4 links per neighbour), "dual_galaxy" (8x8 over two hosts of 8x4 each),
// "default" (= galaxy under the name "default"), all Wormhole; "bh_loudbox" (2x4 Blackhole
// p150 chips, 2 links per neighbour). Throws Error(kNotFound) for other names.
ClusterDesc builtin_cluster(const std::string& name);
std::vector<std::string> builtin_cluster_names();

// Links between every row and column neighbour of `mesh` (no wrap-around), `count` each,
// sorted by (a, b).
std::vector<EthLink> grid_links(const MeshShape& mesh, uint32_t count);

// The largest cluster meshrt simulates.
inline constexpr uint32_t kMaxClusterSide = 1u << 16;
inline constexpr uint64_t kMaxClusterChips = uint64_t{1} << 20;

// Checks: the arch is one of known_archs(); mesh and chip sizes non-zero and at most the limits above; L1_SMALL fits in L1 and the
// trace region in DRAM; hosts non-empty, uniquely named, inside the mesh, non-overlapping and
// covering it; links between distinct existing devices, count >= 1, no pair twice. Throws
// Error(kInvalidArgument) naming what is wrong.
void validate_cluster(const ClusterDesc& cluster);

// Number of Ethernet links between `a` and `b` (either order); 0 if they are not neighbours.
uint32_t link_count(const ClusterDesc& cluster, DeviceId a, DeviceId b);

// Index into cluster.hosts of the host owning `device`. Throws Error(kNotFound) if none does.
size_t host_index_of(const ClusterDesc& cluster, DeviceId device);

}  // namespace meshrt
