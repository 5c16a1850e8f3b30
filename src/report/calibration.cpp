// Per-arch calibration of the cost model, fitted by scripts/fit_cost_model.py to the published
// measurements in tests/report/data/published_perf.json (sources and the error at every point:
// docs/perf-model.md). Step costs include one fabric hop of the arch's published latency
// (hop_latency_ns); a cluster whose eth_hop_latency_ns differs moves them by the difference.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "meshrt/common/error.hpp"
#include "meshrt/report/cost_model.hpp"

namespace meshrt::report {

namespace {

// {fixed, line step, ring step (ns), efficiency of a 2-chip line, a longer line, a ring}
constexpr ArchCalibration kWormhole{
    .arch = "wormhole_b0",
    .hop_latency_ns = 711,  // 1D fabric, tt-metal CCL report
    .all_gather = {5236, 1721, 3209, 0.509, 0.937, 0.808},
    .reduce_scatter = {3527, 4106, 4571, 0.661, 0.790, 0.648},
    .all_reduce = {5841, 7575, 8306, 0.571, 0.832, 0.708},
    .all_to_all = {937, 3212, 4166, 0.505, 0.898, 0.663},
    .matmul_fixed_ns = 6500,
    .matmul_efficiency = 0.62,
};

constexpr ArchCalibration kBlackhole{
    .arch = "blackhole",
    .hop_latency_ns = 515,
    .all_gather = {3609, 1263, 2214, 0.869, 0.896, 0.869},
    .reduce_scatter = {1562, 3777, 3105, 0.664, 0.738, 0.772},
    .all_reduce = {4942, 5721, 5114, 0.748, 0.794, 0.801},
    .all_to_all = {1562, 1467, 2166, 0.612, 0.923, 0.698},
    .matmul_fixed_ns = 1750,
    .matmul_efficiency = 0.74,
};

}  // namespace

const CollectiveFit& ArchCalibration::fit(Collective c) const {
  switch (c) {
    case Collective::kAllGather:
      return all_gather;
    case Collective::kReduceScatter:
      return reduce_scatter;
    case Collective::kAllReduce:
      return all_reduce;
    case Collective::kAllToAll:
      return all_to_all;
  }
  return all_gather;
}

const ArchCalibration& arch_calibration(std::string_view arch) {
  for (const ArchCalibration* c : {&kWormhole, &kBlackhole}) {
    if (c->arch == arch) return *c;
  }
  raise(ErrorCode::kInvalidArgument,
        fmt::format("the cost model has no calibration for arch '{}' (known: {})", arch,
                    fmt::join(known_archs(), ", ")));
}

std::optional<Collective> collective_of(std::string_view op_name) {
  if (op_name == "all_gather") return Collective::kAllGather;
  if (op_name == "reduce_scatter") return Collective::kReduceScatter;
  if (op_name == "all_reduce") return Collective::kAllReduce;
  // Mixture-of-experts routing moves rows of one buffer from every chip of the ring to every
  // other: an all_to_all (costed over the buffer each chip fills, every slot routed).
  if (op_name == "all_to_all" || op_name == "all_to_all_dispatch" ||
      op_name == "all_to_all_dispatch_metadata" || op_name == "all_to_all_combine")
    return Collective::kAllToAll;
  return std::nullopt;
}

}  // namespace meshrt::report
