#include "meshrt/tensor/dtype_range.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace meshrt {

namespace {

// What the float formats look like to the arithmetic below.
struct FormatTraits {
  int significand_bits;  // including the implicit leading bit
  double smallest;       // smallest positive (subnormal) value
  double largest;        // largest finite value
};

FormatTraits traits_of(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return {24, std::ldexp(1.0, -149), static_cast<double>(std::numeric_limits<float>::max())};
    case DataType::kBFloat16:
      return {8, std::ldexp(1.0, -133), std::ldexp(255.0, 120)};
    case DataType::kFloat16:
      return {11, std::ldexp(1.0, -24), 65504.0};
    default:
      return {53, std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()};
  }
}

// Distance from a finite magnitude m >= 0 (a value of the format) to the next larger one.
double gap_up(double m, const FormatTraits& f) {
  if (m == 0) return f.smallest;
  int e = 0;
  std::frexp(m, &e);  // m = s * 2^e with s in [0.5, 1)
  return std::max(std::ldexp(1.0, e - f.significand_bits), f.smallest);
}

// Distance from a finite magnitude m > 0 (a value of the format) to the next smaller one: half
// the usual gap when m is a power of two.
double gap_down(double m, const FormatTraits& f) {
  int e = 0;
  const double s = std::frexp(m, &e);
  const int exponent = s == 0.5 ? e - 1 - f.significand_bits : e - f.significand_bits;
  return std::max(std::ldexp(1.0, exponent), f.smallest);
}

// The largest value of the format below `v` (a value of the format, or +-infinity).
double value_below(double v, const FormatTraits& f) {
  if (std::isinf(v)) return v > 0 ? f.largest : v;
  if (v > 0) return v - gap_down(v, f);
  return -(-v + gap_up(-v, f));
}

double value_above(double v, const FormatTraits& f) { return -value_below(-v, f); }

}  // namespace

std::optional<DtypeRange> dtype_values_in(double low, double high, DataType dtype) {
  if (!std::isfinite(low) || !std::isfinite(high) || !(low < high)) return std::nullopt;
  const FormatTraits f = traits_of(dtype);
  DtypeRange r;
  r.first = round_to_dtype(low, dtype);
  if (r.first < low) r.first = value_above(r.first, f);
  r.last = round_to_dtype(high, dtype);
  if (r.last >= high) r.last = value_below(r.last, f);
  if (r.first > r.last) return std::nullopt;
  return r;
}

}  // namespace meshrt
