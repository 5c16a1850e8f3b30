// The values of a float dtype inside a half-open range, found arithmetically (frexp/ldexp on
// the format's significand width) rather than from bit patterns. ttir.rand's verifier rule and
// its reference kernel use it; the device kernel (src/ops/random.cpp) works on bit patterns.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>

#include "meshrt/tensor/dtype.hpp"

namespace meshrt {

// `first` is the smallest value of `dtype` that is >= low, `last` the largest that is < high.
struct DtypeRange {
  double first = 0;
  double last = 0;
};
// Empty when no value of `dtype` lies in [low, high) (or low/high are not finite, or
// low >= high). `dtype` must be a float type (others are treated as f64).
std::optional<DtypeRange> dtype_values_in(double low, double high, DataType dtype);

}  // namespace meshrt
