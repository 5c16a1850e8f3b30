// Creation kernels of the reference interpreter: constant, full, zeros, ones, arange,
// get_dimension_size. Shapes come from the declared result type.
#include <fmt/format.h>

#include <cmath>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

std::vector<Tensor> constant(const OpContext& ctx, const std::vector<const Tensor*>&) {
  const binary::DenseElements& dense = ctx.op.dense_attr("value");
  Tensor out(ctx.result_shape(), ctx.result_dtype());
  if (dense.values.size() != 1 && static_cast<int64_t>(dense.values.size()) != out.numel()) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("value has {} elements, the result {}", dense.values.size(),
                         shape_to_string(out.shape)));
  }
  // A literal of a bf16 (or any) tensor denotes values of that dtype: round it once here.
  for (int64_t i = 0; i < out.numel(); ++i) {
    out.v[static_cast<size_t>(i)] = round_to_dtype(dense.at(i), out.dtype);
  }
  return single(std::move(out));
}

void check_shape_attr(const OpContext& ctx) {
  if (!ctx.op.has_attr("shape")) return;
  std::vector<int64_t> attr = ctx.op.ints_attr("shape");
  if (Shape(attr.begin(), attr.end()) != ctx.result_shape()) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("shape attribute {} differs from the result type {}",
                         shape_to_string(attr), shape_to_string(ctx.result_shape())));
  }
}

std::vector<Tensor> fill(const OpContext& ctx, const std::vector<const Tensor*>&) {
  check_shape_attr(ctx);
  double value = 0.0;
  if (ctx.op.name == "ones") value = 1.0;
  if (ctx.op.name == "full") value = ctx.op.float_attr("fill_value");
  Tensor out(ctx.result_shape(), ctx.result_dtype());
  out.v.assign(out.v.size(), round_to_dtype(value, out.dtype));
  return single(std::move(out));
}

// Element value start + i * step, where i is the index along arange_dimension.
std::vector<Tensor> arange(const OpContext& ctx, const std::vector<const Tensor*>&) {
  Tensor out(ctx.result_shape(), ctx.result_dtype());
  const double start = ctx.op.float_attr("start");
  const double end = ctx.op.float_attr("end");
  const double step = ctx.op.float_attr_or("step", 1.0);
  if (step == 0) ctx.fail(ErrorCode::kInvalidArgument, "arange step of 0");
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr_or("arange_dimension", 0), out.rank());
  const int64_t count = static_cast<int64_t>(std::ceil((end - start) / step));
  if (count != out.shape[static_cast<size_t>(dim)]) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("arange({}, {}, {}) has {} elements, result dim {} has {}", start, end,
                         step, count, dim, out.shape[static_cast<size_t>(dim)]));
  }
  for_each_index(out.shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    out.v[static_cast<size_t>(flat)] =
        start + static_cast<double>(index[static_cast<size_t>(dim)]) * step;
  });
  return single(std::move(out));
}

std::vector<Tensor> get_dimension_size(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dimension"), in[0]->rank());
  Tensor out(ctx.result_shape(), ctx.result_dtype());
  out.v.assign(out.v.size(), static_cast<double>(in[0]->shape[static_cast<size_t>(dim)]));
  return single(std::move(out));
}

}  // namespace

void register_creation_kernels(KernelTable& table) {
  table.device["constant"] = constant;
  table.device["full"] = fill;
  table.device["zeros"] = fill;
  table.device["empty"] = fill;  // meshrt's empty tensors are zero-filled, as its kernel's
  table.device["ones"] = fill;
  table.device["arange"] = arange;
  table.device["get_dimension_size"] = get_dimension_size;
}

}  // namespace meshrt::reference::interp
