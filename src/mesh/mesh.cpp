#include "meshrt/mesh/mesh.hpp"

#include <fmt/format.h>

#include <cctype>

#include "meshrt/common/error.hpp"

namespace meshrt {

std::string MeshShape::to_string() const { return fmt::format("{}x{}", rows, cols); }

MeshShape parse_mesh_shape(const std::string& text) {
  size_t sep = text.find_first_of("xX,");
  auto bad = [&]() {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("invalid mesh shape '{}': expected ROWSxCOLS or ROWS,COLS", text));
  };
  if (sep == std::string::npos || sep == 0 || sep + 1 >= text.size()) bad();
  auto parse = [&](const std::string& s) -> uint32_t {
    if (s.empty() || s.size() > 6) bad();
    for (char ch : s)
      if (!std::isdigit(static_cast<unsigned char>(ch))) bad();
    uint32_t v = static_cast<uint32_t>(std::stoul(s));
    if (v == 0) bad();
    return v;
  };
  return MeshShape{parse(text.substr(0, sep)), parse(text.substr(sep + 1))};
}

bool MeshBox::overlaps(const MeshBox& o) const {
  bool rows = offset.row < o.offset.row + o.shape.rows && o.offset.row < offset.row + shape.rows;
  bool cols = offset.col < o.offset.col + o.shape.cols && o.offset.col < offset.col + shape.cols;
  return rows && cols;
}

std::string MeshBox::to_string() const {
  return fmt::format("{}@({},{})", shape.to_string(), offset.row, offset.col);
}

std::vector<DeviceId> line_through(const MeshShape& mesh, DeviceId device, uint32_t cluster_axis) {
  MeshCoordinate c = mesh.coord_of(device);
  std::vector<DeviceId> line;
  uint32_t n = mesh.axis_size(cluster_axis);
  for (uint32_t i = 0; i < n; ++i) {
    MeshCoordinate p = cluster_axis == 0 ? MeshCoordinate{i, c.col} : MeshCoordinate{c.row, i};
    line.push_back(mesh.device_at(p));
  }
  return line;
}

std::vector<MeshBox> split_evenly(const MeshShape& mesh, uint32_t parts) {
  if (parts == 0 || mesh.volume() % parts != 0) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("mesh {} ({} chips) does not split evenly over {} ranks", mesh.to_string(),
                      mesh.volume(), parts));
  }
  // Prefer whole rows per part; otherwise split each row into equal column blocks.
  uint32_t row_parts = parts, col_parts = 1;
  if (mesh.rows % parts != 0) {
    row_parts = 0;
    for (uint32_t r = std::min(mesh.rows, parts); r >= 1; --r) {
      if (mesh.rows % r == 0 && parts % r == 0 && mesh.cols % (parts / r) == 0) {
        row_parts = r;
        break;
      }
    }
    if (row_parts == 0) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("mesh {} does not split into {} equal rectangular boxes",
                        mesh.to_string(), parts));
    }
    col_parts = parts / row_parts;
  }
  MeshShape box{mesh.rows / row_parts, mesh.cols / col_parts};
  std::vector<MeshBox> boxes;
  for (uint32_t r = 0; r < row_parts; ++r)
    for (uint32_t c = 0; c < col_parts; ++c)
      boxes.push_back(MeshBox{{r * box.rows, c * box.cols}, box});
  return boxes;
}

}  // namespace meshrt
