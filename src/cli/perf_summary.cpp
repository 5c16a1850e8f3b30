#include "perf_summary.hpp"

#include <fmt/format.h>

namespace meshrt::cli {

json perf_totals_json(const runtime::ProgramResult& r, double host_seconds, uint32_t loops) {
  report::PerfTotals t = report::perf_totals(r.perf);
  return {{"device_duration_ns", t.device_duration_ns},
          {"critical_device", t.critical_device},
          {"critical_device_busy_ns", t.device_busy_ns},
          {"host_duration_ns", static_cast<uint64_t>(host_seconds * 1e9)},
          {"loops", loops},
          {"perf_rows", t.rows},
          {"device_time", "modelled"},
          {"host_time", "measured"}};
}

std::string perf_summary_line(const runtime::ProgramResult& r, double host_seconds,
                              uint32_t loops) {
  report::PerfTotals t = report::perf_totals(r.perf);
  return fmt::format(
      "  perf: modelled device time {:.3f} us (critical chip {}), host {:.3f} s "
      "(measured, {} loop{})",
      static_cast<double>(t.device_duration_ns) / 1e3, t.critical_device, host_seconds, loops,
      loops == 1 ? "" : "s");
}

}  // namespace meshrt::cli
