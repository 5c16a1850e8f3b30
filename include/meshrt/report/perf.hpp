// Per-op performance rows: what `ttrt perf` writes to ops_perf_results.csv, the Chrome trace
// and the SVG timeline.
//
// One OpPerfRow per op per chip. Host times are MEASURED (std::chrono::steady_clock, ns since
// its epoch, around the op on the rank that owns the chip); device times are MODELLED by the
// cost model (cost_model.hpp), in ns of the chip's modelled clock since the program started.
// A row names its op by (program_index, op_index) so that attributes, shapes and locs are read
// from the binary only when a report is written: recording a row is a few stores.
//
// Plain value types and pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/catalog/op_catalog.hpp"

namespace meshrt::report {

// How an op is costed and coloured in the timeline: the op catalogue's cost family.
using OpFamily = catalog::CostFamily;
using catalog::to_string;

// The catalogue's cost family of a TTIR op name (without "ttir."); unknown names count as
// kEltwise.
OpFamily op_family(std::string_view op_name);

struct OpPerfRow {
  uint32_t program_index = 0;      // program owning the op (a callee for ops inside a call)
  uint32_t op_index = 0;           // index into that program's ops
  uint64_t global_call_count = 0;  // 1-based op sequence number of the run (same on each chip)
  uint32_t loop = 0;               // which --loops iteration (set by the CLI)
  uint32_t device_id = 0;
  int32_t rank = 0;  // MPI rank that owns the chip
  OpFamily family = OpFamily::kEltwise;
  uint32_t core_count = 0;     // Tensix cores the model assumes busy (0: none, e.g. host transfer)
  uint64_t host_start_ns = 0;  // measured
  uint64_t host_end_ns = 0;    // measured
  uint64_t device_start_ns = 0;  // modelled
  uint64_t device_end_ns = 0;    // modelled
  uint64_t op_to_op_ns = 0;      // modelled: idle time on the chip since its previous op ended
  uint64_t compute_ns = 0;       // modelled roofline terms of the op (PM COMPUTE / PM BANDWIDTH)
  uint64_t bandwidth_ns = 0;
  bool ccl_ring = false;   // collectives: modelled as a ring (else a line)
  uint32_t ccl_links = 0;  // collectives and permutes: Ethernet links used per neighbour pair
  uint64_t device_duration_ns() const { return device_end_ns - device_start_ns; }
  uint64_t host_duration_ns() const { return host_end_ns - host_start_ns; }
};

// Modelled device time of a program: the end of the latest chip (the critical chip).
struct PerfTotals {
  uint64_t device_duration_ns = 0;  // max over chips of device_end_ns (modelled)
  uint32_t critical_device = 0;     // the chip that ends last
  uint64_t device_busy_ns = 0;      // sum of op durations on the critical chip (modelled)
  uint64_t rows = 0;
};
PerfTotals perf_totals(const std::vector<OpPerfRow>& rows);

// The op a row describes. Throws Error(kInvalidArgument) if the binary has no such op.
const binary::Op& op_of(const binary::Binary& binary, const OpPerfRow& row);

// Serialisation for moving rows between ranks: a flat array of integers per row.
std::vector<uint64_t> rows_to_words(const std::vector<OpPerfRow>& rows);
// Throws Error(kInvalidArgument) if `words` is not a whole number of rows.
std::vector<OpPerfRow> rows_from_words(const std::vector<uint64_t>& words);

}  // namespace meshrt::report
