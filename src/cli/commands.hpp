// One function per ttrt subcommand; app.cpp parses the command line into these options.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "meshrt/comm/communicator.hpp"

namespace meshrt::cli {

struct CompileOptions {
  std::string input;
  std::string output;
  std::string mesh_shape;
  uint64_t seed = 0;
  std::string init = "randn";
  bool no_goldens = false;
  uint64_t golden_budget_mib = 256;
  uint64_t golden_input_limit_mib = 2048;
};

struct ReadOptions {
  std::vector<std::string> paths;
  std::string section = "all";
  std::string result_file = "read_results.json";
  bool ignore_version = false;
  bool quiet = false;
};

struct QueryOptions {
  std::string cluster;
  bool save_artifacts = false;
  std::string artifact_dir = "ttrt-artifacts";
  std::string result_file = "query_results.json";
  bool quiet = false;
};

struct CheckOptions {
  std::vector<std::string> paths;
  std::string system_desc;
  std::string cluster;
  std::string result_file = "check_results.json";
  bool ignore_version = false;
};

struct RunOptions {
  std::vector<std::string> paths;
  std::string program_index = "all";
  uint32_t loops = 1;
  uint64_t seed = 0;
  bool seed_given = false;
  std::string init = "randn";
  bool init_given = false;
  bool identity = false;
  bool disable_golden = false;
  double pcc = 0.99;
  double rtol = 1e-5;
  double atol = 1e-8;
  bool save_golden_tensors = false;
  bool print_tensors = false;
  bool summary = false;
  bool memory = false;
  bool check_memory_leak = false;
  bool save_artifacts = false;
  bool clean_artifacts = false;
  std::string artifact_dir = "ttrt-artifacts";
  std::string result_file = "run_results.json";
  std::string log_file;
  bool ignore_version = false;
  std::string cluster;
  std::string inject_fault;
  std::string debug_leak;
  bool data_parallel = false;  // run on every sub-mesh of the program's shape tiling the cluster
  bool debugger = false;       // interactive step mode on rank 0 (stdin)
};

int cmd_compile(const CompileOptions& o, comm::Communicator& comm);
int cmd_read(const ReadOptions& o, comm::Communicator& comm);
int cmd_query(const QueryOptions& o, comm::Communicator& comm);
int cmd_check(const CheckOptions& o, comm::Communicator& comm);
int cmd_run(const RunOptions& o, comm::Communicator& comm);

// `ttrt perf`: the flags of `run` plus --host-only (no modelled device columns or chip tracks).
struct PerfOptions {
  RunOptions run;
  bool host_only = false;
  PerfOptions() { run.result_file = "perf_results.json"; }
};
int cmd_perf(const PerfOptions& o, comm::Communicator& comm);

}  // namespace meshrt::cli
