// Shared by the examples: a small sharded program compiled from TTIR text, MPI roles, and the
// summary of runs (pass/fail, peak DRAM, modelled device time, measured host time).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "meshrt/binary/binary_io.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/comm/mpi.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/reference/goldens.hpp"
#include "meshrt/report/perf.hpp"
#include "meshrt/runtime/golden_source.hpp"
#include "meshrt/runtime/runtime.hpp"
#include "meshrt/runtime/serve.hpp"

namespace example {

namespace rt = tt::runtime;

// mesh_shard over both axes -> all_gather (axis 1) -> add -> shard_to_full on a rows x cols
// mesh; each device holds a (rows_per_device*... ) 2x`width` tile.
inline rt::Binary gather_add(uint32_t rows, uint32_t cols, uint32_t tile_rows, uint32_t tile_cols) {
  auto n = [](uint32_t v) { return std::to_string(v); };
  const uint32_t h = rows * tile_rows, w = cols * tile_cols;
  std::string full = "tensor<1x1x" + n(h) + "x" + n(w) + "xf32>";
  std::string tile = "tensor<1x1x" + n(tile_rows) + "x" + n(tile_cols) + "xf32>";
  std::string row = "tensor<1x1x" + n(tile_rows) + "x" + n(w) + "xf32>";
  std::string text =
      "func.func @gather_add(%arg0: " + full + ") -> " + full +
      " {\n"
      "  %0 = \"ttir.mesh_shard\"(%arg0) <{shard_dims = array<i64: 2, 3>, shard_direction = "
      "#ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, " +
      n(rows) + ", " + n(cols) + ">, shard_type = #ttcore.shard_type<devices>}> : (" + full +
      ") -> " + tile +
      "\n"
      "  %1 = \"ttir.all_gather\"(%0) <{all_gather_dim = 3 : si32, cluster_axis = 1 : ui32}> : (" +
      tile + ") -> " + row +
      "\n"
      "  %2 = \"ttir.add\"(%1, %1) : (" +
      row + ", " + row + ") -> " + row +
      "\n"
      "  %3 = \"ttir.mesh_shard\"(%2) <{shard_dims = array<i64: 2, -1>, shard_direction = "
      "#ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 1, " +
      n(rows) + ", 1>, shard_type = #ttcore.shard_type<devices>}> : (" + row + ") -> " + full +
      "\n"
      "  return %3 : " +
      full + "\n}\n";
  meshrt::compiler::CompileOptions o;
  o.path = "gather_add_" + n(rows) + "x" + n(cols) + ".mlir";
  o.mesh_override = meshrt::MeshShape{rows, cols};
  auto bytes = meshrt::binary::serialize(meshrt::compiler::compile_mlir(text, o));
  return rt::Binary::loadFromBytes(bytes, o.path);
}

// One configuration's runs: pass/fail, golden checks, peak DRAM, modelled device time (from the
// cost model: the critical chip's end) and measured host time.
struct Summary {
  bool passed = true;
  size_t checks = 0;
  uint64_t peak_dram_bytes_per_bank = 0;
  uint64_t modelled_ns = 0;
  double host_seconds = 0;
};

inline rt::RunOptions run_options(uint64_t seed) {
  rt::RunOptions o;
  o.seed = seed;
  o.collect_memory = true;
  return o;
}

// `concurrent`: the run overlapped the others of `s` on disjoint chips, so the modelled time of
// the configuration is the slowest run's, not the sum.
inline void add_run(Summary& s, const rt::ProgramRun& run, bool concurrent) {
  for (const auto& g : run.goldens) s.passed = s.passed && g.metrics.passed;
  s.checks += run.goldens.size();
  s.passed = s.passed && !run.goldens.empty();
  for (const auto& m : run.memory)
    for (const auto& v : m.views)
      s.peak_dram_bytes_per_bank =
          std::max(s.peak_dram_bytes_per_bank, v.dram.total_bytes_allocated_per_bank);
  uint64_t ns = meshrt::report::perf_totals(run.perf).device_duration_ns;
  s.modelled_ns = concurrent ? std::max(s.modelled_ns, ns) : s.modelled_ns + ns;
}

class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

inline void print_header() {
  std::printf("%-34s %-6s %7s %22s %14s %14s\n", "configuration", "result", "checks",
              "peak DRAM B/bank/chip", "modelled (us)", "host time (s)");
}

inline void print_row(const char* name, const Summary& s) {
  std::printf("%-34s %-6s %7zu %22llu %14.3f %14.4f\n", name, s.passed ? "PASS" : "FAIL", s.checks,
              static_cast<unsigned long long>(s.peak_dram_bytes_per_bank),
              static_cast<double>(s.modelled_ns) / 1e3, s.host_seconds);
}

// Rank 0 runs `drive`, the other ranks serve; works in one process too. Returns the exit code.
// Every rank installs the reference interpreter as its golden source: the runs use other seeds
// than the binaries' stored goldens, so their goldens are computed on the way.
inline int run_as_job(const std::function<bool()>& drive) {
  meshrt::runtime::set_golden_source(meshrt::reference::goldens_for);
  auto world = meshrt::comm::launched_by_mpirun() ? meshrt::comm::make_mpi_world()
                                                  : meshrt::comm::make_single_process();
  int code = 0;
  if (world->rank() != 0) {
    code = meshrt::runtime::serve(*world);
  } else {
    rt::setCommunicator(world.get());
    try {
      code = drive() ? 0 : 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      code = 1;
    }
    rt::shutdownWorkers();
  }
  rt::setCommunicator(nullptr);
  world.reset();
  meshrt::comm::finalize_mpi();
  return code;
}

}  // namespace example
