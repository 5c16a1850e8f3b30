// Data-movement kernels of the reference interpreter (f64): rearrange, transpose, concat,
// slice_static, broadcast, repeat, repeat_interleave, pad, reverse, index_select, gather.
// reshape, squeeze, unsqueeze, permute and embedding run on the stored tensors instead
// (interp_host_data.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

// rearrange: the input viewed as its elementary axes (axes_shape), permuted by axes_permutation,
// read back with the result's shape.
std::vector<Tensor> rearrange(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 1);
  Tensor view = *in[0];
  view.shape = ctx.op.ints_attr("axes_shape");
  if (volume(view.shape) != view.numel())
    ctx.fail(ErrorCode::kInvalidArgument, "axes_shape does not hold the input's elements");
  Tensor out = permute_tensor(view, ctx.op.ints_attr("axes_permutation"));
  out.shape = ctx.result_shape();
  if (volume(out.shape) != out.numel())
    ctx.fail(ErrorCode::kInvalidArgument, "the result does not hold the input's elements");
  return single(std::move(out));
}

std::vector<Tensor> transpose(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const int64_t rank = in[0]->rank();
  std::vector<int64_t> perm(static_cast<size_t>(rank));
  for (int64_t i = 0; i < rank; ++i) perm[static_cast<size_t>(i)] = i;
  int64_t d0 = normalize_dim(ctx, ctx.op.int_attr("dim0"), rank);
  int64_t d1 = normalize_dim(ctx, ctx.op.int_attr("dim1"), rank);
  std::swap(perm[static_cast<size_t>(d0)], perm[static_cast<size_t>(d1)]);
  return single(permute_tensor(*in[0], perm));
}

std::vector<Tensor> concat(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const int64_t rank = in[0]->rank();
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dim"), rank);
  Shape shape = in[0]->shape;
  shape[static_cast<size_t>(dim)] = 0;
  for (const Tensor* t : in) {
    Shape probe = t->shape;
    if (t->rank() == rank) probe[static_cast<size_t>(dim)] = in[0]->shape[static_cast<size_t>(dim)];
    if (probe != in[0]->shape) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("cannot concatenate {} with {} along dim {}", shape_to_string(t->shape),
                           shape_to_string(in[0]->shape), dim));
    }
    shape[static_cast<size_t>(dim)] += t->shape[static_cast<size_t>(dim)];
  }
  Tensor out(shape, ctx.result_dtype());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= shape[static_cast<size_t>(d)];
  for (int64_t d = dim + 1; d < rank; ++d) inner *= shape[static_cast<size_t>(d)];
  const int64_t out_row = shape[static_cast<size_t>(dim)] * inner;
  int64_t col = 0;
  for (const Tensor* t : in) {
    const int64_t row = t->shape[static_cast<size_t>(dim)] * inner;
    for (int64_t o = 0; o < outer; ++o) {
      std::copy(t->v.begin() + o * row, t->v.begin() + (o + 1) * row,
                out.v.begin() + o * out_row + col);
    }
    col += row;
  }
  return single(std::move(out));
}

std::vector<Tensor> slice_static(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  std::vector<int64_t> begins = ctx.op.ints_attr("begins");
  std::vector<int64_t> ends = ctx.op.ints_attr("ends");
  std::vector<int64_t> steps =
      ctx.op.has_attr("step") ? ctx.op.ints_attr("step") : std::vector<int64_t>(begins.size(), 1);
  if (begins.size() != x.shape.size() || ends.size() != x.shape.size() ||
      steps.size() != x.shape.size()) {
    ctx.fail(ErrorCode::kInvalidArgument, "begins/ends/step must have one entry per dim");
  }
  Shape shape(x.shape.size());
  for (size_t d = 0; d < x.shape.size(); ++d) {
    const int64_t n = x.shape[d];
    if (begins[d] < 0) begins[d] += n;
    if (ends[d] < 0) ends[d] += n;
    if (steps[d] == 0) ctx.fail(ErrorCode::kInvalidArgument, "slice step of 0");
    if (steps[d] > 0) {
      begins[d] = std::clamp<int64_t>(begins[d], 0, n);
      ends[d] = std::clamp<int64_t>(ends[d], 0, n);
      shape[d] = ends[d] > begins[d] ? (ends[d] - begins[d] + steps[d] - 1) / steps[d] : 0;
    } else {
      begins[d] = std::clamp<int64_t>(begins[d], -1, n - 1);
      ends[d] = std::clamp<int64_t>(ends[d], -1, n - 1);
      shape[d] = begins[d] > ends[d] ? (begins[d] - ends[d] - steps[d] - 1) / -steps[d] : 0;
    }
  }
  Tensor out(shape, ctx.result_dtype());
  std::vector<int64_t> strides = row_major_strides(x.shape);
  for_each_index(shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    int64_t src = 0;
    for (size_t d = 0; d < index.size(); ++d) src += (begins[d] + index[d] * steps[d]) * strides[d];
    out.v[static_cast<size_t>(flat)] = x.v[static_cast<size_t>(src)];
  });
  return single(std::move(out));
}

// Tiles `x` `factors[d]` times along each dim d.
Tensor tile(const OpContext& ctx, const Tensor& x, const std::vector<int64_t>& factors) {
  if (factors.size() != x.shape.size()) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("{} repeat factors for rank {}", factors.size(), x.shape.size()));
  }
  Shape shape(x.shape.size());
  for (size_t d = 0; d < shape.size(); ++d) shape[d] = x.shape[d] * factors[d];
  Tensor out(shape, ctx.result_dtype());
  std::vector<int64_t> strides = row_major_strides(x.shape);
  for_each_index(shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    int64_t src = 0;
    for (size_t d = 0; d < index.size(); ++d) src += (index[d] % x.shape[d]) * strides[d];
    out.v[static_cast<size_t>(flat)] = x.v[static_cast<size_t>(src)];
  });
  return out;
}

std::vector<Tensor> broadcast(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  return single(tile(ctx, *in[0], ctx.op.ints_attr("broadcast_dimensions")));
}

std::vector<Tensor> repeat(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  return single(tile(ctx, *in[0], ctx.op.ints_attr("repeat_dimensions")));
}

std::vector<Tensor> repeat_interleave(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dim"), x.rank());
  const int64_t repeats = ctx.op.int_attr("repeats");
  if (repeats < 1) ctx.fail(ErrorCode::kInvalidArgument, "repeats must be positive");
  Shape shape = x.shape;
  shape[static_cast<size_t>(dim)] *= repeats;
  Tensor out(shape, ctx.result_dtype());
  std::vector<int64_t> strides = row_major_strides(x.shape);
  for_each_index(shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    int64_t src = 0;
    for (size_t d = 0; d < index.size(); ++d) {
      src += (d == static_cast<size_t>(dim) ? index[d] / repeats : index[d]) * strides[d];
    }
    out.v[static_cast<size_t>(flat)] = x.v[static_cast<size_t>(src)];
  });
  return single(std::move(out));
}

// padding = [lo0, hi0, lo1, hi1, ...]; new cells get `value`.
std::vector<Tensor> pad(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  std::vector<int64_t> padding = ctx.op.ints_attr("padding");
  if (padding.size() != 2 * x.shape.size()) {
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("padding has {} entries, expected {}",
                                                      padding.size(), 2 * x.shape.size()));
  }
  Shape shape(x.shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    shape[d] = padding[2 * d] + x.shape[d] + padding[2 * d + 1];
    if (padding[2 * d] < 0 || padding[2 * d + 1] < 0) {
      ctx.fail(ErrorCode::kUnsupported, "negative padding");
    }
  }
  Tensor out(shape, ctx.result_dtype());
  out.v.assign(out.v.size(), ctx.op.float_attr_or("value", 0.0));
  std::vector<int64_t> out_strides = row_major_strides(shape);
  for_each_index(x.shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    int64_t dst = 0;
    for (size_t d = 0; d < index.size(); ++d) dst += (index[d] + padding[2 * d]) * out_strides[d];
    out.v[static_cast<size_t>(dst)] = x.v[static_cast<size_t>(flat)];
  });
  return single(std::move(out));
}

// gather (torch.gather): out[i] = input[i, its dim-th entry taken from index[i]].
std::vector<Tensor> gather(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 2);
  const Tensor& x = *in[0];
  const Tensor& index = *in[1];
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dim"), x.rank());
  if (index.rank() != x.rank()) ctx.fail(ErrorCode::kInvalidArgument, "index rank differs");
  Tensor out(index.shape, ctx.result_dtype());
  const std::vector<int64_t> strides = row_major_strides(x.shape);
  for_each_index(index.shape, [&](int64_t flat, const std::vector<int64_t>& idx) {
    const auto k = static_cast<int64_t>(index.v[flat]);
    if (k < 0 || k >= x.shape[dim])
      ctx.fail(ErrorCode::kInvalidArgument, fmt::format("index {} is out of range", k));
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      src += (static_cast<int64_t>(d) == dim ? k : idx[d]) * strides[d];
    out.v[flat] = x.v[src];
  });
  return single(std::move(out));
}

// reverse: out[i] = in[i with each listed dim d read as size(d) - 1 - i_d].
std::vector<Tensor> reverse(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 1);
  const Tensor& x = *in[0];
  std::vector<bool> flip(x.shape.size(), false);
  for (int64_t d : ctx.op.ints_attr("dimensions")) flip[normalize_dim(ctx, d, x.rank())] = true;
  Tensor out(x.shape, ctx.result_dtype());
  const std::vector<int64_t> strides = row_major_strides(x.shape);
  for_each_index(x.shape, [&](int64_t flat, const std::vector<int64_t>& idx) {
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      src += (flip[d] ? x.shape[d] - 1 - idx[d] : idx[d]) * strides[d];
    out.v[flat] = x.v[src];
  });
  return single(std::move(out));
}

// index_select: entry k of `dim` is entry begin + k * max(stride, 1) of the input.
std::vector<Tensor> index_select(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 1);
  const Tensor& x = *in[0];
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dim"), x.rank());
  const int64_t begin = ctx.op.int_attr("begin");
  const int64_t length = ctx.op.int_attr("length");
  const int64_t step = std::max<int64_t>(1, ctx.op.int_attr_or("stride", 0));
  if (begin < 0 || length < 0 || (length > 0 && begin + (length - 1) * step >= x.shape[dim]))
    ctx.fail(ErrorCode::kInvalidArgument, "the selection leaves the input");
  Shape shape = x.shape;
  shape[dim] = length;
  Tensor out(shape, ctx.result_dtype());
  const std::vector<int64_t> strides = row_major_strides(x.shape);
  for_each_index(shape, [&](int64_t flat, const std::vector<int64_t>& idx) {
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      src += (static_cast<int64_t>(d) == dim ? begin + idx[d] * step : idx[d]) * strides[d];
    out.v[flat] = x.v[src];
  });
  return single(std::move(out));
}

}  // namespace

void register_data_movement_kernels(KernelTable& table) {
  table.device["reverse"] = reverse;
  table.device["index_select"] = index_select;
  table.device["gather"] = gather;
  table.device["rearrange"] = rearrange;
  table.device["transpose"] = transpose;
  table.device["concat"] = concat;
  table.device["slice_static"] = slice_static;
  table.device["broadcast"] = broadcast;
  table.device["repeat"] = repeat;
  table.device["repeat_interleave"] = repeat_interleave;
  table.device["pad"] = pad;
}

}  // namespace meshrt::reference::interp
