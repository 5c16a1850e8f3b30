// Device kernel of ttir.rand: uniform random values in [low, high) from a counter-based
// generator, so the value of an element depends only on (seed, its flat index) and never on
// how the work is split, which chip runs it or how often it runs.
//
// The generator (docs/architecture.md, "Random numbers"), for the element of row-major flat
// index i of the result:
//   key = seed * 2^32 + i                                  (mod 2^64)
//   h   = splitmix64(key)                                  (Vigna's SplitMix64 output function)
//   u   = (h >> 40) / 2^24                                 (top 24 bits, in [0, 1))
//   x   = low + (high - low) * u                           (evaluated in f64)
//   r   = x rounded to the result dtype: f64 keeps x, f32 rounds to nearest even, bf16 and
//         f16 round to f32 and then to the dtype (nearest even each time)
//   r is then clamped into [first, last], the smallest dtype value >= low and the largest
//   dtype value < high, so rounding never yields `high` (or a value below `low`).
// The arithmetic is pinned to f64 so the device and the reference interpreter agree bit for bit.
//
// Stateless and thread-safe.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

uint64_t splitmix64(uint64_t key) {
  uint64_t z = key + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// One float format of the result, seen through its sign-magnitude bit pattern.
struct FloatFormat {
  unsigned bits;  // 16 or 32 (f64 is handled with std::nextafter)
  uint32_t (*encode)(double);
  double (*decode)(uint32_t);

  uint32_t sign_bit() const { return 1u << (bits - 1); }
  // The neighbouring pattern towards -inf / +inf (never called on NaN).
  uint32_t step_down(uint32_t p) const {
    if ((p & ~sign_bit()) == 0) return sign_bit() | 1u;  // +-0 -> smallest negative
    return (p & sign_bit()) ? p + 1 : p - 1;
  }
  uint32_t step_up(uint32_t p) const {
    if ((p & ~sign_bit()) == 0) return 1u;  // +-0 -> smallest positive
    return (p & sign_bit()) ? p - 1 : p + 1;
  }
};

uint32_t encode_f32(double v) {
  float f = static_cast<float>(v);
  uint32_t p;
  std::memcpy(&p, &f, 4);
  return p;
}
double decode_f32(uint32_t p) {
  float f;
  std::memcpy(&f, &p, 4);
  return f;
}
uint32_t encode_bf16(double v) { return float_to_bf16_bits(static_cast<float>(v)); }
double decode_bf16(uint32_t p) { return bf16_bits_to_float(static_cast<uint16_t>(p)); }
uint32_t encode_f16(double v) { return float_to_f16_bits(static_cast<float>(v)); }
double decode_f16(uint32_t p) { return f16_bits_to_float(static_cast<uint16_t>(p)); }

FloatFormat format_of(const binary::Op& op, DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return {32, encode_f32, decode_f32};
    case DataType::kBFloat16:
      return {16, encode_bf16, decode_bf16};
    case DataType::kFloat16:
      return {16, encode_f16, decode_f16};
    default:
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("result element type {} is not a float type (rand makes f32, bf16, f16 "
                       "or f64 values)",
                       mlir_name(dtype)));
  }
}

struct RandParams {
  uint64_t seed = 0;
  double low = 0.0;
  double high = 1.0;
};

RandParams read_params(const binary::Op& op, const HostTensor& o) {
  RandParams p;
  p.low = op.float_attr_or("low", 0.0);
  p.high = op.float_attr_or("high", 1.0);
  if (!std::isfinite(p.low) || !std::isfinite(p.high) || !(p.low < p.high))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("low ({}) must be finite and less than high ({})", p.low, p.high));
  const int64_t seed = op.int_attr_or("seed", 0);
  if (seed < 0 || seed > int64_t{std::numeric_limits<uint32_t>::max()})
    fail(ErrorCode::kInvalidArgument, op, fmt::format("seed {} is not a ui32", seed));
  p.seed = static_cast<uint64_t>(seed);
  if (op.has_attr("size")) {
    const std::vector<int64_t> size = op.ints_attr("size");
    expect_shape(op, o.shape(), Shape(size.begin(), size.end()), "result (size attribute)");
  }
  if (op.has_attr("dtype")) {
    const std::string& name = op.string_attr("dtype");
    if (dtype_from_mlir(name) != o.dtype())
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("dtype {} does not match the result element type {}", name,
                       mlir_name(o.dtype())));
  }
  return p;
}

// x of element i, before rounding to the result dtype.
double unrounded_value(const RandParams& p, uint64_t i) {
  const uint64_t h = splitmix64((p.seed << 32) + i);
  const double u = static_cast<double>(h >> 40) * 0x1p-24;
  return p.low + (p.high - p.low) * u;
}

[[noreturn]] void fail_empty_range(const binary::Op& op, const RandParams& p, DataType dtype) {
  fail(ErrorCode::kInvalidArgument, op,
       fmt::format("no {} value lies in [{}, {})", mlir_name(dtype), p.low, p.high));
}

void fill_f64(const binary::Op& op, const RandParams& p, HostTensor& o) {
  const double last = std::nextafter(p.high, -std::numeric_limits<double>::infinity());
  if (last < p.low) fail_empty_range(op, p, o.dtype());
  auto* out = reinterpret_cast<double*>(o.data());
  for (int64_t i = 0; i < o.volume(); ++i)
    out[i] = std::clamp(unrounded_value(p, static_cast<uint64_t>(i)), p.low, last);
}

template <class Bits>
void fill_formatted(const binary::Op& op, const RandParams& p, const FloatFormat& f,
                    HostTensor& o) {
  // Patterns of the smallest value >= low and of the largest value < high.
  uint32_t first = f.encode(p.low);
  if (f.decode(first) < p.low) first = f.step_up(first);
  uint32_t last = f.encode(p.high);
  if (f.decode(last) >= p.high) last = f.step_down(last);
  const double first_value = f.decode(first), last_value = f.decode(last);
  if (first_value > last_value) fail_empty_range(op, p, o.dtype());
  auto* out = reinterpret_cast<Bits*>(o.data());
  for (int64_t i = 0; i < o.volume(); ++i) {
    uint32_t r = f.encode(unrounded_value(p, static_cast<uint64_t>(i)));
    const double v = f.decode(r);
    if (v < first_value) r = first;
    if (v > last_value) r = last;
    out[i] = static_cast<Bits>(r);
  }
}

void rand_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 0, 0, out);
  HostTensor& o = *out[0];
  const RandParams p = read_params(op, o);
  if (o.dtype() == DataType::kFloat64) {
    fill_f64(op, p, o);
    return;
  }
  const FloatFormat f = format_of(op, o.dtype());
  if (f.bits == 32) {
    fill_formatted<uint32_t>(op, p, f, o);
  } else {
    fill_formatted<uint16_t>(op, p, f, o);
  }
}

// dropout(prob, scale, seed): element i is dropped (0) when u_i < prob, u_i being rand's
// uniform draw for (seed, i), else it becomes x * scale (rounded to the result dtype).
void dropout_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), a.shape(), "result");
  const double prob = op.float_attr_or("prob", 0.5);
  const auto scale = static_cast<float>(op.float_attr_or("scale", 1.0 / (1.0 - prob)));
  const auto seed = static_cast<uint64_t>(op.int_attr_or("seed", 0) & 0xffffffff);
  for (int64_t i = 0; i < o.volume(); ++i) {
    const uint64_t h = splitmix64((seed << 32) + static_cast<uint64_t>(i));
    const double u = static_cast<double>(h >> 40) * 0x1p-24;
    o.set(i, u < prob ? 0.0f : static_cast<float>(a.at(i)) * scale);
  }
}

// sampling: per request, candidates by value (largest first, stable), the top k (clamped to
// [1, C]), probabilities softmax(value / max(temp, 1e-6)) in f32, the shortest prefix whose
// probability reaches p, and the first candidate whose running sum exceeds u * the prefix's sum,
// u being rand's draw for (seed, request); the result is that candidate's input_indices entry.
void sampling_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 5, 5, out);
  const HostTensor &values = *in[0], &indices = *in[1];
  HostTensor& o = *out[0];
  if (values.shape().size() != 2 || indices.shape() != values.shape())
    fail(ErrorCode::kInvalidArgument, op, "input_values and input_indices must be [batch, C]");
  const int64_t batch = values.shape()[0], count = values.shape()[1];
  if (count == 0) fail(ErrorCode::kInvalidArgument, op, "there are no candidates");
  for (size_t i = 2; i < 5; ++i)
    if (in[i]->volume() != batch)
      fail(ErrorCode::kInvalidArgument, op, "k, p and temp must hold one value per request");
  expect_shape(op, o.shape(), Shape{batch}, "result");
  const std::vector<float> v = to_f32(values), p = to_f32(*in[3]), temp = to_f32(*in[4]);
  const std::vector<double> k = in[2]->to_doubles();
  const auto seed = static_cast<uint64_t>(op.int_attr_or("seed", 0) & 0xffffffff);
  std::vector<int64_t> order(static_cast<size_t>(count));
  std::vector<float> prob(static_cast<size_t>(count));
  for (int64_t b = 0; b < batch; ++b) {
    const float* row = v.data() + b * count;
    for (int64_t j = 0; j < count; ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t x, int64_t y) { return row[x] > row[y]; });
    const int64_t keep =
        std::clamp<int64_t>(std::isfinite(k[b]) ? static_cast<int64_t>(k[b]) : count, 1, count);
    const float t = std::max(temp[b], 1e-6f);
    float total = 0;
    for (int64_t j = 0; j < keep; ++j)
      total += prob[j] = std::exp((row[order[j]] - row[order[0]]) / t);
    int64_t nucleus = 0;
    float mass = 0;
    while (nucleus < keep) {
      mass += prob[nucleus++] / total;
      if (mass >= p[b]) break;
    }
    float nucleus_sum = 0;
    for (int64_t j = 0; j < nucleus; ++j) nucleus_sum += prob[j];
    const uint64_t h = splitmix64((seed << 32) + static_cast<uint64_t>(b));
    const float u = static_cast<float>(static_cast<double>(h >> 40) * 0x1p-24);
    int64_t chosen = nucleus - 1;
    float running = 0;
    for (int64_t j = 0; j < nucleus; ++j) {
      running += prob[j];
      if (running > u * nucleus_sum) {
        chosen = j;
        break;
      }
    }
    o.set(b, indices.at(b * count + order[chosen]));
  }
}

}  // namespace

void register_random(KernelTable& t) {
  t["sampling"] = sampling_kernel;
  t["rand"] = rand_kernel;
  t["dropout"] = dropout_kernel;
}

}  // namespace meshrt::ops::detail
