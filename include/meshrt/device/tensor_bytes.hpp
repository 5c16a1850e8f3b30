// How many device bytes a tensor takes, and its page size, in tile or row-major layout.
//
// Tile layout stores 32x32 tiles: the last two dims are padded up to multiples of 32 (a rank-1
// tensor is treated as 1xN, a scalar as 1x1) and one page is one tile. Row-major layout stores
// the elements densely and one page is one row (the last dim; a scalar is one element).
// Pure functions, thread-safe.
#pragma once

#include <cstdint>

#include "meshrt/tensor/dtype.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::device {

inline constexpr int64_t kTileHeight = 32;
inline constexpr int64_t kTileWidth = 32;

// Shape as stored on device: rank >= 2, last two dims padded to 32 for tile layout.
// Throws Error(kInvalidArgument) for a negative dim.
Shape device_storage_shape(const Shape& shape, bool tile_layout);

uint64_t tensor_device_bytes(const Shape& shape, DataType dtype, bool tile_layout);
uint64_t tensor_page_bytes(const Shape& shape, DataType dtype, bool tile_layout);

}  // namespace meshrt::device
