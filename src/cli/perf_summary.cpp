#include "perf_summary.hpp"

#include <fmt/format.h>

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
