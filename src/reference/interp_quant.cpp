// Quantization kernels of the reference interpreter (f64, plain loops over multi-indices):
//
//   quantize_unrolled(x, scale, zp)    q  = clamp(round_half_even(x / scale) + zp, lo, hi)
//                                      (x / scale rounded to f32 first, as the device divides
//                                      in f32: a bf16 x often lands on a tie either side of it)
//   dequantize_unrolled(q, scale, zp)  y  = (q - zp) * scale
//   requantize(q)                      q' = clamp(round_half_even((q - zp_in) * s_in / s_out)
//                                                 + zp_out, lo, hi)
//
// [lo, hi] is the storage range: the storage_min / storage_max attributes (from the quantized
// result type) within the range of the result's integer dtype. With an `axis` attribute, the
// element whose index along `axis` is k uses entry k of every parameter with more than one
// entry. Scales are f32 values (the types' expressed type); requantize takes its parameters
// from the attributes the parser derives from its types.
#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

// Ties go to the even neighbour: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2.
double round_half_even(double v) {
  const double below = std::floor(v);
  const double fraction = v - below;
  if (fraction < 0.5) return below;
  if (fraction > 0.5) return below + 1;
  return std::fmod(below, 2.0) == 0 ? below : below + 1;
}

double as_f32(double v) { return static_cast<double>(static_cast<float>(v)); }

struct Range {
  double lo = 0, hi = 0;
};

Range storage_range(const OpContext& ctx, DataType dtype) {
  if (is_float(dtype) || dtype == DataType::kBool)
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("quantized values need an integer type, got {}", mlir_name(dtype)));
  const int bits = bit_width(dtype);
  const bool is_signed =
      dtype == DataType::kInt32 || dtype == DataType::kInt16 || dtype == DataType::kInt64;
  Range r;
  r.lo = is_signed ? -std::ldexp(1.0, bits - 1) : 0.0;
  r.hi = is_signed ? std::ldexp(1.0, bits - 1) - 1 : std::ldexp(1.0, bits) - 1;
  if (ctx.op.has_attr("storage_min"))
    r.lo = std::max(r.lo, static_cast<double>(ctx.op.int_attr("storage_min")));
  if (ctx.op.has_attr("storage_max"))
    r.hi = std::min(r.hi, static_cast<double>(ctx.op.int_attr("storage_max")));
  return r;
}

double clamp_to(double v, const Range& r) { return v < r.lo ? r.lo : (v > r.hi ? r.hi : v); }

// One quantization parameter: a single value for the whole tensor, or one per axis index.
class Param {
 public:
  Param(const OpContext& ctx, std::vector<double> values, std::optional<int64_t> axis,
        const Shape& shape, const char* what)
      : values_(std::move(values)), axis_(axis) {
    const auto n = static_cast<int64_t>(values_.size());
    const bool ok = n == 1 || (axis && n == shape[static_cast<size_t>(*axis)]);
    if (!ok) {
      ctx.fail(ErrorCode::kInvalidArgument,
               axis ? fmt::format("{} has {} values, the quantization axis {} has size {}", what, n,
                                  *axis, shape[static_cast<size_t>(*axis)])
                    : fmt::format("{} has {} values but there is no quantization axis", what, n));
    }
  }
  double at(const std::vector<int64_t>& index) const {
    return values_.size() == 1 ? values_[0] : values_[static_cast<size_t>(index[*axis_])];
  }

 private:
  std::vector<double> values_;
  std::optional<int64_t> axis_;
};

std::optional<int64_t> axis_of(const OpContext& ctx, int64_t rank) {
  if (!ctx.op.has_attr("axis")) return std::nullopt;
  return normalize_dim(ctx, ctx.op.int_attr("axis"), rank);
}

std::vector<double> f32_values(std::vector<double> v) {
  for (double& x : v) x = as_f32(x);
  return v;
}

// A number-list attribute as doubles: a float or int list, or a single number.
std::vector<double> numbers(const OpContext& ctx, const std::string& key) {
  if (!ctx.op.has_attr(key))
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("missing attribute '{}'", key));
  const binary::AttrValue& v = ctx.op.attrs.at(key);
  if (const auto* f = std::get_if<std::vector<double>>(&v)) return *f;
  if (const auto* i = std::get_if<std::vector<int64_t>>(&v))
    return std::vector<double>(i->begin(), i->end());
  if (const auto* d = std::get_if<double>(&v)) return {*d};
  if (const auto* n = std::get_if<int64_t>(&v)) return {static_cast<double>(*n)};
  ctx.fail(ErrorCode::kInvalidArgument, fmt::format("attribute '{}' is not a number list", key));
}

// quantize_unrolled(x, scale, zp), or quantize(x) with the parameters of its result type.
std::vector<Tensor> quantize(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  const bool unrolled = ctx.op.name == "quantize_unrolled";
  ctx.expect_operands(in.size(), unrolled ? 3 : 1);
  const Tensor& x = *in[0];
  expect_shape(ctx, x, ctx.result_shape(), "input");
  const auto axis = axis_of(ctx, x.rank());
  const Param scale(ctx, unrolled ? in[1]->v : f32_values(numbers(ctx, "scale")), axis, x.shape,
                    "scale");
  const Param zero_point(ctx, unrolled ? in[2]->v : numbers(ctx, "zero_point"), axis, x.shape,
                         "zero point");
  const Range range = storage_range(ctx, ctx.result_dtype());
  Tensor out(x.shape, ctx.result_dtype());
  for_each_index(x.shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    const double v = x.v[flat];
    const double q =
        std::isnan(v) ? range.lo
                      : round_half_even(as_f32(v / scale.at(index))) + zero_point.at(index);
    out.v[flat] = clamp_to(q, range);
  });
  return single(std::move(out));
}

// dequantize_unrolled(q, scale, zp), or dequantize(q) with the parameters of its operand type.
std::vector<Tensor> dequantize(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  const bool unrolled = ctx.op.name == "dequantize_unrolled";
  ctx.expect_operands(in.size(), unrolled ? 3 : 1);
  const Tensor& q = *in[0];
  expect_shape(ctx, q, ctx.result_shape(), "input");
  if (!is_float(ctx.result_dtype()))
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("result must be a float type, got {}", mlir_name(ctx.result_dtype())));
  const auto axis = axis_of(ctx, q.rank());
  const Param scale(ctx, unrolled ? in[1]->v : f32_values(numbers(ctx, "scale")), axis, q.shape,
                    "scale");
  const Param zero_point(ctx, unrolled ? in[2]->v : numbers(ctx, "zero_point"), axis, q.shape,
                         "zero point");
  Tensor out(q.shape, ctx.result_dtype());
  for_each_index(q.shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    out.v[flat] = (q.v[flat] - zero_point.at(index)) * scale.at(index);
  });
  return single(std::move(out));
}

// requantize(q) with the parameters of its types, or requantize_unrolled(q, in_scale,
// in_zero_point, out_scale, out_zero_point).
std::vector<Tensor> requantize(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  const bool unrolled = ctx.op.name == "requantize_unrolled";
  ctx.expect_operands(in.size(), unrolled ? 5 : 1);
  const Tensor& q = *in[0];
  expect_shape(ctx, q, ctx.result_shape(), "input");
  const auto axis = axis_of(ctx, q.rank());
  auto param = [&](size_t operand, const char* key) {
    return unrolled ? in[operand]->v : numbers(ctx, key);
  };
  const Param in_scale(ctx, f32_values(param(1, "in_scale")), axis, q.shape, "in_scale");
  const Param out_scale(ctx, f32_values(param(3, "out_scale")), axis, q.shape, "out_scale");
  const Param in_zp(ctx, param(2, "in_zero_point"), axis, q.shape, "in_zero_point");
  const Param out_zp(ctx, param(4, "out_zero_point"), axis, q.shape, "out_zero_point");
  const Range range = storage_range(ctx, ctx.result_dtype());
  Tensor out(q.shape, ctx.result_dtype());
  for_each_index(q.shape, [&](int64_t flat, const std::vector<int64_t>& index) {
    const double multiplier = in_scale.at(index) / out_scale.at(index);
    const double r = round_half_even((q.v[flat] - in_zp.at(index)) * multiplier);
    out.v[flat] = clamp_to(r + out_zp.at(index), range);
  });
  return single(std::move(out));
}

}  // namespace

void register_quantization_kernels(KernelTable& table) {
  table.device["quantize_unrolled"] = quantize;
  table.device["dequantize_unrolled"] = dequantize;
  table.device["requantize"] = requantize;
  table.device["quantize"] = quantize;
  table.device["dequantize"] = dequantize;
  table.device["requantize_unrolled"] = requantize;
}

}  // namespace meshrt::reference::interp
