// Reduction kernels of the reference interpreter: sum, mean, max, min, prod, reduce_or,
// reduce_and, argmax, cumsum, cumprod, softmax, rms_norm.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

// Which dims are reduced: `dim_arg` (or `dim`) if given, else all of them.
std::vector<bool> reduced_dims(const OpContext& ctx, int64_t rank) {
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  const char* key = ctx.op.has_attr("dim_arg") ? "dim_arg" : "dim";
  if (!ctx.op.has_attr(key)) {
    reduced.assign(static_cast<size_t>(rank), true);
    return reduced;
  }
  std::vector<int64_t> dims = ctx.op.ints_attr(key);
  if (dims.empty()) reduced.assign(static_cast<size_t>(rank), true);
  for (int64_t d : dims) reduced[static_cast<size_t>(normalize_dim(ctx, d, rank))] = true;
  return reduced;
}

struct ReductionLayout {
  Shape kept_shape;     // input shape with reduced dims set to 1 (keep_dim form)
  Shape out_shape;      // with or without the reduced dims, per keep_dim
  Shape reduced_shape;  // sizes of the reduced dims, in order
  // For each input element: its output flat index and its flat index within the reduced dims.
  std::vector<int64_t> out_index;
  std::vector<int64_t> inner_index;
};

ReductionLayout layout_of(const OpContext& ctx, const Shape& in) {
  ReductionLayout l;
  std::vector<bool> reduced = reduced_dims(ctx, static_cast<int64_t>(in.size()));
  bool keep = ctx.op.bool_attr_or("keep_dim", false);
  for (size_t d = 0; d < in.size(); ++d) {
    l.kept_shape.push_back(reduced[d] ? 1 : in[d]);
    if (reduced[d]) l.reduced_shape.push_back(in[d]);
    if (!reduced[d] || keep) l.out_shape.push_back(reduced[d] ? 1 : in[d]);
  }
  std::vector<int64_t> out_strides = row_major_strides(l.kept_shape);
  std::vector<int64_t> inner_strides = row_major_strides(l.reduced_shape);
  const int64_t n = volume(in);
  l.out_index.resize(static_cast<size_t>(n));
  l.inner_index.resize(static_cast<size_t>(n));
  std::vector<int64_t> index(in.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t o = 0, r = 0;
    size_t rk = 0;
    for (size_t d = 0; d < in.size(); ++d) {
      if (reduced[d]) {
        r += index[d] * inner_strides[rk++];
      } else {
        o += index[d] * out_strides[d];
      }
    }
    l.out_index[static_cast<size_t>(flat)] = o;
    l.inner_index[static_cast<size_t>(flat)] = r;
    for (size_t d = in.size(); d-- > 0;) {
      if (++index[d] < in[d]) break;
      index[d] = 0;
    }
  }
  return l;
}

std::vector<Tensor> reduce(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  ReductionLayout l = layout_of(ctx, x.shape);
  const std::string& name = ctx.op.name;
  double init = 0.0;
  if (name == "max") init = -std::numeric_limits<double>::infinity();
  if (name == "min") init = std::numeric_limits<double>::infinity();
  if (name == "prod" || name == "reduce_and") init = 1.0;
  Tensor out(l.out_shape, ctx.result_dtype());
  out.v.assign(out.v.size(), init);
  enum class Kind { kAdd, kMax, kMin, kProd, kOr, kAnd };
  const Kind kind = (name == "sum" || name == "mean") ? Kind::kAdd
                    : name == "max"                   ? Kind::kMax
                    : name == "min"                   ? Kind::kMin
                    : name == "prod"                  ? Kind::kProd
                    : name == "reduce_or"             ? Kind::kOr
                                                      : Kind::kAnd;
  for (size_t i = 0; i < x.v.size(); ++i) {
    double& acc = out.v[static_cast<size_t>(l.out_index[i])];
    const double a = x.v[i];
    switch (kind) {
      case Kind::kAdd:
        acc += a;
        break;
      case Kind::kMax:
        if (std::isnan(a) || a > acc) acc = a;
        break;
      case Kind::kMin:
        if (std::isnan(a) || a < acc) acc = a;
        break;
      case Kind::kProd:
        acc *= a;
        break;
      case Kind::kOr:
        acc = (acc != 0 || a != 0) ? 1.0 : 0.0;
        break;
      case Kind::kAnd:
        acc = (acc != 0 && a != 0) ? 1.0 : 0.0;
        break;
    }
  }
  if (name == "mean") {
    const double count = static_cast<double>(volume(l.reduced_shape));
    for (double& v : out.v) v /= count;
  }
  return single(std::move(out));
}

// Index of the first maximum, counted within the reduced dims (row-major when several).
std::vector<Tensor> argmax(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  ReductionLayout l = layout_of(ctx, x.shape);
  Tensor out(l.out_shape, ctx.result_dtype());
  std::vector<double> best(out.v.size(), -std::numeric_limits<double>::infinity());
  std::vector<bool> seen(out.v.size(), false);
  for (size_t i = 0; i < x.v.size(); ++i) {
    size_t o = static_cast<size_t>(l.out_index[i]);
    const double a = x.v[i];
    if (!seen[o] || a > best[o] || (std::isnan(a) && !std::isnan(best[o]))) {
      seen[o] = true;
      best[o] = a;
      out.v[o] = static_cast<double>(l.inner_index[i]);
    }
  }
  return single(std::move(out));
}

// Calls fn(offset, stride, count) for every line of `shape` along `dim`.
template <typename Fn>
void for_each_line(const Shape& shape, int64_t dim, Fn fn) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(dim) + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t count = shape[static_cast<size_t>(dim)];
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) fn(o * count * inner + i, inner, count);
  }
}

std::vector<Tensor> cumulative(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  Tensor out = *in[0];
  out.dtype = ctx.result_dtype();
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dim"), out.rank());
  const bool product = ctx.op.name == "cumprod";
  for_each_line(out.shape, dim, [&](int64_t offset, int64_t stride, int64_t count) {
    double acc = product ? 1.0 : 0.0;
    for (int64_t j = 0; j < count; ++j) {
      double& v = out.v[static_cast<size_t>(offset + j * stride)];
      acc = product ? acc * v : acc + v;
      v = acc;
    }
  });
  return single(std::move(out));
}

std::vector<Tensor> softmax(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  Tensor out = *in[0];
  out.dtype = ctx.result_dtype();
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dimension"), out.rank());
  for_each_line(out.shape, dim, [&](int64_t offset, int64_t stride, int64_t count) {
    double peak = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < count; ++j) peak = std::max(peak, out.v[offset + j * stride]);
    double total = 0;
    for (int64_t j = 0; j < count; ++j) {
      double& v = out.v[static_cast<size_t>(offset + j * stride)];
      v = std::exp(v - peak);
      total += v;
    }
    for (int64_t j = 0; j < count; ++j) out.v[static_cast<size_t>(offset + j * stride)] /= total;
  });
  return single(std::move(out));
}

// rms_norm / layer_norm (x, [weight], [bias]) over the trailing dims of normalized_shape;
// layer_norm first subtracts the mean (biased variance, as torch.nn.functional.layer_norm).
std::vector<Tensor> norm(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  const Tensor* weight = nullptr;
  const Tensor* bias = nullptr;
  if (ctx.op.has_attr("operandSegmentSizes")) {
    std::vector<int64_t> seg = ctx.op.ints_attr("operandSegmentSizes");
    if (seg.size() != 3 || static_cast<size_t>(seg[0] + seg[1] + seg[2]) > in.size()) {
      ctx.fail(ErrorCode::kInvalidArgument, "operandSegmentSizes does not match the operands");
    }
    if (seg[1] > 0) weight = in[1];
    if (seg[2] > 0) bias = in[static_cast<size_t>(1 + seg[1])];
  } else {
    if (in.size() > 1) weight = in[1];
    if (in.size() > 2) bias = in[2];
  }
  std::vector<int64_t> norm_shape = ctx.op.ints_attr("normalized_shape");
  const double eps = ctx.op.float_attr_or("epsilon", 1e-5);
  if (norm_shape.size() > x.shape.size() ||
      !std::equal(norm_shape.rbegin(), norm_shape.rend(), x.shape.rbegin())) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("normalized_shape does not match the trailing dims of {}",
                         shape_to_string(x.shape)));
  }
  const int64_t group = volume(norm_shape);
  for (const Tensor* t : {weight, bias}) {
    if (t && t->numel() != group) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("weight/bias of shape {} does not match normalized_shape",
                           shape_to_string(t->shape)));
    }
  }
  Tensor out(x.shape, ctx.result_dtype());
  const bool centred = ctx.op.name == "layer_norm";
  for (int64_t start = 0; start < x.numel(); start += group) {
    double mean = 0;
    if (centred) {
      for (int64_t j = 0; j < group; ++j) mean += x.v[start + j];
      mean /= static_cast<double>(group);
    }
    double sq = 0;
    for (int64_t j = 0; j < group; ++j) sq += (x.v[start + j] - mean) * (x.v[start + j] - mean);
    const double scale = 1.0 / std::sqrt(sq / static_cast<double>(group) + eps);
    for (int64_t j = 0; j < group; ++j) {
      double v = (x.v[start + j] - mean) * scale;
      if (weight) v *= weight->v[j];
      if (bias) v += bias->v[j];
      out.v[start + j] = v;
    }
  }
  return single(std::move(out));
}

// group_norm(x, [mask], [weight], [bias]): per batch entry and group of channels, the mean and
// biased variance over the group's channels and every other dim; weight and bias one value per
// channel. The mask (ttnn's tile-membership helper) does not change the result.
std::vector<Tensor> group_norm(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  const std::vector<int> seg = ctx.op.segment_operands(4);
  const Tensor* weight = seg[2] >= 0 ? in[static_cast<size_t>(seg[2])] : nullptr;
  const Tensor* bias = seg[3] >= 0 ? in[static_cast<size_t>(seg[3])] : nullptr;
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr_or("channel_dim", 3), x.rank());
  const int64_t channels = x.shape[static_cast<size_t>(dim)];
  const int64_t groups = ctx.op.int_attr("num_groups");
  if (groups < 1 || channels % groups != 0)
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("num_groups {} does not divide {} channels", groups, channels));
  for (const Tensor* t : {weight, bias})
    if (t && t->numel() != channels)
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("weight/bias {} must hold {} values", shape_to_string(t->shape),
                           channels));
  const double eps = ctx.op.float_attr_or("epsilon", 1e-12);
  const int64_t per_group = channels / groups;
  const int64_t batch = x.shape.empty() ? 1 : x.shape[0];
  std::vector<double> sum(static_cast<size_t>(batch * groups), 0.0);
  std::vector<double> sq(sum.size(), 0.0);
  std::vector<int64_t> count(sum.size(), 0);
  auto slot = [&](const std::vector<int64_t>& index) {
    return static_cast<size_t>(index[0] * groups + index[static_cast<size_t>(dim)] / per_group);
  };
  for_each_index(x.shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    sum[slot(index)] += x.v[static_cast<size_t>(flat)];
    ++count[slot(index)];
  });
  for_each_index(x.shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    const size_t s = slot(index);
    const double d = x.v[static_cast<size_t>(flat)] - sum[s] / static_cast<double>(count[s]);
    sq[s] += d * d;
  });
  Tensor out(x.shape, ctx.result_dtype());
  for_each_index(x.shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    const size_t s = slot(index);
    const double n = static_cast<double>(count[s]);
    double v = (x.v[static_cast<size_t>(flat)] - sum[s] / n) / std::sqrt(sq[s] / n + eps);
    const auto ch = static_cast<size_t>(index[static_cast<size_t>(dim)]);
    if (weight) v *= weight->v[ch];
    if (bias) v += bias->v[ch];
    out.v[static_cast<size_t>(flat)] = v;
  });
  return single(std::move(out));
}

}  // namespace

void register_reduction_kernels(KernelTable& table) {
  for (const char* name : {"sum", "mean", "max", "min", "prod", "reduce_or", "reduce_and"}) {
    table.device[name] = reduce;
  }
  table.device["argmax"] = argmax;
  table.device["cumsum"] = cumulative;
  table.device["cumprod"] = cumulative;
  table.device["softmax"] = softmax;
  table.device["rms_norm"] = norm;
  table.device["layer_norm"] = norm;
  table.device["group_norm"] = group_norm;
}

}  // namespace meshrt::reference::interp
