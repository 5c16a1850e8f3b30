// `ttrt run`: rank 0 walks the binaries and runs each program through the public runtime API
// (tt::runtime); under MPI the other ranks execute the same commands in serve().
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <utility>

#include "commands.hpp"
#include "common.hpp"
#include "debugger.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/runtime/testing.hpp"
#include "meshrt/report/perf.hpp"
#include "meshrt/runtime/debug.hpp"
#include "meshrt/runtime/runtime.hpp"
#include "meshrt/runtime/serve.hpp"
#include "progress.hpp"
#include "run_driver.hpp"
#include "run_report.hpp"
#include "run_support.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;
namespace rt = tt::runtime;

rt::MeshDeviceOptions mesh_options(const RunOptions& o, const ClusterDesc& cluster,
                                   const MeshShape& shape) {
  rt::MeshDeviceOptions mo;
  mo.cluster = cluster;
  mo.meshShape = std::vector<uint32_t>{shape.rows, shape.cols};
  mo.l1SmallSize = cluster.chip.l1_small_bytes;
  mo.traceRegionSize = o.trace_region_size ? o.trace_region_size : cluster.chip.trace_region_bytes;
  return mo;
}

runtime::ExecOptions exec_options(const RunOptions& o, const binary::Binary& bin, size_t index) {
  runtime::ExecOptions exec;
  const auto& stored = index < bin.goldens.size() ? bin.goldens[index] : binary::ProgramGoldens{};
  exec.seed = o.seed_given ? o.seed : stored.seed;
  exec.init = o.init_given ? init_kind_from_string(o.init) : stored.init;
  exec.ones_density = o.ones_density;
  exec.check_golden = !o.disable_golden && !o.identity;
  exec.check_op_goldens = !o.disable_ttrt_callbacks;
  exec.golden = {o.pcc, o.atol, o.rtol, o.atol_allclose, o.rtol_allclose};
  exec.golden_diff_topk = o.golden_diff_topk;
  exec.collect_memory =
      !o.disable_ttrt_callbacks &&
      (o.memory || o.memory_log_level == "operation" || o.memory_log_level == "any");
  exec.fabric = report::parse_fabric_config(o.fabric_config);
  return exec;
}

// --inject-fault / --debug-leak: the faults planted in every run (empty: none).
runtime::FaultPlan fault_plan(const RunOptions& o) { return {o.inject_fault, o.debug_leak}; }

namespace {

// The programs --program-index selects; Error(kNotFound) (the binary is skipped, as in ttrt)
// when the index is past the binary's programs.
std::vector<size_t> select_programs(const binary::Binary& bin, const std::string& index) {
  std::vector<size_t> out;
  if (index == "all") {
    for (size_t i = 0; i < bin.programs.size(); ++i)
      if (!bin.programs[i].is_private) out.push_back(i);
    return out;
  }
  const size_t n = std::stoul(index);  // digits only: checked when the flags were parsed
  if (n >= bin.programs.size()) {
    raise(ErrorCode::kNotFound,
          fmt::format("--program-index {} is out of range: the binary has {} program(s)", n,
                      bin.programs.size()));
  }
  return {n};
}

struct BinaryGuard {
  rt::Binary binary;
  ~BinaryGuard() {
    try {
      if (binary.id()) rt::releaseBinary(binary);
    } catch (const Error&) {
    }
  }
};

// --memory-log-level: memory views in the log, per op (operation) and/or after the program.
void log_memory(const RunOptions& o, const runtime::ProgramResult& r, rt::Device device) {
  std::string level = o.memory_log_level;
  std::transform(level.begin(), level.end(), level.begin(), ::tolower);
  auto line = [](const device::MemoryView& v) {
    return fmt::format(
        "device {}: DRAM {} of {} B/bank allocated, L1 {} of {}, L1_SMALL {} of {}, "
        "TRACE {} of {}",
        v.device.value, v.dram.total_bytes_allocated_per_bank, v.dram.total_bytes_per_bank,
        v.l1.total_bytes_allocated_per_bank, v.l1.total_bytes_per_bank,
        v.l1_small.total_bytes_allocated_per_bank, v.l1_small.total_bytes_per_bank,
        v.trace.total_bytes_allocated_per_bank, v.trace.total_bytes_per_bank);
  };
  if (level == "operation" || level == "any") {
    for (const auto& m : r.memory) {
      for (const auto& v : m.views) spdlog::info("memory after op {}: {}", m.loc, line(v));
    }
  }
  if (level == "program" || level == "any") {
    const auto ids = rt::getDeviceIds(device);
    for (size_t d = 0; d < ids.size(); ++d) {
      auto views = rt::getMemoryView(device, static_cast<int>(d));
      const auto& dram = views[rt::MemoryBufferType::DRAM];
      const auto& l1 = views[rt::MemoryBufferType::L1];
      spdlog::info("memory after program: device {}: DRAM {} of {} B/bank allocated, L1 {} of {}",
                   d, dram.totalBytesAllocatedPerBank, dram.totalBytesPerBank,
                   l1.totalBytesAllocatedPerBank, l1.totalBytesPerBank);
    }
  }
}

// The per-op callbacks `ttrt run` installs: --save-golden-tensors writes each op's golden and
// device tensors per device into the running program's artifact folder, --debugger steps.
class RunCallbacks {
 public:
  explicit RunCallbacks(const RunOptions& o) : o_(o) {}
  bool active() const { return save_ || debugger_.has_value(); }
  void install() {
    if (o_.disable_ttrt_callbacks) return;
    save_ = o_.save_golden_tensors;
    if (o_.debugger) debugger_ = make_debugger(std::cin, std::cout, o_);
    if (!active()) return;
    rt::debug::Hooks::get(std::nullopt, [this](rt::Binary bin, rt::CallbackContext p,
                                               rt::OpContext op) { post_op(bin, p, op); });
  }
  void uninstall() {
    if (active()) rt::debug::Hooks::get().unregisterHooks();
  }
  void set_program_dir(std::string dir) { dir_ = std::move(dir); }

 private:
  void post_op(rt::Binary bin, rt::CallbackContext p, rt::OpContext op) {
    if (save_) save(bin, p, op);
    if (debugger_) (*debugger_)(bin, p, op);
  }
  // ttrt's file names ({loc}_{device}_golden / _device, sanitized), as .npy.
  void save(rt::Binary bin, rt::CallbackContext p, rt::OpContext op) {
    const std::string loc = rt::getOpLocInfo(op);
    auto goldens = rt::getDebugInfoGolden(bin, binary::golden_key(loc, 0));
    auto outputs = rt::getOpOutputTensor(op, p, 0);
    for (const auto& [d, t] : outputs) {
      auto g = goldens.count(d) ? goldens.find(d) : goldens.find(binary::Golden::kAllDevices);
      const std::string stem =
          fmt::format("{}/{}_{}", dir_, sanitized_name(binary::mlir_loc(loc)), d);
      if (g != goldens.end()) write_npy(stem + "_golden.npy", *rt::getHostTensor(g->second));
      write_npy(stem + "_device.npy", *rt::getHostTensor(t));
    }
  }
  static std::string sanitized_name(std::string name) {
    for (char& c : name) {
      if (std::string_view(":\"/\\|?*").find(c) != std::string_view::npos ||
          static_cast<unsigned char>(c) < 0x20) {
        c = '_';
      }
    }
    return name;
  }
  const RunOptions& o_;
  bool save_ = false;
  std::optional<rt::debug::OpCallback> debugger_;
  std::string dir_;
};

// Notes for flags that are accepted but change nothing here, once per command.
void note_flags(const RunOptions& o) {
  if (o.dump_kernels || o.load_kernels) {
    std::cerr << fmt::format(
        "note: --{}: meshrt's kernels are simulator code, not device binaries: there is "
        "nothing to {} (no effect)\n",
        o.dump_kernels ? "dump-kernels" : "load-kernels", o.dump_kernels ? "dump" : "load");
  }
  struct Flag {
    const char* name;
    bool set;
  };
  const Flag silicon[] = {
      {"--use-loc-for-kernel-name", o.use_loc_for_kernel_name},
      {"--kernel-source-dir", !o.kernel_source_dir.empty()},
      {"--disable-device-address-validation", o.disable_device_address_validation},
      {"--blocking-cq", o.blocking_cq},
      {"--disable-swap-binary-operands", o.disable_swap_binary_operands},
      {"--disable-read-update-index-for-kv-cache", o.disable_read_update_index_for_kv_cache},
      {"--disable-blackhole-workarounds", o.disable_blackhole_workarounds},
      {"--disable-eth-dispatch", o.disable_eth_dispatch},
      {"--dump-device-rate", o.dump_device_rate != 1000},
      {"--enable-perf-trace", o.enable_perf_trace}};
  for (const Flag& f : silicon) {
    if (f.set) spdlog::debug("{} tunes silicon: no effect on the simulator", f.name);
  }
  for (const auto& [loop, inputs] : parse_dirty_tensor_schedule(o.dirty_tensor_schedule)) {
    spdlog::info(
        "--dirty-tensor-schedule: input(s) {} uploaded again after {} loop(s) (every loop uploads "
        "its inputs to the simulated chips)",
        fmt::join(inputs, ","), loop);
  }
}

// The per-loop runs of one program: `each_loop(loop, nullptr)` before and `each_loop(loop,
// &result)` after every loop. Returns the last loop's result.
runtime::ProgramResult run_loops(
    const RunOptions& o, rt::Device device, const rt::Binary& bin, size_t index,
    const runtime::ExecOptions& exec, std::vector<LoopTiming>& timings,
    const std::function<void(uint32_t, runtime::ProgramResult*)>& each_loop = {}) {
  runtime::ProgramResult result;
  for (uint32_t loop = 0; loop < o.loops; ++loop) {
    if (each_loop) each_loop(loop, nullptr);
    auto start = std::chrono::steady_clock::now();
    result = rt::testing::runProgram(device, bin, static_cast<uint32_t>(index), exec, fault_plan(o));
    timings.push_back({static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                 std::chrono::steady_clock::now() - start)
                                                 .count())});
    if (each_loop) each_loop(loop, &result);
  }
  return result;
}

// --inject-fault / --debug-leak name an op by its loc: one the binary does not have would
// silently change nothing, so it is an error.
void check_loc_flags(const RunOptions& o, const binary::Binary& bin, const std::string& file) {
  for (const auto& [flag, loc] :
       {std::pair<const char*, const std::string&>{"--inject-fault", o.inject_fault},
        {"--debug-leak", o.debug_leak}}) {
    if (loc.empty()) continue;
    bool found = false;
    std::vector<std::string> some;
    for (const auto& p : bin.programs) {
      for (const auto& op : p.ops) {
        found = found || op.loc == loc;
        if (some.size() < 8) some.push_back(op.loc);
      }
    }
    if (!found) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("{} '{}': no op of {} has that loc (its ops: {}{})", flag, loc, file,
                        fmt::join(some, ", "), some.size() == 8 ? ", ..." : ""));
    }
  }
}

// --benchmark as ttrt has it: 2 loops of program 0, program cache on, no goldens.
RunOptions effective_options(const RunOptions& given) {
  RunOptions o = given;
  if (o.benchmark) {
    o.loops = 2;
    o.enable_program_cache = true;
    o.disable_golden = true;
    o.program_index = "0";
  }
  return o;
}

}  // namespace

int run_binaries(const RunOptions& given, comm::Communicator& comm,
                 const ProgramHook& after_program, ReportMode mode) {
  const RunOptions o = effective_options(given);
  rt::setCommunicator(&comm);
  auto solo = comm::make_single_process();  // rank 0 reads files alone; workers get bytes
  if (o.common.clean_artifacts) {
    std::error_code ec;
    fs::remove_all(o.common.artifact_dir, ec);
  }
  std::vector<std::string> files = expand_inputs(o.paths, {".ttnn"});
  RunReport report(o, true, mode);
  if (files.empty()) {  // as ttrt: one error entry naming the path
    BinaryOutcome none;
    none.file = fmt::format("{}", fmt::join(o.paths, " "));
    none.error = fmt::format("no binaries found or executed at path: {}", none.file);
    report.add_binary(std::move(none));
    return report.finish();
  }
  note_flags(o);
  RunCallbacks callbacks(o);
  callbacks.install();
  Progress progress(true, files.size(), o.loops);
  for (size_t file_index = 0; file_index < files.size(); ++file_index) {
    const std::string& file = files[file_index];
    BinaryOutcome outcome;
    outcome.file = file;
    std::string error;
    ErrorCode code = ErrorCode::kInternal;
    ErrorSite site;
    spdlog::info("evaluating binary={}", file);
    try {
      std::vector<uint8_t> bytes = read_file_everywhere(*solo, file);
      BinaryGuard bin;
      try {
        bin.binary = rt::Binary::loadFromBytes(bytes, file, o.ignore_version);
      } catch (const Error& e) {
        outcome.skipped = e.code() == ErrorCode::kIncompatible;  // another version, as ttrt
        throw;
      }
      std::vector<size_t> selected;
      try {
        selected = select_programs(bin.binary.get(), o.program_index);
      } catch (const Error&) {
        outcome.skipped = true;
        throw;
      }
      check_loc_flags(o, bin.binary.get(), file);
      for (size_t index : selected) {
        const binary::Program& program = bin.binary.get().programs[index];
        ClusterDesc cluster = choose_cluster(*solo, o.cluster, program.mesh_shape);
        outcome.cluster = cluster.name;
        callbacks.set_program_dir(report.program_dir(file, index));
        if (o.save_golden_tensors) fs::create_directories(report.program_dir(file, index));
        spdlog::info("evaluating program={} for binary={} on cluster '{}'", index, file,
                     cluster.name);
        if (o.data_parallel) {
          outcome.programs.push_back(run_data_parallel(o, report, file, bin.binary, index, cluster,
                                                       after_program, mode.perf));
          continue;
        }
        MeshGuard mesh{rt::openMeshDevice(mesh_options(o, cluster, program.mesh_shape))};
        std::vector<LoopTiming> timings;
        std::vector<report::OpPerfRow> earlier_loops;  // perf rows of every loop but the last
        auto each_loop = [&](uint32_t loop, runtime::ProgramResult* r) {
          if (!r) return progress.update(file_index, file, loop);
          for (auto& row : r->perf) row.loop = loop;
          if (mode.perf && loop + 1 < o.loops) {
            earlier_loops.insert(earlier_loops.end(), r->perf.begin(), r->perf.end());
          }
        };
        runtime::ProgramResult result =
            run_loops(o, mesh.device, bin.binary, index, exec_options(o, bin.binary.get(), index),
                      timings, each_loop);
        progress.clear();
        log_memory(o, result, mesh.device);
        if (!earlier_loops.empty()) {
          earlier_loops.insert(earlier_loops.end(), result.perf.begin(), result.perf.end());
          result.perf = std::move(earlier_loops);
        }
        double seconds = 0;
        for (const auto& t : timings) seconds += static_cast<double>(t.submit_ns) / 1e9;
        outcome.programs.push_back(
            report.program_outcome(file, bin.binary.get(), index, cluster, result, timings));
        if (after_program) {
          after_program(FinishedProgram{file, bin.binary.get(), index, cluster, result, seconds},
                        outcome.programs.back());
        }
      }
    } catch (const Error& e) {
      error = e.what();
      code = e.code();
      site = e.site();
    }
    if (!error.empty()) {
      // Errors about a rank (the workers', the communicator's) name it already; rank 0's own
      // get its name.
      outcome.error = comm.size() > 1 && site.rank < 0 ? "rank 0: " + error : error;
      outcome.error_code = code;
    }
    std::string combined = outcome.error;
    spdlog::info("{}: test case={}", outcome.error.empty() ? "finished" : "ERROR", file);
    report.add_binary(std::move(outcome));
    if (comm.size() > 1 && (code == ErrorCode::kTimeout || code == ErrorCode::kRankFailed) &&
        !error.empty()) {
      // Ranks are out of step: results so far are on disk; end the whole job.
      std::cerr << "error: " << combined << "; ending the job\n";
      callbacks.uninstall();
      comm.abort_job(kExitError);
      return kExitError;
    }
  }
  callbacks.uninstall();
  progress.clear();
  return report.finish();
}

int cmd_run(const RunOptions& o, comm::Communicator& comm) {
  return run_binaries(o, comm, {}, ReportMode{});
}

bool is_run_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    return std::strcmp(argv[i], "run") == 0 || std::strcmp(argv[i], "perf") == 0;
  }
  return false;
}

int serve_ttrt(int argc, char** argv, comm::Communicator& comm) {
  use_reference_goldens();
  std::string log_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--log-file" && i + 1 < argc) log_file = argv[i + 1];
    if (a.rfind("--log-file=", 0) == 0) log_file = a.substr(11);
  }
  setup_logging(comm.rank(), log_file);
  return runtime::serve(comm) == 0 ? kExitOk : kExitError;
}

}  // namespace meshrt::cli
