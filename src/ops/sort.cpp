// Device kernels for sort and topk: stable orderings along a dim; values are copied raw and
// positions are exact.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// Stable sort of every line along `dim` (ties keep their order); values are copied raw.
// The first k entries of every line along `dim` of in[0] in sorted order (descending: largest
// first; ties keep the lower position first) into out[0], their positions into out[1].
void sorted_prefix(const binary::Op& op, Inputs in, Outputs out, int64_t k, bool descending) {
  const HostTensor& x = *in[0];
  const size_t dim =
      static_cast<size_t>(normalize_dim(op, op.int_attr_or("dim", -1), x.shape().size()));
  const int64_t len = x.shape()[dim];
  if (k < 0 || k > len)
    fail(ErrorCode::kInvalidArgument, op, fmt::format("k {} is outside [0, {}]", k, len));
  Shape expected = x.shape();
  expected[dim] = k;
  expect_shape(op, out[0]->shape(), expected, "values result");
  expect_shape(op, out[1]->shape(), expected, "indices result");
  const int64_t inner = row_major_strides(x.shape())[dim];
  const int64_t outer = len == 0 ? 0 : x.volume() / (len * inner);
  const std::vector<float> key = to_f32(x);
  std::vector<int64_t> source(static_cast<size_t>(out[0]->volume()));
  std::vector<int32_t> perm(static_cast<size_t>(len));
  for (int64_t ob = 0; ob < outer; ++ob)
    for (int64_t ib = 0; ib < inner; ++ib) {
      const int64_t base = ob * len * inner + ib, out_base = ob * k * inner + ib;
      std::iota(perm.begin(), perm.end(), 0);
      std::stable_sort(perm.begin(), perm.end(), [&](int32_t a, int32_t b) {
        const float ka = key[static_cast<size_t>(base + a * inner)];
        const float kb = key[static_cast<size_t>(base + b * inner)];
        return descending ? kb < ka : ka < kb;
      });
      for (int64_t j = 0; j < k; ++j) {
        source[static_cast<size_t>(out_base + j * inner)] =
            base + perm[static_cast<size_t>(j)] * inner;
        out[1]->set(out_base + j * inner, perm[static_cast<size_t>(j)]);
      }
    }
  gather_elements(x, *out[0], [&](int64_t i) { return source[static_cast<size_t>(i)]; });
}

void sort_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out, 2);
  const HostTensor& x = *in[0];
  if (x.shape().empty()) {
    expect_shape(op, out[0]->shape(), x.shape(), "values result");
    gather_elements(x, *out[0], [](int64_t i) { return i; });
    return;
  }
  const int64_t dim = normalize_dim(op, op.int_attr_or("dim", -1), x.shape().size());
  sorted_prefix(op, in, out, x.shape()[dim], op.bool_attr_or("descending", false));
}

// topk(k, dim, largest, sorted): the k largest (smallest) entries along dim and their
// positions, always in sorted order, which also satisfies sorted = false.
void topk_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out, 2);
  if (in[0]->shape().empty()) fail(ErrorCode::kInvalidArgument, op, "input needs a dim");
  sorted_prefix(op, in, out, op.int_attr("k"), op.bool_attr_or("largest", true));
}

}  // namespace

void register_sort(KernelTable& t) {
  t["sort"] = sort_kernel;
  t["topk"] = topk_kernel;
}

}  // namespace meshrt::ops::detail
