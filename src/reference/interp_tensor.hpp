// Private to the reference interpreter: the f64 tensor its kernels compute on, the per-op
// context they receive, and small shape/attribute helpers shared by the kernel files.
//
// Plain value types; nothing here is shared between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::reference::interp {

// A dense row-major tensor of doubles. `dtype` is the declared dtype of the value it holds
// (integer kernels use it for bit widths); the numbers themselves are always exact doubles.
struct Tensor {
  Shape shape;
  DataType dtype = DataType::kFloat64;
  std::vector<double> v;

  Tensor() = default;
  Tensor(Shape s, DataType d)
      : shape(std::move(s)), dtype(d), v(static_cast<size_t>(volume(shape)), 0.0) {}
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numel() const { return static_cast<int64_t>(v.size()); }
};

// Reads any host tensor into doubles; `declared` becomes Tensor::dtype.
Tensor from_host(const HostTensor& host, DataType declared);
// Stored in the declared dtype, each value rounded with round_to_dtype: like the goldens of
// tt-mlir (torch tensors of the op's dtype), every op's result carries its dtype's precision
// into the next op, while kernels compute in f64.
std::shared_ptr<const HostTensor> to_host(const Tensor& t, DataType declared);
// `t` as the interpreter stores a value of dtype `declared` (t itself when it already is).
std::shared_ptr<const HostTensor> restore(const std::shared_ptr<const HostTensor>& t,
                                          DataType declared);

// What a kernel knows about the op it runs.
struct OpContext {
  const binary::Op& op;
  std::vector<const binary::TensorDesc*> results;  // declared result types

  const Shape& result_shape(size_t i = 0) const;
  DataType result_dtype(size_t i = 0) const;
  // Throws Error(code) with "op '<name>' (loc '<loc>'): <message>".
  [[noreturn]] void fail(ErrorCode code, const std::string& message) const;
  // Requires exactly / at least `n` operands.
  void expect_operands(size_t given, size_t n) const;
  void expect_min_operands(size_t given, size_t n) const;
};

// Maps a possibly negative `dim` into [0, rank); fails naming the op otherwise.
int64_t normalize_dim(const OpContext& ctx, int64_t dim, int64_t rank);
// numpy broadcast of two shapes; fails naming the op if they do not broadcast.
Shape broadcast_shapes(const OpContext& ctx, const Shape& a, const Shape& b);
// For each element of `out` (row-major), the flat index of the element of a tensor of shape
// `in` that broadcasts to it (`in` right-aligned against `out`).
std::vector<int64_t> broadcast_index_map(const Shape& in, const Shape& out);
// Calls fn(flat, index) for every element of `shape` in row-major order; `index` is the
// multi-index of element `flat` (updated in place, no allocation per element).
template <typename Fn>
void for_each_index(const Shape& shape, Fn fn) {
  const int64_t n = volume(shape);
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    fn(flat, static_cast<const std::vector<int64_t>&>(index));
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}
// The tensor with its elements permuted: out.shape[i] = in.shape[perm[i]].
Tensor permute_tensor(const Tensor& in, const std::vector<int64_t>& perm);
// Fails naming the op unless `t` has `shape`.
void expect_shape(const OpContext& ctx, const Tensor& t, const Shape& shape, const char* what);

// Integer attribute pair (`3`, `[3]` or `[3, 4]`), as used by conv/pool stride and dilation.
std::vector<int64_t> pair_attr(const OpContext& ctx, const std::string& key, int64_t fallback);
// Padding as [top, left, bottom, right] from an int, a [h, w] pair or the 4-entry form.
std::vector<int64_t> padding4_attr(const OpContext& ctx, const std::string& key);

// Wraps an integer result to the bit width of `dtype` (two's complement), as bitwise ops do.
double wrap_to_dtype(int64_t value, DataType dtype);
// Bit width of an integer dtype (bool: 1).
int bit_width(DataType dtype);

}  // namespace meshrt::reference::interp
