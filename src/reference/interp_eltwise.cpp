// Elementwise kernels of the reference interpreter: unary, binary and ternary ops with numpy
// broadcasting, comparisons, logical and bitwise ops, typecast.
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

using Unary = double (*)(double);
using Binary = double (*)(double, double);

double sign_of(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double gelu_exact(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
// torch.remainder: the result has the sign of the divisor.
double remainder_of(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

const std::map<std::string, Unary>& unary_ops() {
  static const std::map<std::string, Unary> ops = {
      {"neg", [](double x) { return -x; }},
      {"abs", [](double x) { return std::fabs(x); }},
      {"exp", [](double x) { return std::exp(x); }},
      {"log", [](double x) { return std::log(x); }},
      {"log1p", [](double x) { return std::log1p(x); }},
      {"expm1", [](double x) { return std::expm1(x); }},
      {"sqrt", [](double x) { return std::sqrt(x); }},
      {"rsqrt", [](double x) { return 1.0 / std::sqrt(x); }},
      {"cbrt", [](double x) { return std::cbrt(x); }},
      {"reciprocal", [](double x) { return 1.0 / x; }},
      {"relu", [](double x) { return x > 0 ? x : 0.0; }},
      {"relu6", [](double x) { return std::min(std::max(x, 0.0), 6.0); }},
      {"sigmoid", sigmoid},
      {"silu", [](double x) { return x * sigmoid(x); }},
      {"tanh", [](double x) { return std::tanh(x); }},
      {"tan", [](double x) { return std::tan(x); }},
      {"sin", [](double x) { return std::sin(x); }},
      {"cos", [](double x) { return std::cos(x); }},
      {"atan", [](double x) { return std::atan(x); }},
      {"asin", [](double x) { return std::asin(x); }},
      {"acos", [](double x) { return std::acos(x); }},
      {"gelu", gelu_exact},
      {"erf", [](double x) { return std::erf(x); }},
      {"erfc", [](double x) { return std::erfc(x); }},
      {"floor", [](double x) { return std::floor(x); }},
      {"ceil", [](double x) { return std::ceil(x); }},
      {"sign", sign_of},
      {"isfinite", [](double x) { return std::isfinite(x) ? 1.0 : 0.0; }},
      {"logical_not", [](double x) { return x == 0 ? 1.0 : 0.0; }},
      {"asinh", [](double x) { return std::log(x + std::sqrt(x * x + 1.0)); }},
      {"exp2", [](double x) { return std::pow(2.0, x); }},
      {"trunc", [](double x) { return x < 0 ? std::ceil(x) : std::floor(x); }},
      {"frac", [](double x) { return x - (x < 0 ? std::ceil(x) : std::floor(x)); }},
      {"square", [](double x) { return x * x; }},
      {"softsign", [](double x) { return x / (1.0 + std::fabs(x)); }},
      {"hardsigmoid", [](double x) { return std::min(1.0, std::max(0.0, x / 6.0 + 0.5)); }},
      {"mish", [](double x) { return x * std::tanh(x > 30 ? x : std::log(1.0 + std::exp(x))); }},
      {"signbit", [](double x) { return std::signbit(x) ? 1.0 : 0.0; }},
      // Values are converted by the interpreter when stored in the result dtype.
      {"typecast", [](double x) { return x; }},
      {"to_layout", [](double x) { return x; }},
  };
  return ops;
}

const std::map<std::string, Binary>& binary_ops() {
  static const std::map<std::string, Binary> ops = {
      {"add", [](double a, double b) { return a + b; }},
      {"subtract", [](double a, double b) { return a - b; }},
      {"multiply", [](double a, double b) { return a * b; }},
      {"div", [](double a, double b) { return a / b; }},
      {"maximum", [](double a, double b) { return std::isnan(a) || a > b ? a : b; }},
      {"minimum", [](double a, double b) { return std::isnan(a) || a < b ? a : b; }},
      {"pow", [](double a, double b) { return std::pow(a, b); }},
      {"remainder", remainder_of},
      {"atan2", [](double a, double b) { return std::atan2(a, b); }},
      {"eq", [](double a, double b) { return a == b ? 1.0 : 0.0; }},
      {"ne", [](double a, double b) { return a != b ? 1.0 : 0.0; }},
      {"gt", [](double a, double b) { return a > b ? 1.0 : 0.0; }},
      {"ge", [](double a, double b) { return a >= b ? 1.0 : 0.0; }},
      {"lt", [](double a, double b) { return a < b ? 1.0 : 0.0; }},
      {"le", [](double a, double b) { return a <= b ? 1.0 : 0.0; }},
      {"logical_and", [](double a, double b) { return (a != 0 && b != 0) ? 1.0 : 0.0; }},
      {"logical_or", [](double a, double b) { return (a != 0 || b != 0) ? 1.0 : 0.0; }},
      {"logical_xor", [](double a, double b) { return ((a != 0) != (b != 0)) ? 1.0 : 0.0; }},
  };
  return ops;
}

void require_integer(const OpContext& ctx, DataType dtype) {
  if (is_float(dtype)) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("needs integer operands, got {}", mlir_name(dtype)));
  }
}

// Applies `fn` elementwise over the broadcast of all operands; the shape must be the
// declared result shape.
Tensor map_broadcast(const OpContext& ctx, const std::vector<const Tensor*>& in,
                     const std::function<double(const double*)>& fn) {
  Shape shape = in[0]->shape;
  for (size_t i = 1; i < in.size(); ++i) shape = broadcast_shapes(ctx, shape, in[i]->shape);
  Tensor out(shape, ctx.result_dtype());
  std::vector<std::vector<int64_t>> maps;
  for (const Tensor* t : in) {
    maps.push_back(t->shape == shape ? std::vector<int64_t>{}
                                     : broadcast_index_map(t->shape, shape));
  }
  std::vector<double> args(in.size());
  for (int64_t i = 0; i < out.numel(); ++i) {
    for (size_t k = 0; k < in.size(); ++k) {
      int64_t j = maps[k].empty() ? i : maps[k][static_cast<size_t>(i)];
      args[k] = in[k]->v[static_cast<size_t>(j)];
    }
    out.v[static_cast<size_t>(i)] = fn(args.data());
  }
  return out;
}

std::vector<Tensor> unary_kernel(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  Unary fn = unary_ops().at(ctx.op.name);
  return single(map_broadcast(ctx, {in[0]}, [fn](const double* a) { return fn(a[0]); }));
}

std::vector<Tensor> binary_kernel(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  Binary fn = binary_ops().at(ctx.op.name);
  return single(
      map_broadcast(ctx, {in[0], in[1]}, [fn](const double* a) { return fn(a[0], a[1]); }));
}

std::vector<Tensor> leaky_relu(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  double slope = ctx.op.float_attr_or("parameter", 0.01);
  return single(map_broadcast(
      ctx, {in[0]}, [slope](const double* a) { return a[0] >= 0 ? a[0] : slope * a[0]; }));
}

std::vector<Tensor> selu(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const double scale = ctx.op.float_attr_or("scale", 1.0507009873390197);
  const double alpha = ctx.op.float_attr_or("alpha", 1.6732635498046875);
  return single(map_broadcast(ctx, {in[0]}, [=](const double* a) {
    return scale * (a[0] > 0 ? a[0] : alpha * (std::exp(a[0]) - 1.0));
  }));
}

// gelu_bw(grad, x) = grad * gelu'(x): exact, Phi(x) + x phi(x); tanh form differentiated.
std::vector<Tensor> gelu_bw(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  const std::string form =
      ctx.op.has_attr("approximate") ? ctx.op.string_attr("approximate") : "none";
  if (form != "none" && form != "tanh")
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("approximate '{}' is unknown", form));
  const bool tanh_form = form == "tanh";
  return single(map_broadcast(ctx, {in[0], in[1]}, [tanh_form](const double* a) {
    const double g = a[0], x = a[1];
    if (!tanh_form) {
      const double pi = std::acos(-1.0);
      return g *
             (0.5 * std::erfc(-x / std::sqrt(2.0)) + x * std::exp(-x * x / 2) / std::sqrt(2 * pi));
    }
    const double s = std::sqrt(2.0 / std::acos(-1.0)), c = 0.044715;
    const double u = s * (x + c * x * x * x);
    const double sech2 = 1.0 / (std::cosh(u) * std::cosh(u));
    return g * (0.5 * (1.0 + std::tanh(u)) + 0.5 * x * sech2 * s * (1.0 + 3.0 * c * x * x));
  }));
}

// bitcast_convert: the bits of each input element, as the operand's dtype stores it, read as
// the result dtype.
std::vector<Tensor> bitcast_convert(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 1);
  const Tensor& x = *in[0];
  const DataType to = ctx.result_dtype();
  if (element_size(x.dtype) != element_size(to))
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("{} and {} differ in width", mlir_name(x.dtype), mlir_name(to)));
  HostTensor bits(x.shape, x.dtype);
  for (int64_t i = 0; i < x.numel(); ++i) bits.set(i, x.v[static_cast<size_t>(i)]);
  HostTensor read(x.shape, to);
  if (bits.size_bytes()) std::memcpy(read.data(), bits.data(), bits.size_bytes());
  Tensor out(x.shape, to);
  for (int64_t i = 0; i < x.numel(); ++i) out.v[static_cast<size_t>(i)] = read.at(i);
  return single(std::move(out));
}

std::vector<Tensor> clamp_scalar(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  double lo = ctx.op.float_attr("min");
  double hi = ctx.op.float_attr("max");
  return single(map_broadcast(
      ctx, {in[0]}, [lo, hi](const double* a) { return std::min(std::max(a[0], lo), hi); }));
}

std::vector<Tensor> clamp_tensor(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 3);
  return single(map_broadcast(ctx, {in[0], in[1], in[2]}, [](const double* a) {
    return std::min(std::max(a[0], a[1]), a[2]);
  }));
}

std::vector<Tensor> where(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 3);
  return single(map_broadcast(ctx, {in[0], in[1], in[2]},
                              [](const double* a) { return a[0] != 0 ? a[1] : a[2]; }));
}

std::vector<Tensor> bitwise_not(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  DataType dtype = ctx.result_dtype();
  require_integer(ctx, dtype);
  return single(map_broadcast(ctx, {in[0]}, [dtype](const double* a) {
    return wrap_to_dtype(~static_cast<int64_t>(a[0]), dtype);
  }));
}

std::vector<Tensor> bitwise_binary(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  DataType dtype = ctx.result_dtype();
  require_integer(ctx, dtype);
  const std::string& name = ctx.op.name;
  int kind = name == "bitwise_and" ? 0 : (name == "bitwise_or" ? 1 : 2);
  return single(map_broadcast(ctx, {in[0], in[1]}, [dtype, kind](const double* a) {
    int64_t x = static_cast<int64_t>(a[0]);
    int64_t y = static_cast<int64_t>(a[1]);
    int64_t r = kind == 0 ? (x & y) : (kind == 1 ? (x | y) : (x ^ y));
    return wrap_to_dtype(r, dtype);
  }));
}

// Shifts operate on the bit pattern of the declared width; a logical right shift fills with
// zeros even for signed types. Shifting by the width or more gives 0.
// right_shift: arithmetic, on the value (the sign is kept); by the width or more: -1 or 0.
std::vector<Tensor> arithmetic_shift(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  DataType dtype = ctx.result_dtype();
  require_integer(ctx, dtype);
  const int width = bit_width(dtype);
  return single(map_broadcast(ctx, {in[0], in[1]}, [=](const double* a) {
    const auto x = static_cast<int64_t>(a[0]);
    const auto amount = static_cast<int64_t>(a[1]);
    if (amount < 0) return 0.0;
    if (amount >= width) return x < 0 ? -1.0 : 0.0;
    const double p = std::ldexp(1.0, static_cast<int>(amount));
    return std::floor(static_cast<double>(x) / p);
  }));
}

std::vector<Tensor> shift(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  DataType dtype = ctx.result_dtype();
  require_integer(ctx, dtype);
  int width = bit_width(dtype);
  uint64_t mask = width == 64 ? ~0ull : ((1ull << width) - 1);
  bool left = ctx.op.name == "logical_left_shift";
  return single(map_broadcast(ctx, {in[0], in[1]}, [=](const double* a) {
    uint64_t bits = static_cast<uint64_t>(static_cast<int64_t>(a[0])) & mask;
    int64_t amount = static_cast<int64_t>(a[1]);
    if (amount < 0 || amount >= width) return wrap_to_dtype(0, dtype);
    uint64_t r = left ? (bits << amount) & mask : bits >> amount;
    return wrap_to_dtype(static_cast<int64_t>(r), dtype);
  }));
}

}  // namespace

void register_eltwise_kernels(KernelTable& table) {
  for (const auto& [name, fn] : unary_ops()) table.device[name] = unary_kernel;
  for (const auto& [name, fn] : binary_ops()) table.device[name] = binary_kernel;
  table.device["leaky_relu"] = leaky_relu;
  table.device["clamp_scalar"] = clamp_scalar;
  table.device["clamp_tensor"] = clamp_tensor;
  table.device["where"] = where;
  table.device["bitwise_not"] = bitwise_not;
  table.device["bitwise_and"] = bitwise_binary;
  table.device["bitwise_or"] = bitwise_binary;
  table.device["bitwise_xor"] = bitwise_binary;
  table.device["logical_left_shift"] = shift;
  table.device["logical_right_shift"] = shift;
  table.device["right_shift"] = arithmetic_shift;
  table.device["selu"] = selu;
  table.device["gelu_bw"] = gelu_bw;
  table.device["bitcast_convert"] = bitcast_convert;
}

}  // namespace meshrt::reference::interp
