// Reference-interpreter kernels (f64) for index, slice_dynamic, scatter and
// embedding_backward. Written as plain loops over multi-indices, independently of the device
// kernels in src/ops.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

// Flat offset of `index` in a tensor with row-major `strides`.
int64_t offset_of(const std::vector<int64_t>& index, const std::vector<int64_t>& strides) {
  int64_t off = 0;
  for (size_t d = 0; d < index.size(); ++d) off += index[d] * strides[d];
  return off;
}

// An integer-valued element used as an index; fails unless it lies in [0, size).
int64_t index_value(const OpContext& ctx, double v, int64_t size, const char* what) {
  if (!(v >= 0) || v >= static_cast<double>(size) || v != std::floor(v)) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("{} value {} is outside [0, {})", what, v, size));
  }
  return static_cast<int64_t>(v);
}

// Copies the elements at begin[d] + i * step[d] of every dim d into a tensor of `out_shape`.
Tensor strided_copy(const Tensor& x, const std::vector<int64_t>& begin,
                    const std::vector<int64_t>& step, const Shape& out_shape, DataType dtype) {
  Tensor out(out_shape, dtype);
  const std::vector<int64_t> strides = row_major_strides(x.shape);
  std::vector<int64_t> src(x.shape.size());
  for_each_index(out_shape, [&](int64_t flat, const std::vector<int64_t>& idx) {
    for (size_t d = 0; d < idx.size(); ++d) src[d] = begin[d] + idx[d] * step[d];
    out.v[static_cast<size_t>(flat)] = x.v[static_cast<size_t>(offset_of(src, strides))];
  });
  return out;
}

int64_t stepped_count(int64_t begin, int64_t end, int64_t step) {
  return end <= begin ? 0 : (end - begin + step - 1) / step;
}

std::vector<Tensor> index_op(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 1);
  const Tensor& x = *in[0];
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dim"), x.rank());
  const int64_t size = x.shape[static_cast<size_t>(dim)];
  int64_t begin = ctx.op.int_attr("begin"), end = ctx.op.int_attr("end");
  const int64_t step = ctx.op.int_attr_or("step", 1);
  if (begin < 0) begin += size;
  if (end < 0) end += size;
  end = std::min(end, size);
  if (step <= 0 || begin < 0) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("bad range begin {} step {} for dim {}", begin, step, dim));
  }
  std::vector<int64_t> starts(x.shape.size(), 0), steps(x.shape.size(), 1);
  starts[static_cast<size_t>(dim)] = begin;
  steps[static_cast<size_t>(dim)] = step;
  Shape shape = x.shape;
  shape[static_cast<size_t>(dim)] = stepped_count(begin, end, step);
  return single(strided_copy(x, starts, steps, shape, ctx.result_dtype()));
}

std::vector<Tensor> slice_dynamic(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 3);
  const Tensor& x = *in[0];
  const size_t rank = x.shape.size();
  if (in[1]->numel() != static_cast<int64_t>(rank) || in[2]->numel() != static_cast<int64_t>(rank))
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("begins/ends need {} values each", rank));
  std::vector<int64_t> step =
      ctx.op.has_attr("step") ? ctx.op.ints_attr("step") : std::vector<int64_t>(rank, 1);
  if (step.size() != rank) ctx.fail(ErrorCode::kInvalidArgument, "step needs one value per dim");
  std::vector<int64_t> begin(rank);
  Shape shape(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t size = x.shape[d];
    begin[d] = static_cast<int64_t>(in[1]->v[d]);
    const int64_t end = std::min(static_cast<int64_t>(in[2]->v[d]), size);
    if (begin[d] < 0 || begin[d] > size || step[d] <= 0) {
      ctx.fail(
          ErrorCode::kInvalidArgument,
          fmt::format("dim {}: begin {} step {} do not fit size {}", d, begin[d], step[d], size));
    }
    shape[d] = stepped_count(begin[d], end, step[d]);
  }
  return single(strided_copy(x, begin, step, shape, ctx.result_dtype()));
}

// out = input; then for every element p of `index`: out[p with p[dim] = index[p]] (op)= src[p].
std::vector<Tensor> scatter(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 3);
  const Tensor &x = *in[0], &index = *in[1], &src = *in[2];
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dim"), x.rank());
  const std::string kind = ctx.op.has_attr("scatter_reduce_type")
                               ? ctx.op.string_attr("scatter_reduce_type")
                               : std::string("invalid");
  Tensor out = x;
  out.dtype = ctx.result_dtype();
  const std::vector<int64_t> out_strides = row_major_strides(x.shape);
  const std::vector<int64_t> src_strides = row_major_strides(src.shape);
  std::vector<int64_t> target;
  for_each_index(index.shape, [&](int64_t flat, const std::vector<int64_t>& p) {
    target = p;
    target[static_cast<size_t>(dim)] = index_value(ctx, index.v[static_cast<size_t>(flat)],
                                                   x.shape[static_cast<size_t>(dim)], "index");
    double& slot = out.v[static_cast<size_t>(offset_of(target, out_strides))];
    const double value = src.v[static_cast<size_t>(offset_of(p, src_strides))];
    if (kind == "invalid") {
      slot = value;
    } else if (kind == "sum") {
      slot += value;
    } else if (kind == "prod") {
      slot *= value;
    } else if (kind == "max") {
      slot = std::max(slot, value);
    } else if (kind == "min") {
      slot = std::min(slot, value);
    } else {
      ctx.fail(ErrorCode::kUnsupported, fmt::format("scatter_reduce_type '{}'", kind));
    }
  });
  return single(std::move(out));
}

// Sums each gradient row into the row of the weight shape its index names.
std::vector<Tensor> embedding_backward(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 3);
  const Tensor &indices = *in[0], &weight = *in[1], &grad = *in[2];
  if (weight.rank() != 2) ctx.fail(ErrorCode::kInvalidArgument, "weight must have rank 2");
  const int64_t rows = weight.shape[0], width = weight.shape[1];
  if (grad.numel() != indices.numel() * width) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("gradient {} does not hold {} rows of {}", shape_to_string(grad.shape),
                         indices.numel(), width));
  }
  Tensor out(weight.shape, ctx.result_dtype());
  for (int64_t i = 0; i < indices.numel(); ++i) {
    const int64_t row = index_value(ctx, indices.v[static_cast<size_t>(i)], rows, "index");
    for (int64_t j = 0; j < width; ++j) {
      out.v[static_cast<size_t>(row * width + j)] += grad.v[static_cast<size_t>(i * width + j)];
    }
  }
  return single(std::move(out));
}

}  // namespace

void register_indexing_kernels(KernelTable& table) {
  table.device["index"] = index_op;
  table.device["slice_dynamic"] = slice_dynamic;
  table.device["scatter"] = scatter;
  table.device["embedding_backward"] = embedding_backward;
}

}  // namespace meshrt::reference::interp
