// Device storage size of tensors in tile and row-major layout (see tensor_bytes.hpp).
#include "meshrt/device/tensor_bytes.hpp"

#include <fmt/format.h>

#include "meshrt/common/error.hpp"

namespace meshrt::device {
namespace {

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

}  // namespace

Shape device_storage_shape(const Shape& shape, bool tile_layout) {
  for (int64_t dim : shape)
    if (dim < 0)
      raise(ErrorCode::kInvalidArgument,
            fmt::format("shape {} has a negative dimension", shape_to_string(shape)));
  Shape stored = shape;
  while (stored.size() < 2) stored.insert(stored.begin(), 1);
  if (tile_layout) {
    size_t rank = stored.size();
    stored[rank - 2] = round_up(stored[rank - 2], kTileHeight);
    stored[rank - 1] = round_up(stored[rank - 1], kTileWidth);
  }
  return stored;
}

uint64_t tensor_device_bytes(const Shape& shape, DataType dtype, bool tile_layout) {
  Shape stored = device_storage_shape(shape, tile_layout);
  return static_cast<uint64_t>(volume(stored)) * element_size(dtype);
}

uint64_t tensor_page_bytes(const Shape& shape, DataType dtype, bool tile_layout) {
  if (tile_layout) return static_cast<uint64_t>(kTileHeight * kTileWidth) * element_size(dtype);
  Shape stored = device_storage_shape(shape, false);
  int64_t row = std::max<int64_t>(stored.back(), 1);
  return static_cast<uint64_t>(row) * element_size(dtype);
}

}  // namespace meshrt::device
