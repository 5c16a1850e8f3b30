// `ttrt run --data-parallel`: one run per sub-mesh of the program's shape tiling the cluster's
// mesh. Every sub-mesh's runs are launched before any is collected, so the sub-meshes run
// concurrently (the loops of one sub-mesh follow each other: they share its chips).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "meshrt/report/perf.hpp"
#include "meshrt/runtime/testing.hpp"
#include "run_support.hpp"

namespace meshrt::cli {

namespace rt = tt::runtime;

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
  MeshGuard parent{rt::openMeshDevice(mesh_options(o, cluster, c))};
  runtime::ExecOptions exec = exec_options(o, bin.get(), index);
  const uint64_t base_seed = exec.seed;
  struct SubMesh {
    MeshGuard mesh;
    MeshCoordinate offset;
    uint64_t seed = 0;
    std::vector<rt::PendingRun> loops;
    std::vector<std::chrono::steady_clock::time_point> launched;
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
      sub.loops.push_back(rt::testing::launchProgram(
          sub.mesh.device, bin, static_cast<uint32_t>(index), exec, fault_plan(o)));
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
    std::vector<LoopTiming> timings;
    std::string error;
    std::vector<report::OpPerfRow> rows;  // every loop's, with keep_all_loops
    for (uint32_t loop = 0; loop < sub.loops.size(); ++loop) {
      try {
        result = sub.loops[loop].get();
        timings.push_back({static_cast<uint64_t>(result.host_seconds * 1e9)});
        for (auto& row : result.perf) row.loop = loop;
        if (keep_all_loops) rows.insert(rows.end(), result.perf.begin(), result.perf.end());
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kTimeout || e.code() == ErrorCode::kRankFailed) throw;
        error = e.what();
      }
    }
    if (keep_all_loops) result.perf = std::move(rows);
    double seconds = 0;
    for (const auto& t : timings) seconds += static_cast<double>(t.submit_ns) / 1e9;
    busy_seconds += seconds;
    slowest_device_ns =
        std::max(slowest_device_ns, report::perf_totals(result.perf).device_duration_ns);
    report.set_subdir(fmt::format("submesh_{}", k));
    ProgramOutcome one;
    if (error.empty()) {
      one = report.program_outcome(file, bin.get(), index, cluster, result, timings);
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
    if (k == 0) all.loops = one.loops;  // program_results: the first sub-mesh's loops
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

}  // namespace meshrt::cli
