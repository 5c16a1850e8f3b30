// Totals of a program's perf rows for result files and the one-line summary `ttrt run` and
// `ttrt perf` print. Device time is modelled (cost model), host time measured.
#pragma once

#include <string>

#include "common.hpp"
#include "meshrt/runtime/executor.hpp"

namespace meshrt::cli {

// {"device_duration_ns" (modelled, critical chip, one loop), "critical_device",
//  "critical_device_busy_ns", "host_duration_ns" (measured, all loops), "loops", "perf_rows",
//  "device_time": "modelled", "host_time": "measured"}; with `host_only` the modelled figures
// are left out ("device_time": "not modelled (--host-only)").
json perf_totals_json(const runtime::ProgramResult& r, double host_seconds, uint32_t loops,
                      bool host_only = false);

// What the cost model assumed, so that a user can change it and compare: {"cluster", "arch",
// "fabric_config", "ccl_links" (the chip's default), "op_to_op_ns", "eth_bandwidth_gbs",
// "calibration" (where the fitted constants come from), "collectives": one entry per
// collective op of the program's first loop, {"op", "loc", "topology" ("line" or "ring"),
// "links"}}.
json cost_model_json(const ClusterDesc& cluster, const std::string& fabric_config,
                     const binary::Binary& binary, const runtime::ProgramResult& r);

// "  perf: modelled device time 12.345 us (critical chip 3), host 0.042 s (measured, 1 loop)"
// (with `host_only`: the host time alone).
std::string perf_summary_line(const runtime::ProgramResult& r, double host_seconds, uint32_t loops,
                              bool host_only = false);

}  // namespace meshrt::cli
