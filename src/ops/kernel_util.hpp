// Helpers shared by the kernel families of the ops layer (private to src/ops).
//
// Everything here is stateless and thread-safe.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/catalog/op_catalog.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::ops::detail {

using Inputs = std::span<const HostTensor* const>;
using Outputs = std::span<HostTensor* const>;
using KernelFn = void (*)(const binary::Op&, Inputs, Outputs);
using KernelTable = catalog::OpTable<KernelFn>;

// Each family adds its kernels to the table (called once, at first use).
void register_eltwise_binary(KernelTable& table);
void register_eltwise_unary(KernelTable& table);
void register_matmul(KernelTable& table);
void register_reduction(KernelTable& table);
void register_normalization(KernelTable& table);
void register_data_movement(KernelTable& table);
void register_creation(KernelTable& table);
void register_conv_pool(KernelTable& table);
void register_indexing(KernelTable& table);           // indexing.cpp
void register_sort(KernelTable& table);               // sort.cpp
void register_conv_transpose_3d(KernelTable& table);  // conv_transpose_3d.cpp
void register_transformer(KernelTable& table);
void register_attention(KernelTable& table);
void register_random(KernelTable& table);        // random.cpp
void register_quantization(KernelTable& table);  // quantization.cpp
void register_optimizer(KernelTable& table);     // optimizer.cpp
void register_attention_training(KernelTable& table);  // attention_training.cpp
void register_moe(KernelTable& table);                 // moe.cpp: topk_router_gpt

// Throws Error(code) with "op '<name>' at <loc>: <what>".
[[noreturn]] void fail(ErrorCode code, const binary::Op& op, const std::string& what);

// Checks operand/result counts: inputs in [min_in, max_in], exactly `num_out` outputs.
void expect_arity(const binary::Op& op, Inputs in, size_t min_in, size_t max_in, Outputs out,
                  size_t num_out = 1);

// Checks that `actual` equals `expected`, naming `what` ("result", "operand 1") otherwise.
void expect_shape(const binary::Op& op, const Shape& actual, const Shape& expected,
                  std::string_view what);

// Maps a possibly negative dim into [0, rank); throws kInvalidArgument when out of range.
int64_t normalize_dim(const binary::Op& op, int64_t dim, size_t rank);

// numpy broadcast of two shapes; throws kInvalidArgument naming the op when incompatible.
Shape broadcast_shapes(const binary::Op& op, const Shape& a, const Shape& b);

// Strides of `in` expressed over the index space of `out` (right-aligned, 0 along broadcast
// dims). Throws when `in` does not broadcast to `out`.
std::vector<int64_t> broadcast_strides(const binary::Op& op, const Shape& in, const Shape& out);

// Calls f(out_index, offsets) for every element of `out` in row-major order, where offsets[k]
// is the element offset into operand k (strides from broadcast_strides).
template <size_t N, class F>
void walk_broadcast(const Shape& out, const std::array<std::vector<int64_t>, N>& strides, F&& f) {
  const size_t rank = out.size();
  std::array<int64_t, N> off{};
  if (rank == 0) {
    f(int64_t{0}, off);
    return;
  }
  for (int64_t d : out)
    if (d == 0) return;
  std::vector<int64_t> counter(rank, 0);
  const int64_t inner = out[rank - 1];
  std::array<int64_t, N> inner_stride{};
  for (size_t k = 0; k < N; ++k) inner_stride[k] = strides[k][rank - 1];
  int64_t linear = 0;
  while (true) {
    std::array<int64_t, N> o = off;
    for (int64_t i = 0; i < inner; ++i) {
      f(linear++, o);
      for (size_t k = 0; k < N; ++k) o[k] += inner_stride[k];
    }
    // Advance the outer dims (odometer).
    size_t d = rank - 1;
    while (true) {
      if (d == 0) return;
      --d;
      ++counter[d];
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][d];
      if (counter[d] < out[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][d] * counter[d];
      counter[d] = 0;
    }
  }
}

inline const float* f32_data(const HostTensor& t) {
  return reinterpret_cast<const float*>(t.data());
}
inline float* f32_data(HostTensor& t) { return reinterpret_cast<float*>(t.data()); }
inline const uint16_t* u16_data(const HostTensor& t) {
  return reinterpret_cast<const uint16_t*>(t.data());
}
inline uint16_t* u16_data(HostTensor& t) { return reinterpret_cast<uint16_t*>(t.data()); }

// Elements of `t` as f32 (bf16/f16 widened exactly, others converted).
std::vector<float> to_f32(const HostTensor& t);
// Stores f32 values into `t`, rounding to its dtype.
void from_f32(const std::vector<float>& values, HostTensor& t);
void from_f32(const float* values, HostTensor& t);

// out[i] = in[index_of(i)] for every element of out; copies raw bytes when the dtypes match,
// converts (with rounding) otherwise.
template <class IndexOf>
void gather_elements(const HostTensor& in, HostTensor& out, IndexOf&& index_of) {
  const int64_t n = out.volume();
  if (in.dtype() != out.dtype()) {
    for (int64_t i = 0; i < n; ++i) out.set(i, in.at(index_of(i)));
    return;
  }
  auto copy = [&](auto tag) {
    using T = decltype(tag);
    const T* src = reinterpret_cast<const T*>(in.data());
    T* dst = reinterpret_cast<T*>(out.data());
    for (int64_t i = 0; i < n; ++i) dst[i] = src[index_of(i)];
  };
  switch (element_size(in.dtype())) {
    case 1:
      copy(uint8_t{});
      break;
    case 2:
      copy(uint16_t{});
      break;
    case 4:
      copy(uint32_t{});
      break;
    default:
      copy(uint64_t{});
      break;
  }
}

// Copies `in` into `out` when both hold the same number of elements (reshape-like ops).
void copy_same_volume(const binary::Op& op, const HostTensor& in, HostTensor& out);

// Integer attribute array that may be spelled as a scalar (conv/pool attrs): expands to `n`.
std::vector<int64_t> ints_or_scalar(const binary::Op& op, const std::string& key, size_t n,
                                    int64_t fallback);

// Call before any BLAS call: one BLAS thread. Chips already run in parallel, and a result must
// not depend on how many threads OpenBLAS picks (it splits sums differently), or a run over 2
// MPI ranks would not be bit-identical to the same run in one process.
void single_threaded_blas();

}  // namespace meshrt::ops::detail
