// Reference-interpreter kernels (f64) for sort and topk, independently of the device kernels.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

// Sorts every line along `dim`; equal values keep their original order. Results: the sorted
// values and the positions they came from.
// The first k entries of every line along dim in sorted order (descending: largest first;
// ties keep the lower position), and their positions.
std::vector<Tensor> sorted_prefix(const OpContext& ctx, const Tensor& x, int64_t k,
                                  bool descending) {
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr_or("dim", -1), x.rank());
  const int64_t len = x.shape[static_cast<size_t>(dim)];
  if (k < 0 || k > len) ctx.fail(ErrorCode::kInvalidArgument, "k is outside the dim");
  Shape shape = x.shape;
  shape[static_cast<size_t>(dim)] = k;
  Tensor values(shape, ctx.result_dtype(0));
  Tensor positions(shape, ctx.result_dtype(1));
  const std::vector<int64_t> strides = row_major_strides(x.shape);
  const int64_t stride = strides[static_cast<size_t>(dim)];
  const int64_t out_stride = row_major_strides(shape)[static_cast<size_t>(dim)];
  std::vector<int64_t> order(static_cast<size_t>(len));
  for_each_index(shape, [&](int64_t flat, const std::vector<int64_t>& idx) {
    if (idx[static_cast<size_t>(dim)] != 0) return;  // one line per first entry
    int64_t base = 0;
    for (size_t d = 0; d < idx.size(); ++d) base += idx[d] * strides[d];
    auto at = [&](int64_t j) { return x.v[static_cast<size_t>(base + j * stride)]; };
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return descending ? at(a) > at(b) : at(a) < at(b);
    });
    for (int64_t j = 0; j < k; ++j) {
      values.v[static_cast<size_t>(flat + j * out_stride)] = at(order[static_cast<size_t>(j)]);
      positions.v[static_cast<size_t>(flat + j * out_stride)] =
          static_cast<double>(order[static_cast<size_t>(j)]);
    }
  });
  std::vector<Tensor> results;
  results.push_back(std::move(values));
  results.push_back(std::move(positions));
  return results;
}

std::vector<Tensor> topk(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 1);
  return sorted_prefix(ctx, *in[0], ctx.op.int_attr("k"), ctx.op.bool_attr_or("largest", true));
}

std::vector<Tensor> sort(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 1);
  const Tensor& x = *in[0];
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr_or("dim", -1), x.rank());
  return sorted_prefix(ctx, x, x.shape[static_cast<size_t>(dim)],
                       ctx.op.bool_attr_or("descending", false));
}

}  // namespace

void register_sort_kernels(KernelTable& table) {
  table.device["sort"] = sort;
  table.device["topk"] = topk;
}

}  // namespace meshrt::reference::interp
