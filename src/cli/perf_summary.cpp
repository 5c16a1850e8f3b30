#include "perf_summary.hpp"

#include <fmt/format.h>

#include <set>

#include "meshrt/report/cost_model.hpp"

namespace meshrt::cli {

json perf_totals_json(const runtime::ProgramResult& r, double host_seconds, uint32_t loops,
                      bool host_only) {
  report::PerfTotals t = report::perf_totals(r.perf);
  json j = {{"host_duration_ns", static_cast<uint64_t>(host_seconds * 1e9)},
            {"loops", loops},
            {"perf_rows", t.rows},
            {"host_time", "measured"}};
  if (host_only) {
    j["device_time"] = "not modelled (--host-only)";
    return j;
  }
  j["device_duration_ns"] = t.device_duration_ns;
  j["critical_device"] = t.critical_device;
  j["critical_device_busy_ns"] = t.device_busy_ns;
  j["device_time"] = "modelled";
  return j;
}

json cost_model_json(const ClusterDesc& cluster, const std::string& fabric_config,
                     const binary::Binary& binary, const runtime::ProgramResult& r) {
  const report::CostParams defaults;
  json collectives = json::array();
  std::set<std::pair<uint32_t, uint32_t>> seen;
  for (const report::OpPerfRow& row : r.perf) {
    if (row.loop != 0 || row.family != report::OpFamily::kCollective) continue;
    if (!seen.insert({row.program_index, row.op_index}).second) continue;
    const binary::Op& op = report::op_of(binary, row);
    collectives.push_back({{"op", op.name},
                           {"loc", op.loc},
                           {"topology", row.ccl_ring ? "ring" : "line"},
                           {"links", row.ccl_links}});
  }
  return {{"cluster", cluster.name},
          {"arch", cluster.chip.arch},
          {"fabric_config", fabric_config},
          {"ccl_links", cluster.chip.ccl_links},
          {"eth_bandwidth_gbs", cluster.chip.eth_bandwidth_gbs},
          {"op_to_op_ns", defaults.op_to_op_ns},
          {"calibration", "tt-metal CCL and GEMM reports (docs/perf-model.md)"},
          {"collectives", collectives}};
}

std::string perf_summary_line(const runtime::ProgramResult& r, double host_seconds, uint32_t loops,
                              bool host_only) {
  const std::string host = fmt::format("host {:.3f} s (measured, {} loop{})", host_seconds, loops,
                                       loops == 1 ? "" : "s");
  if (host_only) return "  perf: " + host;
  report::PerfTotals t = report::perf_totals(r.perf);
  return fmt::format("  perf: modelled device time {:.3f} us (critical chip {}), {}",
                     static_cast<double>(t.device_duration_ns) / 1e3, t.critical_device, host);
}

}  // namespace meshrt::cli
