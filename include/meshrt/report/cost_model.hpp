// The cost model: a modelled device duration for every op, from the chip and link parameters
// of a ClusterDesc and a per-arch calibration fitted to published Tenstorrent measurements.
// The formulas, their sources and the error against every published point are in
// docs/perf-model.md; every number the model uses is a ClusterDesc field, a CostParams field
// or an ArchCalibration entry below.
//
//  - matmul family: a fixed start-up plus the roofline max(FLOPs / (peak * efficiency),
//    DRAM bytes / bandwidth), peak and bandwidth scaled to the Tensix cores the op can use;
//  - every other device op: DRAM bytes / bandwidth;
//  - collectives (all_gather, reduce_scatter, all_reduce, all_to_all): a fixed start-up, a cost
//    per step (n-1 on a line, n/2 on a ring, one fabric hop each) and the traffic of the busiest
//    link over the links used (ccl_links or num_links, capped by the physical count) at the
//    calibrated fraction of the line rate; a ring when the fabric allows it and the line's ends
//    are linked; host-to-host bandwidth and latency where neighbours sit on different hosts
//    without an Ethernet link;
//  - mesh_shard: shard bytes over PCIe between host and chip;
//  - every device op and collective is preceded by the op-to-op dispatch gap.
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
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
  // Links a collective uses per neighbour pair when the op has no num_links attribute; 0: the
  // chip's ccl_links. The physical link count caps it.
  uint32_t num_links = 0;
  // Idle time before every device op while the host dispatches it (untraced); an assumption
  // within the "single-digit microseconds" tt-metal describes, see the doc.
  double op_to_op_ns = 5000.0;
};

// The collectives with a calibrated model.
enum class Collective { kAllGather, kReduceScatter, kAllReduce, kAllToAll };
// "all_gather", "reduce_scatter", "all_reduce", "all_to_all"; nullopt for other names.
std::optional<Collective> collective_of(std::string_view op_name);

// One collective's fit to the published kernel times of an arch (docs/perf-model.md).
struct CollectiveFit {
  double fixed_ns = 0;      // start-up of one call
  double line_step_ns = 0;  // per step of a line (n-1 steps), one fabric hop included
  double ring_step_ns = 0;  // per step of a ring (n/2 steps), one fabric hop included
  // Fraction of the links' line rate the busiest link reaches: a line of two chips, a longer
  // line, a ring.
  double efficiency_pair = 1;
  double efficiency_line = 1;
  double efficiency_ring = 1;
};

struct ArchCalibration {
  std::string_view arch;
  double hop_latency_ns = 0;  // the fabric hop the step costs include (that arch's figure)
  CollectiveFit all_gather, reduce_scatter, all_reduce, all_to_all;
  double matmul_fixed_ns = 0;    // start-up of one matmul
  double matmul_efficiency = 1;  // fraction of the peak FLOP/s the matmul reaches
  const CollectiveFit& fit(Collective c) const;
};
// The calibration of a chip arch (one of known_archs()); Error(kInvalidArgument) otherwise.
const ArchCalibration& arch_calibration(std::string_view arch);

struct OpCost {
  uint64_t duration_ns = 0;  // what the chip's clock advances by (rounded up, >= 1 for work)
  double compute_ns = 0;     // roofline terms, for reports and tests
  double memory_ns = 0;
  double link_ns = 0;     // collectives: traffic of the busiest link over its usable bandwidth
  double latency_ns = 0;  // collectives: start-up, steps and hops
  uint32_t core_count = 0;
  OpFamily family = OpFamily::kEltwise;
  bool ring = false;   // collectives: ran as a ring (else a line)
  uint32_t links = 0;  // collectives and permutes: links used between neighbours
};

// Bytes a tensor occupies on a chip: TILE layout pads the last two dims to tile_dim.
double tensor_device_bytes(const binary::TensorDesc& desc, const CostParams& params = {});
// FLOPs of a matmul-family op (2 per multiply-add); 0 for other ops.
double op_flops(const binary::Op& op, std::span<const binary::TensorDesc* const> inputs,
                std::span<const binary::TensorDesc* const> outputs);
// Peak matmul FLOP/s of a whole chip for a dtype: matmul_tflops_bf16 (HiFi2) for bf16/f16 (and
// the integer types), half of it for f32 (HiFi4 fidelity, fp32 accumulation in DST).
double peak_flops(const ChipDesc& chip, DataType dtype);

// A non-collective device op on one chip (the same on every chip: shapes are per chip).
OpCost model_device_op(const binary::Op& op, std::span<const binary::TensorDesc* const> inputs,
                       std::span<const binary::TensorDesc* const> outputs, const ChipDesc& chip,
                       const CostParams& params = {});

// The connection between two chips of the cluster, as the model sees it.
struct ChipLink {
  double bandwidth_gbs = 0;  // per direction, over the links used
  double latency_ns = 0;
  uint32_t links = 0;  // Ethernet links used between the chips (0: not neighbours)
  bool crosses_hosts = false;
};

// Cluster devices `a` and `b` (physical ids), using at most `max_links` of their links.
// Neighbours: min(links, max_links) * eth bandwidth, one hop of eth latency. Chips on different
// cluster hosts without a link: host bandwidth and host latency. Chips of one host without a
// direct link: one link's bandwidth, eth latency per mesh hop between them.
ChipLink chip_link(const ClusterDesc& cluster, DeviceId a, DeviceId b, uint32_t max_links,
                   const CostParams& params = {});

// The links a collective or permute uses per neighbour pair: the op's num_links attribute,
// else params.num_links, else the chip's ccl_links.
uint32_t links_wanted(const binary::Op& op, const ClusterDesc& cluster, const CostParams& params);

// A collective (collective_of(op.name) must be set) over `line`: cluster devices (physical ids)
// in line order. `in`/`out`: per-chip tensors.
OpCost model_line_collective(const binary::Op& op, const binary::TensorDesc& in,
                             const binary::TensorDesc& out, const ClusterDesc& cluster,
                             std::span<const DeviceId> line, const CostParams& params = {});

// collective_permute from cluster device `src` to `dst` (src == dst: a local copy).
OpCost model_permute(const binary::Op& op, const binary::TensorDesc& in,
                     const ClusterDesc& cluster, DeviceId src, DeviceId dst,
                     const CostParams& params = {});

// mesh_shard: `bytes_moved` over PCIe (0 for identity or a chip whose shard is not read).
OpCost model_host_transfer(double bytes_moved, const CostParams& params = {});

}  // namespace meshrt::report
