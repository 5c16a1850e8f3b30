// What `ttrt run` reports: per-program verdicts, run_results.json (rewritten atomically after
// each binary), golden_results.json / memory_results.json / .npy artifacts, the exit code.
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

struct ProgramOutcome {
  size_t index = 0;
  std::string name;
  std::string result = "pass";  // pass | test_error (golden/identity) | error
  std::string message;
  json details;
};

struct BinaryOutcome {
  std::string file;
  std::vector<ProgramOutcome> programs;
  std::string error;  // load or execution error (any rank)
  ErrorCode error_code = ErrorCode::kInternal;
};

class RunReport {
 public:
  RunReport(const RunOptions& options, bool controller);

  // Checks a finished program (goldens, identity, leaks), writes its artifacts, prints a line.
  ProgramOutcome program_outcome(const std::string& file, const binary::Binary& bin, size_t index,
                                 const ClusterDesc& cluster, const runtime::ProgramResult& r,
                                 double host_seconds);
  // Records a binary and rewrites the result file.
  void add_binary(BinaryOutcome outcome);
  // Prints the summary and returns the exit code.
  int finish();
  // Artifacts of the next programs go under run/<subdir>/program_<i> ("" = run/program_<i>),
  // e.g. "submesh_2" for --data-parallel.
  void set_subdir(std::string subdir) { subdir_ = std::move(subdir); }

 private:
  std::string program_dir(const std::string& file, size_t index) const;
  void write_artifacts(const binary::Binary& bin, size_t index, const runtime::ProgramResult& r,
                       const std::string& dir);

  const RunOptions& o_;
  bool controller_;
  json results_ = json::array();
  int passed_ = 0, golden_failed_ = 0, errored_ = 0;
  std::string subdir_;
};

}  // namespace meshrt::cli
