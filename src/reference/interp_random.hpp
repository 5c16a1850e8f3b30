// Private to the reference interpreter: ttir.rand's generator (the definition is in
// docs/architecture.md, "Random numbers"). The device kernel (src/ops/random.cpp) is a separate
// implementation of the same definition.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "meshrt/tensor/dtype_range.hpp"

namespace meshrt::reference::interp {

// The value of flat element `index` of a rand result, rounded to `dtype` and kept in `range`
// (dtype_values_in(low, high, dtype)).
double rand_element(uint32_t seed, uint64_t index, double low, double high, DataType dtype,
                    const DtypeRange& range);

}  // namespace meshrt::reference::interp
