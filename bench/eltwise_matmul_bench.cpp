// (d) eltwise add of 4 Mi f32 vs memcpy-equivalent bandwidth, and (e) f32 matmul 1024^3 vs the
// BLAS call alone.
//
// (d): the add reads two 16 MiB operands and writes one (48 MiB of traffic); a memcpy of
// 16 MiB moves 32 MiB. The ratio compares bytes per second: (48 / t_add) / (32 / t_memcpy).
// (e): ops::run_kernel(matmul) vs cblas_sgemm on the same operands, output preallocated.
#include <cblas.h>

#include <cstring>
#include <vector>

#include "bench_ratio.hpp"
#include "meshrt/binary/program.hpp"
#include "meshrt/ops/kernels.hpp"

namespace {

using namespace meshrt;
constexpr int64_t kAddElems = int64_t{4} << 20;
constexpr int64_t kN = 1024;

HostTensor filled(Shape shape, float start) {
  HostTensor t(std::move(shape), DataType::kFloat32);
  auto* p = reinterpret_cast<float*>(t.data());
  for (int64_t i = 0; i < t.volume(); ++i) p[i] = start + static_cast<float>(i % 1000) * 1e-3f;
  return t;
}

binary::Op named(const char* name) {
  binary::Op op;
  op.name = name;
  op.loc = "bench";
  return op;
}

void BM_EltwiseAdd4Mi(benchmark::State& state) {
  HostTensor a = filled({kAddElems}, 1.0f), b = filled({kAddElems}, 2.0f);
  HostTensor o({kAddElems}, DataType::kFloat32);
  binary::Op op = named("add");
  const HostTensor* in[] = {&a, &b};
  HostTensor* out[] = {&o};
  for (auto _ : state) {
    ops::run_kernel(op, in, out);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kAddElems * 12);
}
BENCHMARK(BM_EltwiseAdd4Mi)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Memcpy16MiB(benchmark::State& state) {
  std::vector<float> src(kAddElems, 1.0f), dst(kAddElems, 0.0f);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kAddElems * 4);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kAddElems * 8);
}
BENCHMARK(BM_Memcpy16MiB)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MatmulKernelF32(benchmark::State& state) {
  HostTensor a = filled({kN, kN}, 0.5f), b = filled({kN, kN}, 0.25f);
  HostTensor o({kN, kN}, DataType::kFloat32);
  binary::Op op = named("matmul");
  const HostTensor* in[] = {&a, &b};
  HostTensor* out[] = {&o};
  for (auto _ : state) {
    ops::run_kernel(op, in, out);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * kN * kN * kN * state.iterations() / 1e9,
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MatmulKernelF32)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SgemmOnly(benchmark::State& state) {
  HostTensor a = filled({kN, kN}, 0.5f), b = filled({kN, kN}, 0.25f);
  std::vector<float> c(kN * kN);
  const auto* pa = reinterpret_cast<const float*>(a.data());
  const auto* pb = reinterpret_cast<const float*>(b.data());
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, kN, kN, kN, 1.0f, pa, kN, pb, kN, 0.0f,
                c.data(), kN);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * kN * kN * kN * state.iterations() / 1e9,
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SgemmOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  meshrt::bench::RememberingReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  std::printf("\n");
  meshrt::bench::print_ratio(rep, "(d) add 4 Mi f32, bandwidth vs memcpy 16 MiB",
                             "BM_EltwiseAdd4Mi/real_time", "BM_Memcpy16MiB/real_time", 48.0 / 32.0,
                             ">= 0.7");
  meshrt::bench::print_ratio(rep, "(e) f32 matmul 1024^3 vs sgemm alone",
                             "BM_MatmulKernelF32/real_time", "BM_SgemmOnly/real_time", 1.0,
                             ">= 0.9");
  benchmark::Shutdown();
  return 0;
}
