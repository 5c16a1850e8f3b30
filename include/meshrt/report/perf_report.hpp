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

// The CSV header, in column order.
std::vector<std::string> ops_perf_csv_columns();

// The cells of one row, in column order, unquoted. `host_only`: device columns left empty.
std::vector<std::string> ops_perf_cells(const binary::Binary& bin, const ChipDesc& chip,
                                        const OpPerfRow& row, bool host_only);

// One CSV line per row (plus the header). `host_only`: device columns left empty.
std::string ops_perf_csv(const binary::Binary& bin, const ChipDesc& chip,
                         const std::vector<OpPerfRow>& rows, bool host_only);

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
