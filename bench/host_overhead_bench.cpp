// (c) Host overhead per op: a chain of 32x32 f32 adds run by the executor on one simulated chip
// (goldens off), in µs per op, next to the same adds as bare kernel calls.
#include <fmt/format.h>

#include <string>

#include "bench_ratio.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/ops/kernels.hpp"
#include "meshrt/runtime/executor.hpp"

namespace {

using namespace meshrt;
constexpr int kOps = 1000;

std::string chain_mlir(int n) {
  const std::string t = "tensor<32x32xf32>";
  std::string s = fmt::format("func.func @chain(%arg0: {0}) -> {0} {{\n", t);
  std::string prev = "%arg0";
  for (int i = 0; i < n; ++i) {
    s += fmt::format("  %v{0} = \"ttir.add\"({1}, %arg0) : ({2}, {2}) -> {2}\n", i, prev, t);
    prev = fmt::format("%v{}", i);
  }
  return s + fmt::format("  return {} : {}\n}}\n", prev, t);
}

void BM_AddChainExecutor(benchmark::State& state) {
  compiler::CompileOptions co;
  co.path = "chain.mlir";
  co.mesh_override = MeshShape{1, 1};
  co.goldens = false;
  binary::Binary bin = compiler::compile_mlir(chain_mlir(kOps), co);
  auto comm = comm::make_single_process();
  runtime::MeshContext mesh(builtin_cluster("n150"), MeshShape{1, 1}, *comm);
  runtime::ExecOptions exec;
  exec.check_golden = false;
  for (auto _ : state) {
    runtime::ProgramResult r = runtime::run_program(mesh, bin, 0, exec);
    benchmark::DoNotOptimize(r.ops_executed);
  }
}
BENCHMARK(BM_AddChainExecutor)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_AddChainKernelsOnly(benchmark::State& state) {
  binary::Op op;
  op.name = "add";
  op.loc = "bench";
  HostTensor a({32, 32}, DataType::kFloat32), b({32, 32}, DataType::kFloat32);
  for (auto _ : state) {
    for (int i = 0; i < kOps; ++i) {
      const HostTensor* in[] = {(i % 2) ? &b : &a, &a};
      HostTensor* out[] = {(i % 2) ? &a : &b};
      ops::run_kernel(op, in, out);
    }
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_AddChainKernelsOnly)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  meshrt::bench::RememberingReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  const double chain = rep.seconds("BM_AddChainExecutor/real_time");
  const double kernels = rep.seconds("BM_AddChainKernelsOnly/real_time");
  if (chain > 0 && kernels > 0) {
    std::printf(
        "\n(c) chain of %d 32x32 f32 adds: %.3f us/op through the executor, %.3f us/op "
        "bare kernels, host overhead %.3f us/op (goal <= 2 us/op)\n",
        kOps, chain * 1e6 / kOps, kernels * 1e6 / kOps, (chain - kernels) * 1e6 / kOps);
  }
  benchmark::Shutdown();
  return 0;
}
