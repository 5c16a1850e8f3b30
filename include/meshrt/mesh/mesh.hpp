// Mesh geometry: a 2-D grid of chips addressed row-major, and boxes of it.
//
// Plain value types, no allocation beyond std::vector, safe to copy across threads.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace meshrt {

// Linear index of a chip in a mesh (row-major), as tt-mlir numbers devices.
struct DeviceId {
  uint32_t value = 0;
  friend bool operator==(DeviceId a, DeviceId b) { return a.value == b.value; }
  friend auto operator<=>(DeviceId a, DeviceId b) { return a.value <=> b.value; }
  friend std::ostream& operator<<(std::ostream& os, DeviceId d) { return os << d.value; }
};

struct MeshCoordinate {
  uint32_t row = 0;
  uint32_t col = 0;
  friend bool operator==(const MeshCoordinate&, const MeshCoordinate&) = default;
};

struct MeshShape {
  uint32_t rows = 1;
  uint32_t cols = 1;

  uint32_t volume() const { return rows * cols; }
  // Extent along a cluster axis: axis 0 = rows, axis 1 = cols.
  uint32_t axis_size(uint32_t axis) const { return axis == 0 ? rows : cols; }
  DeviceId device_at(MeshCoordinate c) const { return DeviceId{c.row * cols + c.col}; }
  MeshCoordinate coord_of(DeviceId d) const { return {d.value / cols, d.value % cols}; }
  bool contains(MeshCoordinate c) const { return c.row < rows && c.col < cols; }
  std::string to_string() const;  // "8x4"
  friend bool operator==(const MeshShape&, const MeshShape&) = default;
};

// Parses "8x4", "8,4" or "8X4". Throws Error(kInvalidArgument) naming the text otherwise.
MeshShape parse_mesh_shape(const std::string& text);

// A rectangular part of a mesh: the chips a rank owns, or a sub-mesh.
struct MeshBox {
  MeshCoordinate offset;
  MeshShape shape;

  bool contains(MeshCoordinate c) const {
    return c.row >= offset.row && c.row < offset.row + shape.rows && c.col >= offset.col &&
           c.col < offset.col + shape.cols;
  }
  bool overlaps(const MeshBox& other) const;
  std::string to_string() const;  // "2x4@(0,0)"
  friend bool operator==(const MeshBox&, const MeshBox&) = default;
};

// Devices of the line through `device` along `cluster_axis`, in order along that axis.
// axis 0 walks a column (rows vary), axis 1 walks a row (cols vary).
std::vector<DeviceId> line_through(const MeshShape& mesh, DeviceId device, uint32_t cluster_axis);

// Splits `mesh` evenly into `parts` boxes, row-major: first by rows, then by columns.
// Throws Error(kInvalidArgument) if the mesh does not split into that many equal boxes.
std::vector<MeshBox> split_evenly(const MeshShape& mesh, uint32_t parts);

}  // namespace meshrt

// A DeviceId prints as its number.
template <>
struct fmt::formatter<meshrt::DeviceId> : fmt::formatter<uint32_t> {
  auto format(meshrt::DeviceId d, fmt::format_context& ctx) const {
    return fmt::formatter<uint32_t>::format(d.value, ctx);
  }
};
