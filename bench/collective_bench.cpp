// (b) all_gather over 8 simulated chips in one rank vs memcpy of the same bytes.
//
// "Ours" is what the executor does for an all_gather whose line lives in one rank: for each of
// the 8 chips, a fresh output tensor and ops::all_gather over the 8 shards. The reference
// copies the same bytes with memcpy into buffers allocated once.
#include <cstring>
#include <memory>
#include <vector>

#include "bench_ratio.hpp"
#include "meshrt/binary/program.hpp"
#include "meshrt/ops/ccl.hpp"

namespace {

using namespace meshrt;
constexpr int kChips = 8;
constexpr int64_t kRows = 256, kCols = 1024;  // 1 MiB of f32 per chip

struct Shards {
  std::vector<HostTensor> tensors;
  std::vector<const HostTensor*> line;
  Shards() {
    for (int c = 0; c < kChips; ++c) {
      tensors.emplace_back(Shape{1, 1, kRows, kCols}, DataType::kFloat32);
      std::memset(tensors.back().data(), c + 1, tensors.back().size_bytes());
    }
    for (auto& t : tensors) line.push_back(&t);
  }
};

binary::Op gather_op(int64_t dim) {
  binary::Op op;
  op.name = "all_gather";
  op.loc = "bench";
  op.attrs["all_gather_dim"] = dim;
  op.attrs["cluster_axis"] = int64_t{1};
  return op;
}

void BM_AllGather8Chips(benchmark::State& state) {
  Shards s;
  const int64_t dim = state.range(0);
  binary::Op op = gather_op(dim);
  Shape out_shape{1, 1, kRows, kCols};
  out_shape[static_cast<size_t>(dim)] *= kChips;
  for (auto _ : state) {
    for (int c = 0; c < kChips; ++c) {
      auto out = std::make_shared<HostTensor>(out_shape, DataType::kFloat32);
      ops::all_gather(op, s.line, *out);
      benchmark::DoNotOptimize(out->data());
    }
  }
  state.SetBytesProcessed(state.iterations() * kChips * kChips * kRows * kCols * 4);
}
BENCHMARK(BM_AllGather8Chips)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AllGather8ChipsPreallocated(benchmark::State& state) {
  Shards s;
  const int64_t dim = state.range(0);
  binary::Op op = gather_op(dim);
  Shape out_shape{1, 1, kRows, kCols};
  out_shape[static_cast<size_t>(dim)] *= kChips;
  std::vector<HostTensor> outs(kChips, HostTensor(out_shape, DataType::kFloat32));
  for (auto _ : state) {
    for (int c = 0; c < kChips; ++c) ops::all_gather(op, s.line, outs[c]);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kChips * kChips * kRows * kCols * 4);
}
BENCHMARK(BM_AllGather8ChipsPreallocated)
    ->Arg(2)
    ->Arg(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Memcpy8Chips(benchmark::State& state) {
  Shards s;
  const size_t shard = kRows * kCols * 4;
  std::vector<std::vector<std::byte>> outs(kChips, std::vector<std::byte>(shard * kChips));
  for (auto _ : state) {
    for (int c = 0; c < kChips; ++c)
      for (int k = 0; k < kChips; ++k)
        std::memcpy(outs[c].data() + k * shard, s.line[k]->data(), shard);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kChips * kChips * static_cast<int64_t>(shard));
}
BENCHMARK(BM_Memcpy8Chips)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  meshrt::bench::RememberingReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  std::printf(
      "\n(b) all_gather, 8 chips x 1 MiB f32 shards, one rank (ratio = memcpy time / ours)\n");
  const std::string ref = "BM_Memcpy8Chips/real_time";
  meshrt::bench::print_ratio(rep, "gather dim 2 (executor: fresh outputs)",
                             "BM_AllGather8Chips/2/real_time", ref, 1.0, ">= 0.8");
  meshrt::bench::print_ratio(rep, "gather dim 3 (executor: fresh outputs)",
                             "BM_AllGather8Chips/3/real_time", ref, 1.0, ">= 0.8");
  meshrt::bench::print_ratio(rep, "gather dim 2 (kernel, preallocated)",
                             "BM_AllGather8ChipsPreallocated/2/real_time", ref, 1.0, ">= 0.8");
  meshrt::bench::print_ratio(rep, "gather dim 3 (kernel, preallocated)",
                             "BM_AllGather8ChipsPreallocated/3/real_time", ref, 1.0, ">= 0.8");
  benchmark::Shutdown();
  return 0;
}
