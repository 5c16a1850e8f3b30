// The cost model: a modelled device duration for every op, from the chip and link parameters
// of a ClusterDesc. The formulas and their sources are in docs/perf-model.md; every number the
// model uses is either a ClusterDesc field or a CostParams field below.
//
//  - compute ops (matmul family): roofline, max(FLOPs / peak, DRAM bytes / bandwidth), with
//    the peak and the bandwidth scaled to the Tensix cores the op can use (one per output tile);
//  - every other device op: DRAM bytes / bandwidth;
//  - collectives: a bidirectional line (or ring, when the line's ends are linked) over the
//    mesh's real links: link_count * eth bandwidth per neighbour pair, eth hop latency per hop,
//    host-to-host bandwidth where neighbours sit on different hosts without an Ethernet link;
//  - mesh_shard: shard bytes over PCIe between host and chip.
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "meshrt/report/perf.hpp"

namespace meshrt::report {

// The fabric the collectives run over (ttrt's --fabric-config, tt-metal's FabricConfig): 1D
// fabrics move a collective along a line of its axis, the ring variants close the line into a
// ring where its two ends are linked; disabled leaves no fabric, so collectives cannot run.
enum class FabricConfig { kDisabled, k1D, k1DRing, k2D, k2DTorusX, k2DTorusY, k2DTorusXY, kCustom };
// Case-insensitive "disabled", "fabric_1d", "fabric_1d_ring", "fabric_2d", "fabric_2d_torus_x",
// "fabric_2d_torus_y", "fabric_2d_torus_xy", "custom"; Error(kInvalidArgument) otherwise.
FabricConfig parse_fabric_config(std::string_view text);
std::string_view to_string(FabricConfig fabric);
// Whether a collective along mesh axis `axis` (0: rows move, i.e. a column line; 1: a row
// line) may use the ring closing its line under `fabric`.
bool fabric_ring_on_axis(FabricConfig fabric, uint32_t axis);

// Parameters the ClusterDesc does not carry (see docs/perf-model.md for the sources).
struct CostParams {
  double pcie_bandwidth_gbs = 32.0;         // host <-> chip, PCIe 4.0 x16 (n150/n300 cards)
  double noc_bytes_per_cycle = 32.0;        // per Tensix core: one 256-bit NoC read per cycle
  double host_latency_ns = 5000.0;          // one host-to-host message (assumption, see the doc)
  double tile_dim = 32.0;                   // TILE layout pads the last two dims to 32
  FabricConfig fabric = FabricConfig::k1D;  // ttrt's --fabric-config (tt-metal's default)
};

struct OpCost {
  uint64_t duration_ns = 0;  // what the chip's clock advances by (rounded up, >= 1 for work)
  double compute_ns = 0;     // roofline terms, for reports and tests
  double memory_ns = 0;
  double link_ns = 0;     // collectives: bandwidth term over the links
  double latency_ns = 0;  // collectives: hop latencies
  uint32_t core_count = 0;
  OpFamily family = OpFamily::kEltwise;
};

// Bytes a tensor occupies on a chip: TILE layout pads the last two dims to tile_dim.
double tensor_device_bytes(const binary::TensorDesc& desc, const CostParams& params = {});
// FLOPs of a matmul-family op (2 per multiply-add); 0 for other ops.
double op_flops(const binary::Op& op, std::span<const binary::TensorDesc* const> inputs,
                std::span<const binary::TensorDesc* const> outputs);
// Peak matmul FLOP/s of a whole chip for a dtype: matmul_tflops_bf16 for bf16/f16 (and the
// integer types), half of it for f32 (HiFi4 fidelity, fp32 accumulation in DST).
double peak_flops(const ChipDesc& chip, DataType dtype);

// A non-collective device op on one chip (the same on every chip: shapes are per chip).
OpCost model_device_op(const binary::Op& op, std::span<const binary::TensorDesc* const> inputs,
                       std::span<const binary::TensorDesc* const> outputs, const ChipDesc& chip,
                       const CostParams& params = {});

// The connection between two chips of a program's mesh, as the model sees it.
struct ChipLink {
  double bandwidth_gbs = 0;  // per direction
  double latency_ns = 0;
  uint32_t links = 0;  // Ethernet links between the chips (0: not neighbours)
  bool crosses_hosts = false;
};

// Program-mesh devices `a` and `b` mapped onto `cluster`: the program mesh sits at the
// cluster's origin (device (r, c) is cluster device (r, c)) when it fits, else devices keep
// their linear ids. Neighbours with links: links * eth bandwidth, one hop of eth latency.
// Chips on different cluster hosts without a link: host bandwidth and host latency. Chips of
// one host without a direct link: one link's bandwidth, eth latency per mesh hop.
ChipLink chip_link(const ClusterDesc& cluster, const MeshShape& mesh, DeviceId a, DeviceId b,
                   const CostParams& params = {});

// A line collective (all_gather, reduce_scatter, all_reduce) over `line` (devices in line
// order, as meshrt::line_through gives them). `in`/`out`: per-chip tensors.
OpCost model_line_collective(const binary::Op& op, const binary::TensorDesc& in,
                             const binary::TensorDesc& out, const ClusterDesc& cluster,
                             const MeshShape& mesh, std::span<const DeviceId> line,
                             const CostParams& params = {});

// collective_permute from `src` to `dst` (src == dst: a local copy).
OpCost model_permute(const binary::TensorDesc& in, const ClusterDesc& cluster,
                     const MeshShape& mesh, DeviceId src, DeviceId dst,
                     const CostParams& params = {});

// mesh_shard: `bytes_moved` over PCIe (0 for identity or a chip whose shard is not read).
OpCost model_host_transfer(double bytes_moved, const CostParams& params = {});

}  // namespace meshrt::report
