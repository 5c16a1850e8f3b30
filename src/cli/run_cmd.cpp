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
#include "meshrt/report/perf.hpp"
#include "meshrt/runtime/runtime.hpp"
#include "meshrt/runtime/serve.hpp"
#include "progress.hpp"
#include "run_driver.hpp"
#include "run_report.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;
namespace rt = tt::runtime;

namespace {

std::vector<size_t> select_programs(const binary::Binary& bin, const std::string& index) {
  std::vector<size_t> out;
  if (index == "all") {
    for (size_t i = 0; i < bin.programs.size(); ++i)
      if (!bin.programs[i].is_private) out.push_back(i);
    return out;
  }
  size_t n = 0;
  try {
    size_t used = 0;
    n = std::stoul(index, &used);
    if (used != index.size()) throw std::invalid_argument(index);
  } catch (const std::exception&) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("--program-index must be 'all' or a number, got '{}'", index));
  }
  if (n >= bin.programs.size()) {
    raise(ErrorCode::kNotFound, fmt::format("--program-index {} is out of range: the binary has {} "
                                            "program(s)",
                                            n, bin.programs.size()));
  }
  return {n};
}

// Closes a mesh when the run leaves its scope; a close that fails (workers out of step after
// an error) is not worth a second error.
struct MeshGuard {
  rt::Device device;
  MeshGuard() = default;
  explicit MeshGuard(rt::Device d) : device(d) {}
  MeshGuard(MeshGuard&& other) noexcept : device(std::exchange(other.device, {})) {}
  MeshGuard& operator=(MeshGuard&&) = delete;
  ~MeshGuard() {
    try {
      if (device.valid()) rt::closeMeshDevice(device);
    } catch (const Error&) {
    }
  }
};

struct BinaryGuard {
  rt::Binary binary;
  ~BinaryGuard() {
    try {
      if (binary.id()) rt::releaseBinary(binary);
    } catch (const Error&) {
    }
  }
};

rt::MeshDeviceOptions mesh_options(const ClusterDesc& cluster, const MeshShape& shape) {
  rt::MeshDeviceOptions mo;
  mo.cluster = cluster;
  mo.meshShape = std::vector<uint32_t>{shape.rows, shape.cols};
  mo.l1SmallSize = cluster.chip.l1_small_bytes;
  mo.traceRegionSize = cluster.chip.trace_region_bytes;
  return mo;
}

runtime::ExecOptions exec_options(const RunOptions& o, const binary::Binary& bin, size_t index) {
  runtime::ExecOptions exec;
  const auto& stored = index < bin.goldens.size() ? bin.goldens[index] : binary::ProgramGoldens{};
  exec.seed = o.seed_given ? o.seed : stored.seed;
  exec.init = o.init_given ? init_kind_from_string(o.init) : stored.init;
  exec.check_golden = !o.disable_golden && !o.identity;
  exec.golden = {o.pcc, o.atol, o.rtol};
  exec.collect_memory = o.memory;
  exec.inject_fault_loc = o.inject_fault;
  exec.debug_leak_loc = o.debug_leak;
  return exec;
}

// `each_loop(loop, nullptr)` runs before and `each_loop(loop, &result)` after every loop.
runtime::ProgramResult run_loops(
    const RunOptions& o, rt::Device device, const rt::Binary& bin, size_t index,
    const runtime::ExecOptions& exec, double& seconds,
    const std::function<void(uint32_t, runtime::ProgramResult*)>& each_loop = {}) {
  runtime::ProgramResult result;
  auto start = std::chrono::steady_clock::now();
  for (uint32_t loop = 0; loop < o.loops; ++loop) {
    if (each_loop) each_loop(loop, nullptr);
    result = rt::runProgram(device, bin, static_cast<uint32_t>(index), exec);
    if (each_loop) each_loop(loop, &result);
  }
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

// --data-parallel: one run per sub-mesh of the program's shape tiling the cluster's mesh. Every
// sub-mesh's runs are launched before any is collected, so the sub-meshes run concurrently
// (the loops of one sub-mesh follow each other: they share its chips).
ProgramOutcome run_data_parallel(const RunOptions& o, RunReport& report, const std::string& file,
                                 const rt::Binary& bin, size_t index, const ClusterDesc& cluster,
                                 const ProgramHook& after_program, bool keep_all_loops) {
  const binary::Program& program = bin.get().programs[index];
  const MeshShape& p = program.mesh_shape;
  const MeshShape& c = cluster.mesh;
  if (c.rows % p.rows != 0 || c.cols % p.cols != 0) {
    raise(ErrorCode::kIncompatible,
          fmt::format("--data-parallel: {} sub-meshes do not tile the {} mesh of cluster '{}'",
                      p.to_string(), c.to_string(), cluster.name));
  }
  MeshGuard parent{rt::openMeshDevice(mesh_options(cluster, c))};
  runtime::ExecOptions exec = exec_options(o, bin.get(), index);
  const uint64_t base_seed = exec.seed;
  struct SubMesh {
    MeshGuard mesh;
    MeshCoordinate offset;
    uint64_t seed = 0;
    std::vector<rt::PendingRun> loops;
  };
  std::vector<SubMesh> subs;
  const auto start = std::chrono::steady_clock::now();
  for (uint32_t r = 0; r < c.rows; r += p.rows) {
    for (uint32_t col = 0; col < c.cols; col += p.cols) {
      SubMesh& sub = subs.emplace_back();
      sub.mesh.device =
          rt::createSubMeshDevice(parent.device, {p.rows, p.cols}, std::vector<uint32_t>{r, col});
      sub.offset = {r, col};
      sub.seed = base_seed + subs.size() - 1;
    }
  }
  for (SubMesh& sub : subs) {
    exec.seed = sub.seed;
    for (uint32_t loop = 0; loop < o.loops; ++loop) {
      sub.loops.push_back(
          rt::launchProgram(sub.mesh.device, bin, static_cast<uint32_t>(index), exec));
    }
  }
  ProgramOutcome all;
  all.index = index;
  all.name = program.name;
  json submeshes = json::array();
  double busy_seconds = 0;
  uint64_t slowest_device_ns = 0;
  for (size_t k = 0; k < subs.size(); ++k) {
    SubMesh& sub = subs[k];
    runtime::ProgramResult result;
    double seconds = 0;
    std::string error;
    std::vector<report::OpPerfRow> rows;  // every loop's, with keep_all_loops
    for (uint32_t loop = 0; loop < sub.loops.size(); ++loop) {
      try {
        result = sub.loops[loop].get();
        seconds += result.host_seconds;
        for (auto& row : result.perf) row.loop = loop;
        if (keep_all_loops) rows.insert(rows.end(), result.perf.begin(), result.perf.end());
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kTimeout || e.code() == ErrorCode::kRankFailed) throw;
        error = e.what();
      }
    }
    if (keep_all_loops) result.perf = std::move(rows);
    busy_seconds += seconds;
    slowest_device_ns =
        std::max(slowest_device_ns, report::perf_totals(result.perf).device_duration_ns);
    report.set_subdir(fmt::format("submesh_{}", k));
    ProgramOutcome one;
    if (error.empty()) {
      one = report.program_outcome(file, bin.get(), index, cluster, result, seconds);
      if (after_program) {
        after_program(FinishedProgram{file, bin.get(), index, cluster, result, seconds,
                                      fmt::format("submesh_{}", k)},
                      one);
      }
    } else {
      one.result = "error";
      one.message = error;
      one.details = {{"result", "error"}, {"exception", error}};
      std::cout << fmt::format("ERROR {} program {} sub-mesh {}: {}\n", file, index, k, error);
    }
    report.set_subdir("");
    json details = one.details;
    details["submesh"] = k;
    details["offset"] = {sub.offset.row, sub.offset.col};
    details["seed"] = sub.seed;
    details["device_ids"] = rt::getDeviceIds(sub.mesh.device);  // chips of the cluster
    submeshes.push_back(details);
    if (one.result == "error" || (one.result == "test_error" && all.result == "pass")) {
      all.result = one.result;
    }
    if (!one.message.empty()) {
      all.message +=
          (all.message.empty() ? "" : "; ") + fmt::format("submesh {}: {}", k, one.message);
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format(
      "  data-parallel: {} sub-meshes of {} ran concurrently: wall {:.3f} s for {:.3f} s of runs "
      "(measured); modelled device time {:.3f} us (slowest sub-mesh)\n",
      subs.size(), p.to_string(), wall, busy_seconds, static_cast<double>(slowest_device_ns) / 1e3);
  for (SubMesh& sub : subs) {
    rt::releaseSubMeshDevice(sub.mesh.device);
    sub.mesh.device = {};
  }
  all.details = {{"program_index", index},       {"name", all.name},
                 {"result", all.result},         {"mesh_shape", p.to_string()},
                 {"cluster", cluster.name},      {"data_parallel", true},
                 {"submesh_count", subs.size()}, {"wall_seconds", wall},
                 {"run_seconds", busy_seconds},  {"modelled_device_ns", slowest_device_ns},
                 {"submeshes", submeshes}};
  return all;
}

}  // namespace

int run_binaries(const RunOptions& o, comm::Communicator& comm, const ProgramHook& after_program,
                 bool keep_all_loops) {
  rt::setCommunicator(&comm);
  auto solo = comm::make_single_process();  // rank 0 reads files alone; workers get bytes
  if (o.clean_artifacts) {
    std::error_code ec;
    fs::remove_all(o.artifact_dir, ec);
  }
  std::vector<std::string> files = expand_inputs(o.paths, ".ttnn");
  RunReport report(o, true);
  if (files.empty()) {
    std::cerr << "error: no .ttnn files found in the given paths\n";
    return kExitError;
  }
  if (o.debugger) install_debugger(std::cin, std::cout, o);
  Progress progress(true, files.size(), o.loops);
  for (size_t file_index = 0; file_index < files.size(); ++file_index) {
    const std::string& file = files[file_index];
    BinaryOutcome outcome;
    outcome.file = file;
    std::string error;
    ErrorCode code = ErrorCode::kInternal;
    try {
      std::vector<uint8_t> bytes = read_file_everywhere(*solo, file);
      BinaryGuard bin{rt::Binary::loadFromBytes(bytes, file, o.ignore_version)};
      for (size_t index : select_programs(bin.binary.get(), o.program_index)) {
        const binary::Program& program = bin.binary.get().programs[index];
        ClusterDesc cluster = choose_cluster(*solo, o.cluster, program.mesh_shape);
        if (o.data_parallel) {
          outcome.programs.push_back(run_data_parallel(o, report, file, bin.binary, index, cluster,
                                                       after_program, keep_all_loops));
          continue;
        }
        MeshGuard mesh{rt::openMeshDevice(mesh_options(cluster, program.mesh_shape))};
        double seconds = 0;
        std::vector<report::OpPerfRow> earlier_loops;  // perf rows of every loop but the last
        auto each_loop = [&](uint32_t loop, runtime::ProgramResult* r) {
          if (!r) return progress.update(file_index, file, loop);
          for (auto& row : r->perf) row.loop = loop;
          if (keep_all_loops && loop + 1 < o.loops) {
            earlier_loops.insert(earlier_loops.end(), r->perf.begin(), r->perf.end());
          }
        };
        runtime::ProgramResult result =
            run_loops(o, mesh.device, bin.binary, index, exec_options(o, bin.binary.get(), index),
                      seconds, each_loop);
        progress.clear();
        if (!earlier_loops.empty()) {
          earlier_loops.insert(earlier_loops.end(), result.perf.begin(), result.perf.end());
          result.perf = std::move(earlier_loops);
        }
        outcome.programs.push_back(
            report.program_outcome(file, bin.binary.get(), index, cluster, result, seconds));
        if (after_program) {
          after_program(FinishedProgram{file, bin.binary.get(), index, cluster, result, seconds},
                        outcome.programs.back());
        }
      }
    } catch (const Error& e) {
      error = e.what();
      code = e.code();
    }
    if (!error.empty()) {
      // Errors from the workers already name their ranks; rank 0's own get its name.
      outcome.error = comm.size() > 1 && error.rfind("rank ", 0) != 0 ? "rank 0: " + error : error;
      outcome.error_code = code;
    }
    std::string combined = outcome.error;
    report.add_binary(std::move(outcome));
    if (comm.size() > 1 && (code == ErrorCode::kTimeout || code == ErrorCode::kRankFailed) &&
        !error.empty()) {
      // Ranks are out of step: results so far are on disk; end the whole job.
      std::cerr << "error: " << combined << "; ending the job\n";
      comm.abort_job(kExitError);
      return kExitError;
    }
  }
  progress.clear();
  return report.finish();
}

int cmd_run(const RunOptions& o, comm::Communicator& comm) {
  return run_binaries(o, comm, {}, false);
}

bool is_run_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    return std::strcmp(argv[i], "run") == 0 || std::strcmp(argv[i], "perf") == 0;
  }
  return false;
}

int serve_ttrt(int argc, char** argv, comm::Communicator& comm) {
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
