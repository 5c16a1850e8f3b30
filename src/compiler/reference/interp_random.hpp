// Private to the compiler: ttir.rand's generator as the verifier and the reference interpreter
// evaluate it (the definition is in docs/architecture.md, "Random numbers"). The device kernel
// (src/ops/random.cpp) is a separate implementation of the same definition.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "meshrt/tensor/dtype.hpp"

namespace meshrt::compiler::interp {

// The dtype values that rand may produce for [low, high): `first` is the smallest value of
// `dtype` that is >= low, `last` the largest that is < high. Empty when no value of `dtype`
// lies in [low, high). `dtype` must be a float type.
struct RandRange {
  double first = 0;
  double last = 0;
};
std::optional<RandRange> rand_range(double low, double high, DataType dtype);

// The value of flat element `index` of a rand result, rounded to `dtype` and kept in `range`.
double rand_element(uint32_t seed, uint64_t index, double low, double high, DataType dtype,
                    const RandRange& range);

}  // namespace meshrt::compiler::interp
