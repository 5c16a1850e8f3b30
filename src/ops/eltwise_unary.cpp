// Elementwise unary kernels (math, activations, rounding, predicates) and typecast.
//
// Fast path: same-dtype f32/bf16 input and result run a typed loop computing in float;
// otherwise the value is computed in f64 and rounded into the result dtype on store.
#include <cmath>
#include <cstring>
#include <limits>

#include "kernel_util.hpp"

// The typed loops below are the hot path of eltwise ops: let GCC vectorize them with its
// full cost model even in -O2 builds (runtime alias checks, remainder loops).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

namespace meshrt::ops::detail {
namespace {

// Functors: constructed from the op (attribute parameters), applied to float or double.
#define MESHRT_UNARY_FUNCTOR(Name, expr) \
  struct Name {                          \
    explicit Name(const binary::Op&) {}  \
    template <class T>                   \
    T operator()(T x) const {            \
      return expr;                       \
    }                                    \
  };

MESHRT_UNARY_FUNCTOR(Neg, -x)
MESHRT_UNARY_FUNCTOR(Abs, std::abs(x))
MESHRT_UNARY_FUNCTOR(Exp, std::exp(x))
MESHRT_UNARY_FUNCTOR(Log, std::log(x))
MESHRT_UNARY_FUNCTOR(Log1p, std::log1p(x))
MESHRT_UNARY_FUNCTOR(Expm1, std::expm1(x))
MESHRT_UNARY_FUNCTOR(Sqrt, std::sqrt(x))
MESHRT_UNARY_FUNCTOR(Rsqrt, T(1) / std::sqrt(x))
MESHRT_UNARY_FUNCTOR(Cbrt, std::cbrt(x))
MESHRT_UNARY_FUNCTOR(Reciprocal, T(1) / x)
MESHRT_UNARY_FUNCTOR(Relu, x > T(0) ? x : T(0))
MESHRT_UNARY_FUNCTOR(Relu6, x > T(0) ? (x < T(6) ? x : T(6)) : T(0))
MESHRT_UNARY_FUNCTOR(Sigmoid, T(1) / (T(1) + std::exp(-x)))
MESHRT_UNARY_FUNCTOR(Silu, x / (T(1) + std::exp(-x)))
MESHRT_UNARY_FUNCTOR(Tanh, std::tanh(x))
MESHRT_UNARY_FUNCTOR(Tan, std::tan(x))
MESHRT_UNARY_FUNCTOR(Sin, std::sin(x))
MESHRT_UNARY_FUNCTOR(Cos, std::cos(x))
MESHRT_UNARY_FUNCTOR(Atan, std::atan(x))
MESHRT_UNARY_FUNCTOR(Asin, std::asin(x))
MESHRT_UNARY_FUNCTOR(Acos, std::acos(x))
MESHRT_UNARY_FUNCTOR(Erf, std::erf(x))
MESHRT_UNARY_FUNCTOR(Erfc, std::erfc(x))
MESHRT_UNARY_FUNCTOR(Floor, std::floor(x))
MESHRT_UNARY_FUNCTOR(Ceil, std::ceil(x))
MESHRT_UNARY_FUNCTOR(Sign, x > T(0) ? T(1) : (x < T(0) ? T(-1) : x))
MESHRT_UNARY_FUNCTOR(IsFinite, T(std::isfinite(x) ? 1 : 0))
MESHRT_UNARY_FUNCTOR(LogicalNot, T(x == T(0) ? 1 : 0))
MESHRT_UNARY_FUNCTOR(Asinh, std::asinh(x))
MESHRT_UNARY_FUNCTOR(Exp2, std::exp2(x))
MESHRT_UNARY_FUNCTOR(Trunc, std::trunc(x))
MESHRT_UNARY_FUNCTOR(Frac, x - std::trunc(x))
MESHRT_UNARY_FUNCTOR(Square, x* x)
MESHRT_UNARY_FUNCTOR(Softsign, x / (T(1) + std::abs(x)))
MESHRT_UNARY_FUNCTOR(Hardsigmoid, std::max(T(0), std::min(T(1), (x + T(3)) / T(6))))
MESHRT_UNARY_FUNCTOR(Mish, x* std::tanh(std::log1p(std::exp(x))))
MESHRT_UNARY_FUNCTOR(Signbit, std::copysign(T(1), x) < T(0) ? T(1) : T(0))
// gelu, erf form: x/2 * (1 + erf(x / sqrt(2))).
MESHRT_UNARY_FUNCTOR(Gelu, T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440))))
#undef MESHRT_UNARY_FUNCTOR

struct LeakyRelu {
  double slope;
  explicit LeakyRelu(const binary::Op& op) : slope(op.float_attr_or("parameter", 0.01)) {}
  template <class T>
  T operator()(T x) const {
    return x > T(0) ? x : x * static_cast<T>(slope);
  }
};

// selu(x) = scale * (x > 0 ? x : alpha * (e^x - 1)), torch's constants by default.
struct Selu {
  double scale, alpha;
  explicit Selu(const binary::Op& op)
      : scale(op.float_attr_or("scale", 1.0507009873390197)),
        alpha(op.float_attr_or("alpha", 1.6732635498046875)) {}
  template <class T>
  T operator()(T x) const {
    const auto s = static_cast<T>(scale), a = static_cast<T>(alpha);
    return x > T(0) ? s * x : s * a * (std::exp(x) - T(1));
  }
};

struct ClampScalar {
  double lo, hi;
  explicit ClampScalar(const binary::Op& op)
      : lo(op.float_attr_or("min", -std::numeric_limits<double>::infinity())),
        hi(op.float_attr_or("max", std::numeric_limits<double>::infinity())) {}
  template <class T>
  T operator()(T x) const {
    if (std::isnan(x)) return x;
    const T l = static_cast<T>(lo), h = static_cast<T>(hi);
    return x < l ? l : (x > h ? h : x);
  }
};

template <class F>
void unary_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), a.shape(), "result");
  const F f(op);
  const int64_t n = o.volume();
  if (a.dtype() == o.dtype() && o.dtype() == DataType::kFloat32) {
    const float* pa = f32_data(a);
    float* po = f32_data(o);
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i]);
    return;
  }
  if (a.dtype() == o.dtype() && o.dtype() == DataType::kBFloat16) {
    const uint16_t* pa = u16_data(a);
    uint16_t* po = u16_data(o);
    for (int64_t i = 0; i < n; ++i) po[i] = float_to_bf16_bits(f(bf16_bits_to_float(pa[i])));
    return;
  }
  for (int64_t i = 0; i < n; ++i) o.set(i, f(a.at(i)));
}

void typecast_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), a.shape(), "result");
  const int64_t n = o.volume();
  if (a.dtype() == o.dtype()) {
    if (a.size_bytes()) std::memcpy(o.data(), a.data(), a.size_bytes());
  } else if (a.dtype() == DataType::kFloat32 && o.dtype() == DataType::kBFloat16) {
    const float* pa = f32_data(a);
    uint16_t* po = u16_data(o);
    for (int64_t i = 0; i < n; ++i) po[i] = float_to_bf16_bits(pa[i]);
  } else if (a.dtype() == DataType::kBFloat16 && o.dtype() == DataType::kFloat32) {
    const uint16_t* pa = u16_data(a);
    float* po = f32_data(o);
    for (int64_t i = 0; i < n; ++i) po[i] = bf16_bits_to_float(pa[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) o.set(i, a.at(i));
  }
}

// bitcast_convert: each element's bits read as the result dtype (same element width).
void bitcast_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), a.shape(), "result");
  if (element_size(a.dtype()) != element_size(o.dtype()))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("{} and {} differ in width", mlir_name(a.dtype()), mlir_name(o.dtype())));
  if (a.size_bytes()) std::memcpy(o.data(), a.data(), a.size_bytes());
}

}  // namespace

void register_eltwise_unary(KernelTable& t) {
  t["bitcast_convert"] = bitcast_kernel;
  t["neg"] = unary_kernel<Neg>;
  t["abs"] = unary_kernel<Abs>;
  t["exp"] = unary_kernel<Exp>;
  t["log"] = unary_kernel<Log>;
  t["log1p"] = unary_kernel<Log1p>;
  t["expm1"] = unary_kernel<Expm1>;
  t["sqrt"] = unary_kernel<Sqrt>;
  t["rsqrt"] = unary_kernel<Rsqrt>;
  t["cbrt"] = unary_kernel<Cbrt>;
  t["reciprocal"] = unary_kernel<Reciprocal>;
  t["relu"] = unary_kernel<Relu>;
  t["relu6"] = unary_kernel<Relu6>;
  t["sigmoid"] = unary_kernel<Sigmoid>;
  t["silu"] = unary_kernel<Silu>;
  t["tanh"] = unary_kernel<Tanh>;
  t["tan"] = unary_kernel<Tan>;
  t["sin"] = unary_kernel<Sin>;
  t["cos"] = unary_kernel<Cos>;
  t["atan"] = unary_kernel<Atan>;
  t["asin"] = unary_kernel<Asin>;
  t["acos"] = unary_kernel<Acos>;
  t["gelu"] = unary_kernel<Gelu>;
  t["erf"] = unary_kernel<Erf>;
  t["erfc"] = unary_kernel<Erfc>;
  t["floor"] = unary_kernel<Floor>;
  t["ceil"] = unary_kernel<Ceil>;
  t["sign"] = unary_kernel<Sign>;
  t["isfinite"] = unary_kernel<IsFinite>;
  t["logical_not"] = unary_kernel<LogicalNot>;
  t["leaky_relu"] = unary_kernel<LeakyRelu>;
  t["clamp_scalar"] = unary_kernel<ClampScalar>;
  t["typecast"] = typecast_kernel;
  t["to_layout"] = typecast_kernel;  // a layout change moves bytes; a dtype change converts
  t["asinh"] = unary_kernel<Asinh>;
  t["exp2"] = unary_kernel<Exp2>;
  t["trunc"] = unary_kernel<Trunc>;
  t["frac"] = unary_kernel<Frac>;
  t["square"] = unary_kernel<Square>;
  t["softsign"] = unary_kernel<Softsign>;
  t["hardsigmoid"] = unary_kernel<Hardsigmoid>;
  t["mish"] = unary_kernel<Mish>;
  t["signbit"] = unary_kernel<Signbit>;
  t["selu"] = unary_kernel<Selu>;
}

}  // namespace meshrt::ops::detail
