// Elementwise binary and ternary kernels with numpy broadcasting.
//
// Fast paths: f32/bf16 operands of one dtype whose shapes are equal, scalar, or a trailing
// block of the result (bias-like) run typed loops over raw pointers. Everything else walks
// the broadcast index space in f64 and rounds into the result dtype on store.
#include <cmath>
#include <cstdint>
#include <limits>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "kernel_util.hpp"

// The typed loops below are the hot path of eltwise ops: let GCC vectorize them with its
// full cost model even in -O2 builds (runtime alias checks, remainder loops).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

namespace meshrt::ops::detail {
namespace {

// ---- functors: `kFloatFast` ops are computed on float in the fast path -------------------
#define MESHRT_BINARY_FUNCTOR(Name, expr)    \
  struct Name {                              \
    static constexpr bool kFloatFast = true; \
    template <class T>                       \
    T operator()(T a, T b) const {           \
      return expr;                           \
    }                                        \
  };

MESHRT_BINARY_FUNCTOR(Add, a + b)
MESHRT_BINARY_FUNCTOR(Subtract, a - b)
MESHRT_BINARY_FUNCTOR(Multiply, a* b)
MESHRT_BINARY_FUNCTOR(Divide, a / b)
MESHRT_BINARY_FUNCTOR(Maximum, (std::isnan(a) || std::isnan(b)) ? a + b : (a > b ? a : b))
MESHRT_BINARY_FUNCTOR(Minimum, (std::isnan(a) || std::isnan(b)) ? a + b : (a < b ? a : b))
MESHRT_BINARY_FUNCTOR(Pow, std::pow(a, b))
MESHRT_BINARY_FUNCTOR(Atan2, std::atan2(a, b))
MESHRT_BINARY_FUNCTOR(Eq, T(a == b ? 1 : 0))
MESHRT_BINARY_FUNCTOR(Ne, T(a != b ? 1 : 0))
MESHRT_BINARY_FUNCTOR(Gt, T(a > b ? 1 : 0))
MESHRT_BINARY_FUNCTOR(Ge, T(a >= b ? 1 : 0))
MESHRT_BINARY_FUNCTOR(Lt, T(a < b ? 1 : 0))
MESHRT_BINARY_FUNCTOR(Le, T(a <= b ? 1 : 0))
MESHRT_BINARY_FUNCTOR(LogicalAnd, T((a != 0 && b != 0) ? 1 : 0))
MESHRT_BINARY_FUNCTOR(LogicalOr, T((a != 0 || b != 0) ? 1 : 0))
MESHRT_BINARY_FUNCTOR(LogicalXor, T(((a != 0) != (b != 0)) ? 1 : 0))
#undef MESHRT_BINARY_FUNCTOR

// torch.remainder: the result has the sign of the divisor.
struct Remainder {
  static constexpr bool kFloatFast = true;
  template <class T>
  T operator()(T a, T b) const {
    T r = std::fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  }
};

// ---- fast paths ---------------------------------------------------------------------------

// How an operand's element is found from a result index in the fast path.
enum class Access { kSame, kScalar, kTrailing, kNone };

Access classify(const Shape& in, const Shape& out) {
  if (in == out) return Access::kSame;
  if (volume(in) == 1) return Access::kScalar;
  // `in` without leading 1s equals the trailing dims of out: element i -> i % volume(in).
  size_t first = 0;
  while (first < in.size() && in[first] == 1) ++first;
  const size_t rest = in.size() - first;
  if (rest == 0 || rest > out.size()) return Access::kNone;
  for (size_t k = 0; k < rest; ++k)
    if (in[first + k] != out[out.size() - rest + k]) return Access::kNone;
  return Access::kTrailing;
}

template <class T, class Load, class Store, class F>
void fast_loop(const T* a, Access aa, int64_t va, const T* b, Access ab, int64_t vb, T* o,
               int64_t n, Load load, Store store, F f) {
  if (aa == Access::kSame && ab == Access::kSame) {
    for (int64_t i = 0; i < n; ++i) o[i] = store(f(load(a[i]), load(b[i])));
  } else if (aa == Access::kSame && ab == Access::kScalar) {
    const auto s = load(b[0]);
    for (int64_t i = 0; i < n; ++i) o[i] = store(f(load(a[i]), s));
  } else if (aa == Access::kScalar && ab == Access::kSame) {
    const auto s = load(a[0]);
    for (int64_t i = 0; i < n; ++i) o[i] = store(f(s, load(b[i])));
  } else if (aa == Access::kSame && ab == Access::kTrailing) {
    for (int64_t base = 0; base < n; base += vb)
      for (int64_t j = 0; j < vb; ++j) o[base + j] = store(f(load(a[base + j]), load(b[j])));
  } else {  // kTrailing, kSame
    for (int64_t base = 0; base < n; base += va)
      for (int64_t j = 0; j < va; ++j) o[base + j] = store(f(load(a[j]), load(b[base + j])));
  }
}

// Large same-shape f32 operands: results are computed into a small buffer that stays in L1
// (the loop vectorizes as before) and written with non-temporal stores, so the output's cache
// lines are not read from memory first (no read-for-ownership). Streaming pays off once the
// operands no longer fit in the caches; below kStreamMinBytes the plain loop is faster.
constexpr int64_t kStreamMinBytes = int64_t{4} << 20;

template <class F>
bool stream_same_f32(const float* a, const float* b, float* o, int64_t n, F f) {
#if defined(__SSE2__)
  if (n * static_cast<int64_t>(sizeof(float)) < kStreamMinBytes) return false;
  int64_t i = 0;
  for (; i < n && (reinterpret_cast<uintptr_t>(o + i) & 15u) != 0; ++i) o[i] = f(a[i], b[i]);
  constexpr int64_t kBlock = 512;  // 2 KiB of results per block
  alignas(16) float tmp[kBlock];
  for (; i + kBlock <= n; i += kBlock) {
    for (int64_t j = 0; j < kBlock; ++j) tmp[j] = f(a[i + j], b[i + j]);
    for (int64_t j = 0; j < kBlock; j += 4) _mm_stream_ps(o + i + j, _mm_load_ps(tmp + j));
  }
  for (; i < n; ++i) o[i] = f(a[i], b[i]);
  _mm_sfence();
  return true;
#else
  (void)a, (void)b, (void)o, (void)n, (void)f;
  return false;
#endif
}

template <class F>
bool try_fast_binary(const HostTensor& a, const HostTensor& b, HostTensor& o, F f) {
  const DataType dt = o.dtype();
  if (a.dtype() != dt || b.dtype() != dt) return false;
  if (dt != DataType::kFloat32 && dt != DataType::kBFloat16) return false;
  const Access aa = classify(a.shape(), o.shape());
  const Access ab = classify(b.shape(), o.shape());
  const bool ok =
      (aa == Access::kSame && ab != Access::kNone) || (ab == Access::kSame && aa != Access::kNone);
  if (!ok) return false;
  const int64_t n = o.volume();
  if (n == 0) return true;
  if (dt == DataType::kFloat32) {
    if (aa == Access::kSame && ab == Access::kSame &&
        stream_same_f32(f32_data(a), f32_data(b), f32_data(o), n, f)) {
      return true;
    }
    auto id = [](float x) { return x; };
    fast_loop(f32_data(a), aa, a.volume(), f32_data(b), ab, b.volume(), f32_data(o), n, id, id, f);
  } else {
    auto load = [](uint16_t x) { return bf16_bits_to_float(x); };
    auto store = [](float x) { return float_to_bf16_bits(x); };
    fast_loop(u16_data(a), aa, a.volume(), u16_data(b), ab, b.volume(), u16_data(o), n, load, store,
              f);
  }
  return true;
}

// ---- generic paths ------------------------------------------------------------------------

template <class F>
void binary_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 2, out);
  const HostTensor& a = *in[0];
  const HostTensor& b = *in[1];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), broadcast_shapes(op, a.shape(), b.shape()), "result");
  F f;
  if (try_fast_binary(a, b, o, f)) return;
  std::array<std::vector<int64_t>, 2> st = {broadcast_strides(op, a.shape(), o.shape()),
                                            broadcast_strides(op, b.shape(), o.shape())};
  walk_broadcast<2>(o.shape(), st, [&](int64_t i, const std::array<int64_t, 2>& off) {
    o.set(i, f(a.at(off[0]), b.at(off[1])));
  });
}

bool is_unsigned(DataType dt) {
  return dt == DataType::kUInt32 || dt == DataType::kUInt16 || dt == DataType::kUInt8 ||
         dt == DataType::kBool;
}

// Wraps an integer into the two's-complement range of `dt` (bitwise results).
double wrap_to(DataType dt, uint64_t bits) {
  const size_t width = element_size(dt) * 8;
  if (dt == DataType::kBool) return (bits & 1u) ? 1.0 : 0.0;
  if (width < 64) bits &= (uint64_t{1} << width) - 1;
  if (is_unsigned(dt)) return static_cast<double>(bits);
  if (width < 64 && (bits >> (width - 1)) & 1u)
    return static_cast<double>(static_cast<int64_t>(bits) - (int64_t{1} << width));
  return static_cast<double>(static_cast<int64_t>(bits));
}

// Integer-only binary ops: f(a_bits, b_value, dtype) -> value.
template <class F>
void integer_binary_kernel(const binary::Op& op, Inputs in, Outputs out, F f) {
  expect_arity(op, in, 2, 2, out);
  const HostTensor& a = *in[0];
  const HostTensor& b = *in[1];
  HostTensor& o = *out[0];
  if (is_float(a.dtype()) || is_float(b.dtype()) || is_float(o.dtype()))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("requires integer operands, got {} and {}", mlir_name(a.dtype()),
                     mlir_name(b.dtype())));
  expect_shape(op, o.shape(), broadcast_shapes(op, a.shape(), b.shape()), "result");
  std::array<std::vector<int64_t>, 2> st = {broadcast_strides(op, a.shape(), o.shape()),
                                            broadcast_strides(op, b.shape(), o.shape())};
  const DataType dt = o.dtype();
  walk_broadcast<2>(o.shape(), st, [&](int64_t i, const std::array<int64_t, 2>& off) {
    const auto x = static_cast<uint64_t>(static_cast<int64_t>(a.at(off[0])));
    const auto y = static_cast<int64_t>(b.at(off[1]));
    o.set(i, f(x, y, dt));
  });
}

// gelu_bw(grad, x): grad * d gelu(x) / dx, for the exact (erf) gelu or its tanh form.
struct GeluBwExact {
  static constexpr bool kFloatFast = true;
  template <class T>
  T operator()(T grad, T x) const {
    const T cdf = T(0.5) * (T(1) + std::erf(x * T(0.70710678118654752440)));
    const T pdf = std::exp(T(-0.5) * x * x) * T(0.39894228040143267794);
    return grad * (cdf + x * pdf);
  }
};
struct GeluBwTanh {
  static constexpr bool kFloatFast = true;
  template <class T>
  T operator()(T grad, T x) const {
    const T s = T(0.79788456080286535588), c = T(0.044715);
    const T t = std::tanh(s * (x + c * x * x * x));
    return grad *
           (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * s * (T(1) + T(3) * c * x * x));
  }
};
void gelu_bw_kernel(const binary::Op& op, Inputs in, Outputs out) {
  const std::string form = op.has_attr("approximate") ? op.string_attr("approximate") : "none";
  if (form == "none") return binary_kernel<GeluBwExact>(op, in, out);
  if (form == "tanh") return binary_kernel<GeluBwTanh>(op, in, out);
  fail(ErrorCode::kInvalidArgument, op,
       fmt::format("approximate is '{}', not \"none\" or \"tanh\"", form));
}

void bitwise_and(const binary::Op& op, Inputs in, Outputs out) {
  integer_binary_kernel(op, in, out, [](uint64_t x, int64_t y, DataType dt) {
    return wrap_to(dt, x & static_cast<uint64_t>(y));
  });
}
void bitwise_or(const binary::Op& op, Inputs in, Outputs out) {
  integer_binary_kernel(op, in, out, [](uint64_t x, int64_t y, DataType dt) {
    return wrap_to(dt, x | static_cast<uint64_t>(y));
  });
}
void bitwise_xor(const binary::Op& op, Inputs in, Outputs out) {
  integer_binary_kernel(op, in, out, [](uint64_t x, int64_t y, DataType dt) {
    return wrap_to(dt, x ^ static_cast<uint64_t>(y));
  });
}
uint64_t width_mask(DataType dt) {
  const size_t width = element_size(dt) * 8;
  return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
}
void left_shift(const binary::Op& op, Inputs in, Outputs out) {
  integer_binary_kernel(op, in, out, [](uint64_t x, int64_t s, DataType dt) {
    const int64_t width = static_cast<int64_t>(element_size(dt) * 8);
    if (s < 0 || s >= width) return 0.0;
    return wrap_to(dt, (x & width_mask(dt)) << s);
  });
}
void right_shift(const binary::Op& op, Inputs in, Outputs out) {
  integer_binary_kernel(op, in, out, [](uint64_t x, int64_t s, DataType dt) {
    const int64_t width = static_cast<int64_t>(element_size(dt) * 8);
    if (s < 0 || s >= width) return 0.0;
    return wrap_to(dt, (x & width_mask(dt)) >> s);
  });
}

// Arithmetic right shift: the sign is kept (unsigned types shift in zeros); shifting by the
// width or more gives -1 for negative values, 0 otherwise.
void arithmetic_right_shift(const binary::Op& op, Inputs in, Outputs out) {
  integer_binary_kernel(op, in, out, [](uint64_t x, int64_t s, DataType dt) {
    const int64_t width = static_cast<int64_t>(element_size(dt) * 8);
    const auto v = static_cast<int64_t>(x);
    if (s < 0) return 0.0;
    if (s >= width) return v < 0 ? wrap_to(dt, ~uint64_t{0}) : 0.0;
    return wrap_to(dt, static_cast<uint64_t>(v >> s));
  });
}

void bitwise_not(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  if (is_float(a.dtype()) || is_float(o.dtype()))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("requires an integer operand, got {}", mlir_name(a.dtype())));
  expect_shape(op, o.shape(), a.shape(), "result");
  const DataType dt = o.dtype();
  for (int64_t i = 0; i < o.volume(); ++i) {
    const auto x = static_cast<uint64_t>(static_cast<int64_t>(a.at(i)));
    o.set(i, dt == DataType::kBool ? (x ? 0.0 : 1.0) : wrap_to(dt, ~x));
  }
}

// where(cond, a, b) and clamp_tensor(x, lo, hi): three broadcast operands.
template <class F>
void ternary_kernel(const binary::Op& op, Inputs in, Outputs out, F f) {
  expect_arity(op, in, 3, 3, out);
  const HostTensor& x = *in[0];
  const HostTensor& y = *in[1];
  const HostTensor& z = *in[2];
  HostTensor& o = *out[0];
  Shape s = broadcast_shapes(op, broadcast_shapes(op, x.shape(), y.shape()), z.shape());
  expect_shape(op, o.shape(), s, "result");
  if (x.shape() == s && y.shape() == s && z.shape() == s && x.dtype() == o.dtype() &&
      y.dtype() == o.dtype() && z.dtype() == o.dtype() && o.dtype() == DataType::kFloat32) {
    const float* px = f32_data(x);
    const float* py = f32_data(y);
    const float* pz = f32_data(z);
    float* po = f32_data(o);
    for (int64_t i = 0; i < o.volume(); ++i) po[i] = static_cast<float>(f(px[i], py[i], pz[i]));
    return;
  }
  std::array<std::vector<int64_t>, 3> st = {broadcast_strides(op, x.shape(), s),
                                            broadcast_strides(op, y.shape(), s),
                                            broadcast_strides(op, z.shape(), s)};
  walk_broadcast<3>(s, st, [&](int64_t i, const std::array<int64_t, 3>& off) {
    o.set(i, f(x.at(off[0]), y.at(off[1]), z.at(off[2])));
  });
}

void where_kernel(const binary::Op& op, Inputs in, Outputs out) {
  ternary_kernel(op, in, out, [](double c, double a, double b) { return c != 0 ? a : b; });
}

void clamp_tensor_kernel(const binary::Op& op, Inputs in, Outputs out) {
  ternary_kernel(op, in, out, [](double x, double lo, double hi) {
    if (std::isnan(x)) return x;
    return std::min(std::max(x, lo), hi);
  });
}

}  // namespace

void register_eltwise_binary(KernelTable& t) {
  t["add"] = binary_kernel<Add>;
  t["subtract"] = binary_kernel<Subtract>;
  t["multiply"] = binary_kernel<Multiply>;
  t["div"] = binary_kernel<Divide>;
  t["maximum"] = binary_kernel<Maximum>;
  t["minimum"] = binary_kernel<Minimum>;
  t["pow"] = binary_kernel<Pow>;
  t["remainder"] = binary_kernel<Remainder>;
  t["atan2"] = binary_kernel<Atan2>;
  t["eq"] = binary_kernel<Eq>;
  t["ne"] = binary_kernel<Ne>;
  t["gt"] = binary_kernel<Gt>;
  t["ge"] = binary_kernel<Ge>;
  t["lt"] = binary_kernel<Lt>;
  t["le"] = binary_kernel<Le>;
  t["logical_and"] = binary_kernel<LogicalAnd>;
  t["logical_or"] = binary_kernel<LogicalOr>;
  t["logical_xor"] = binary_kernel<LogicalXor>;
  t["bitwise_and"] = bitwise_and;
  t["bitwise_or"] = bitwise_or;
  t["bitwise_xor"] = bitwise_xor;
  t["logical_left_shift"] = left_shift;
  t["logical_right_shift"] = right_shift;
  t["right_shift"] = arithmetic_right_shift;
  t["gelu_bw"] = gelu_bw_kernel;
  t["bitwise_not"] = bitwise_not;
  t["where"] = where_kernel;
  t["clamp_tensor"] = clamp_tensor_kernel;
}

}  // namespace meshrt::ops::detail
