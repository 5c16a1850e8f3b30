// The loop shared by `ttrt run` and `ttrt perf`: every binary, every selected program, --loops
// times, through the runtime API (under MPI only rank 0 runs this; the other ranks serve), with
// run_results.json-style result files. A hook sees each finished program; its result holds
// every rank's perf rows.
#pragma once

#include <functional>
#include <string>

#include "commands.hpp"
#include "meshrt/binary/program.hpp"
#include "meshrt/comm/communicator.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "meshrt/runtime/executor.hpp"
#include "run_report.hpp"

namespace meshrt::cli {

struct FinishedProgram {
  const std::string& file;
  const binary::Binary& bin;
  size_t index;
  const ClusterDesc& cluster;
  const runtime::ProgramResult& result;  // the last loop's, with every loop's perf rows
  double host_seconds;                   // measured over all loops
  std::string subdir = {};               // "submesh_<k>" for --data-parallel, else ""
};

// May add to outcome.details (rank 0) and throw meshrt::Error (the binary then errors).
using ProgramHook = std::function<void(const FinishedProgram& run, ProgramOutcome& outcome)>;

// `mode.perf`: result.perf holds the rows of every loop (OpPerfRow::loop tells which), not only
// the last one's, and program_results get the perf totals.
int run_binaries(const RunOptions& o, comm::Communicator& comm, const ProgramHook& after_program,
                 ReportMode mode);

}  // namespace meshrt::cli
