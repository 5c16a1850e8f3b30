// One function per ttrt subcommand; app.cpp parses the command line into these options.
//
// The flags are tt-mlir's ttrt flags (tools/ttrt/common/{read,query,check,run,perf}.py), with
// their names and defaults; those that only tune silicon are accepted and have no effect on the
// simulator (listed in `--help` as such). meshrt's own flags are marked "meshrt:".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "meshrt/comm/communicator.hpp"
#include "meshrt/reference/goldens.hpp"

namespace meshrt::cli {

// The flags every subcommand takes.
struct CommonOptions {
  bool clean_artifacts = false;  // remove the artifact dir first
  bool save_artifacts = false;   // binaries, tensors, reports under the artifact dir
  // Default: $TT_MLIR_HOME/ttrt-artifacts when TT_MLIR_HOME is set, else ./ttrt-artifacts
  // (absolute, as ttrt records it).
  std::string artifact_dir;
  std::string log_file;     // every line the logger prints, on every rank (F.rank<N> for N > 0)
  std::string result_file;  // default: <subcommand>_results.json
};

// The artifact dir when --artifact-dir is not given (see CommonOptions::artifact_dir).
std::string default_artifact_dir();

struct CompileOptions {
  std::string input;
  std::string output;
  std::string mesh_shape;
  uint64_t seed = 0;
  std::string init = "randn";
  bool no_goldens = false;
  uint64_t golden_budget_mib = 256;
  uint64_t golden_input_limit_mib = reference::kDefaultInputLimitBytes >> 20;
};

struct ReadOptions {
  CommonOptions common;
  std::vector<std::string> paths;
  std::string section = "all";
  std::string read_file = "read_sections.json";  // the sections read, as a JSON list ("": none)
  bool ignore_version = false;
  bool quiet = false;  // meshrt: do not print the sections
};

struct QueryOptions {
  CommonOptions common;
  std::string cluster;  // meshrt: cluster JSON or .ttsys (default: $TT_CLUSTER, else built-in)
  bool quiet = false;
  bool disable_eth_dispatch = false;  // no effect on the simulator
};

struct CheckOptions {
  CommonOptions common;
  std::vector<std::string> paths;
  std::string system_desc;  // a .ttsys file or a directory of them
  std::string cluster;      // meshrt: cluster JSON or .ttsys (default: $TT_CLUSTER)
  bool ignore_version = false;
};

struct RunOptions {
  CommonOptions common;
  std::vector<std::string> paths;
  std::string program_index = "all";
  uint32_t loops = 1;
  uint64_t seed = 0;
  bool seed_given = false;
  std::string init = "randn";
  bool init_given = false;
  bool identity = false;
  bool non_zero = false;  // every output must hold a non-zero element
  bool disable_golden = false;
  bool enable_golden = true;  // accepted; goldens are on unless --disable-golden
  double pcc = 0.99;
  double rtol = 1e-5;
  double atol = 1e-8;
  double rtol_allclose = 5e-2;  // program-level output allclose (reported)
  double atol_allclose = 1e-3;
  uint32_t golden_diff_topk = 10;  // differences printed for a failing output
  bool save_golden_tensors = false;
  bool print_tensors = false;
  bool summary = false;  // meshrt
  bool memory = false;
  bool check_memory_leak = false;
  bool ignore_version = false;
  std::string cluster;  // meshrt: cluster JSON or .ttsys (default: $TT_CLUSTER, else built-in)
  std::string inject_fault;
  std::string debug_leak;
  bool data_parallel = false;  // meshrt: every sub-mesh of the program's shape tiling the cluster
  bool debugger = false;       // interactive step mode on rank 0 (stdin)
  // ttrt flags with a meaning on the simulator.
  bool dump_kernels = false;  // no kernels exist to dump or load: a note, no effect
  bool load_kernels = false;
  std::string dirty_tensor_schedule;  // "index:iterations,...": re-upload inputs at those loops
  bool enable_program_cache = true;   // always on, as ttrt's flag (store_true, default true)
  uint64_t trace_region_size = 0;     // bytes of DRAM reserved for traces per chip
  bool benchmark = false;             // 2 loops, no goldens, program 0, e2e times
  uint32_t ones_density = 1;          // --init ones: 1 in N elements is 1, the rest 0
  std::string fabric_config = "fabric_1d";  // CCL topology in the cost model
  bool disable_ttrt_callbacks = false;      // no per-op golden or memory checks
  std::string memory_log_level = "none";    // none | program | operation | any
  // ttrt flags that only tune silicon: accepted, logged at debug level, no effect.
  bool use_loc_for_kernel_name = false;
  std::string kernel_source_dir;
  bool disable_device_address_validation = false;
  bool blocking_cq = false;
  bool disable_swap_binary_operands = false;
  bool disable_read_update_index_for_kv_cache = false;
  bool disable_blackhole_workarounds = false;
  bool disable_eth_dispatch = false;
  uint32_t dump_device_rate = 1000;
  bool enable_perf_trace = false;
};

int cmd_compile(const CompileOptions& o, comm::Communicator& comm);
int cmd_read(const ReadOptions& o, comm::Communicator& comm);
int cmd_query(const QueryOptions& o, comm::Communicator& comm);
int cmd_check(const CheckOptions& o, comm::Communicator& comm);
int cmd_run(const RunOptions& o, comm::Communicator& comm);

// `ttrt perf`: the flags of `run` plus perf's own.
struct PerfOptions {
  RunOptions run;
  bool host_only = false;  // measured host times only: no modelled figures anywhere
  uint32_t port = 0;       // no effect on the simulator (ttrt's tracy port)
  bool emitc = false;      // no effect on the simulator
  // Comma-separated op kinds left out of the extra CSV (ops_perf_results_minus_<...>.csv):
  // const_eval, input_layout_conversion.
  std::string filter;
  PerfOptions() { run.common.result_file = "perf_results.json"; }
};
int cmd_perf(const PerfOptions& o, comm::Communicator& comm);

}  // namespace meshrt::cli
