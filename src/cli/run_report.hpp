// What `ttrt run` and `ttrt perf` report, in ttrt's shapes (tools/ttrt/common/run.py, util.py,
// callback.py), meshrt's own figures under a separate "meshrt" key:
//   run_results.json   one entry per binary {file_path, result, exception, log_file, artifacts,
//                      program_index, program_results: {program_index_N: {loop_K: {...}}},
//                      meshrt: {cluster, programs: {program_index_N: details}}}, rewritten
//                      atomically after each binary;
//   golden_results.json {loc("...") as MLIR prints it: {device id: metrics}} per program and
//                      memory_results.json {op counter: {loc, debug_str, dram, l1, l1_small,
//                      trace}} (device 0, as ttrt; every chip under "meshrt_devices"), both
//                      with --save-artifacts; .npy inputs and outputs with --save-artifacts;
//   the exit code (0 all pass, 42 only golden failures, 1 anything else).
// Only rank 0 writes or prints; other ranks keep the bookkeeping so verdicts agree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/binary/program.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/runtime/executor.hpp"

namespace meshrt::cli {

// One loop of a program, as program_results records it.
struct LoopTiming {
  uint64_t submit_ns = 0;  // measured: the run, from submit until its outputs are on rank 0
};

struct ProgramOutcome {
  size_t index = 0;
  std::string name;
  std::string result = "pass";  // pass | test_error (golden/identity/non-zero) | error
  std::string message;
  json details;  // meshrt's figures for this program
  json loops;    // ttrt's program_results entry: {loop_K: {...}}
};

struct BinaryOutcome {
  std::string file;
  std::string cluster;  // the cluster its programs ran on ("" if none ran)
  std::vector<ProgramOutcome> programs;
  std::string error;  // load or execution error (any rank)
  ErrorCode error_code = ErrorCode::kInternal;
  // ttrt's "skip": the binary was not run (another version, no such program index).
  bool skipped = false;
};

// How `ttrt perf` differs from `ttrt run` in the report.
struct ReportMode {
  bool perf = false;       // program_results get the perf totals (ttnn API and device kernel)
  bool host_only = false;  // perf --host-only: no modelled figure anywhere
};

class RunReport {
 public:
  RunReport(const RunOptions& options, bool controller, ReportMode mode = {});

  // Checks a finished program (goldens, identity, non-zero, leaks), writes its artifacts,
  // prints a line. `loops` holds one timing per loop run.
  ProgramOutcome program_outcome(const std::string& file, const binary::Binary& bin, size_t index,
                                 const ClusterDesc& cluster, const runtime::ProgramResult& r,
                                 const std::vector<LoopTiming>& loops);
  // Records a binary and rewrites the result file.
  void add_binary(BinaryOutcome outcome);
  // Prints the summary and returns the exit code.
  int finish();
  // Artifacts of the next programs go under run/<subdir>/program_<i> ("" = run/program_<i>),
  // e.g. "submesh_2" for --data-parallel.
  void set_subdir(std::string subdir) { subdir_ = std::move(subdir); }
  // <artifact-dir>/<binary file name>/run[/<subdir>]/program_<index>
  std::string program_dir(const std::string& file, size_t index) const;

 private:
  void write_artifacts(const binary::Binary& bin, size_t index, const runtime::ProgramResult& r,
                       const std::string& dir);
  json loop_results(const runtime::ProgramResult& r, const std::vector<LoopTiming>& loops) const;

  const RunOptions& o_;
  bool controller_;
  ReportMode mode_;
  json results_ = json::array();
  int passed_ = 0, golden_failed_ = 0, errored_ = 0;
  std::string subdir_;
};

}  // namespace meshrt::cli
