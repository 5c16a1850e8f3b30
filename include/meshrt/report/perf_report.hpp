// Perf reports from OpPerfRows: tt-metal's ops_perf_results.csv, a Chrome Trace Event file
// (opens in Perfetto / chrome://tracing) and an SVG timeline of one program run.
//
// Columns and tracks say what is MODELLED (device times, from the cost model) and what is
// MEASURED (host times, steady_clock). Rows name their op by (program_index, op_index) in
// `bin`; rows naming an op the binary does not have throw Error(kInvalidArgument).
// Pure functions returning file contents; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "meshrt/report/perf.hpp"

namespace meshrt::report {

// What PROGRAM_METADATA records of the run besides the loop and program (ttrt's keys).
struct PerfMetadata {
  std::string fabric_config = "fabric_1d";
  bool enable_program_cache = true;
  bool disable_eth_dispatch = false;
  uint32_t dump_device_rate = 1000;
};

// The CSV header, in column order: tt-metal's ops_perf_results.csv columns as ttrt prints them
// (with `inputs` groups INPUT_<i>_*, at least one) and ttrt's LOC, CONST_EVAL_OP,
// INPUT_LAYOUT_CONVERSION_OP and PROGRAM_METADATA. Cells with no meaning on the simulator
// (kernel sources, RISC-V timers, trace ids) stay empty.
std::vector<std::string> ops_perf_csv_columns(size_t inputs = 1);

// The cells of one row, in column order, unquoted. `host_only`: device columns left empty.
std::vector<std::string> ops_perf_cells(const binary::Binary& bin, const ChipDesc& chip,
                                        const OpPerfRow& row, bool host_only,
                                        const PerfMetadata& meta = {}, size_t inputs = 1);

// One CSV line per row (plus the header, with as many INPUT groups as the widest op).
// `host_only`: device columns left empty.
std::string ops_perf_csv(const binary::Binary& bin, const ChipDesc& chip,
                         const std::vector<OpPerfRow>& rows, bool host_only,
                         const PerfMetadata& meta = {});

// tt-metal's ATTRIBUTES text: {'key': 'value'; ...} in key order.
std::string format_attributes(const binary::Op& op);

// Chrome trace JSON: process "chips (modelled device time)" with a thread per chip and process
// "ranks (measured host time)" with a thread per rank; loops follow each other in time.
std::string chrome_trace_json(const binary::Binary& bin, const std::vector<OpPerfRow>& rows,
                              bool host_only);

// SVG timeline of the last loop's rows: a lane per chip, ops coloured by family, collectives
// outlined and marked by a dashed line across the lanes.
std::string timeline_svg(const binary::Binary& bin, size_t program_index,
                         const std::vector<OpPerfRow>& rows);

}  // namespace meshrt::report
