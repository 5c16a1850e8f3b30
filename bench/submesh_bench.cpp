// (g) Four 2x4 sub-meshes of a galaxy (8x4) in one process, each running the same program on
// its own inputs: all launched at once (concurrent) vs one after another (the reference, same
// process). The program is a chain of 128x128 f32 matmul + tanh on every chip; with goldens the
// reference interpreter recomputes them for each sub-mesh's seed, as `ttrt run --data-parallel`
// does. The ratio is the speedup: sequential time / concurrent time.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "bench_ratio.hpp"
#include "meshrt/reference/goldens.hpp"
#include "meshrt/runtime/golden_source.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/runtime/runtime.hpp"

namespace {

namespace rt = tt::runtime;
constexpr uint32_t kSubMeshes = 4;

std::string chain_mlir(uint32_t n, uint32_t steps) {
  const std::string t = fmt::format("tensor<{0}x{0}xf32>", n);
  std::string s = fmt::format("func.func @main(%arg0: {0}) -> {0} {{\n", t);
  std::string x = "%arg0";
  for (uint32_t i = 0; i < steps; ++i) {
    s += fmt::format("  %m{0} = \"ttir.matmul\"({1}, {1}) : ({2}, {2}) -> {2}\n", i, x, t);
    s += fmt::format("  %t{0} = \"ttir.tanh\"(%m{0}) : ({1}) -> {1}\n", i, t);
    x = fmt::format("%t{}", i);
  }
  return s + fmt::format("  return {} : {}\n}}\n", x, t);
}

struct Fixture {
  rt::Binary bin;
  rt::Device galaxy;
  std::vector<rt::Device> subs;
  Fixture() {
    meshrt::runtime::set_golden_source(meshrt::reference::goldens_for);  // as `ttrt` does
    meshrt::compiler::CompileOptions co;
    co.path = "chain.mlir";
    co.mesh_override = meshrt::MeshShape{2, 4};
    auto bytes = meshrt::binary::serialize(meshrt::compiler::compile_mlir(chain_mlir(128, 4), co));
    bin = rt::Binary::loadFromBytes(bytes, co.path);
    rt::MeshDeviceOptions o;
    o.cluster = meshrt::builtin_cluster("galaxy");
    galaxy = rt::openMeshDevice(o);
    for (uint32_t k = 0; k < kSubMeshes; ++k) {
      subs.push_back(rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{2 * k, 0}));
    }
  }
  static Fixture& get() {
    static Fixture f;
    return f;
  }
};

void BM_SubMeshes(benchmark::State& state) {
  const bool concurrent = state.range(0) != 0;
  Fixture& f = Fixture::get();
  rt::RunOptions o;
  o.check_golden = state.range(1) != 0;
  for (auto _ : state) {
    std::vector<rt::PendingRun> runs;
    for (uint32_t k = 0; k < kSubMeshes; ++k) {
      o.seed = 1 + k;  // distinct inputs: goldens are recomputed per sub-mesh
      runs.push_back(rt::launchProgram(f.subs[k], f.bin, 0, o));
      if (!concurrent) runs.back().get();
    }
    for (const auto& r : runs) {
      for (const auto& g : r.get().goldens) {
        if (!g.metrics.passed) state.SkipWithError("golden mismatch");
      }
    }
  }
}
BENCHMARK(BM_SubMeshes)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"concurrent", "goldens"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  meshrt::bench::RememberingReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  std::printf("\n");
  for (int goldens : {0, 1}) {
    meshrt::bench::print_ratio(
        rep, fmt::format("(g) 4 x 2x4 sub-meshes concurrent, goldens {}", goldens ? "on" : "off"),
        fmt::format("BM_SubMeshes/concurrent:1/goldens:{}/real_time", goldens),
        fmt::format("BM_SubMeshes/concurrent:0/goldens:{}/real_time", goldens), 1.0,
        ">= 1.3 with goldens on 2 cores");
  }
  benchmark::Shutdown();
  return 0;
}
