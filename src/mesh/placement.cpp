#include "meshrt/mesh/placement.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>

#include "meshrt/common/error.hpp"

namespace meshrt {

namespace {

// Ring over an R x C grid with R even: along row 0, then back and forth over columns 1..C-1
// of the other rows, then up column 0.
std::vector<MeshCoordinate> ring_even_rows(uint32_t rows, uint32_t cols) {
  std::vector<MeshCoordinate> walk;
  for (uint32_t c = 0; c < cols; ++c) walk.push_back({0, c});
  for (uint32_t r = 1; r < rows; ++r) {
    if (r % 2 == 1) {
      for (uint32_t c = cols; c-- > 1;) walk.push_back({r, c});
    } else {
      for (uint32_t c = 1; c < cols; ++c) walk.push_back({r, c});
    }
  }
  for (uint32_t r = rows; r-- > 1;) walk.push_back({r, 0});
  return walk;
}

}  // namespace

std::vector<uint32_t> snake_order(const MeshShape& box) {
  std::vector<MeshCoordinate> walk;
  if (box.rows == 1 || box.cols == 1) {
    for (uint32_t d = 0; d < box.volume(); ++d) walk.push_back(box.coord_of(DeviceId{d}));
  } else if (box.rows % 2 == 0) {
    walk = ring_even_rows(box.rows, box.cols);
  } else if (box.cols % 2 == 0) {
    for (MeshCoordinate c : ring_even_rows(box.cols, box.rows)) walk.push_back({c.col, c.row});
  } else {  // both sides odd: no ring exists; a row-by-row snake
    for (uint32_t r = 0; r < box.rows; ++r)
      for (uint32_t i = 0; i < box.cols; ++i) walk.push_back({r, r % 2 ? box.cols - 1 - i : i});
  }
  std::vector<uint32_t> order;
  for (MeshCoordinate c : walk) order.push_back(box.device_at(c).value);
  return order;
}

std::vector<uint32_t> reshape_order(const ClusterDesc& cluster, const MeshShape& box,
                                    const std::vector<DeviceId>& physical, const MeshShape& to) {
  if (to.rows == 0 || to.cols == 0) {
    raise(ErrorCode::kInvalidArgument, fmt::format("cannot reshape to {}: a mesh needs at least "
                                                   "one row and one column",
                                                   to.to_string()));
  }
  if (to.volume() != box.volume()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("cannot reshape a {} mesh ({} chips) to {} ({} chips): the volume must match",
                      box.to_string(), box.volume(), to.to_string(), to.volume()));
  }
  std::vector<uint32_t> order(to.volume());
  if (to == box) {
    for (uint32_t d = 0; d < to.volume(); ++d) order[d] = d;
    return order;
  }
  if (to.rows == box.cols && to.cols == box.rows) {  // transpose: every neighbour kept
    for (uint32_t d = 0; d < to.volume(); ++d) {
      MeshCoordinate c = to.coord_of(DeviceId{d});
      order[d] = box.device_at({c.col, c.row}).value;
    }
    return order;
  }
  // Lay the new shape along the ring/snake of the box, folding rows back and forth.
  std::vector<uint32_t> walk = snake_order(box);
  for (uint32_t d = 0; d < to.volume(); ++d) {
    MeshCoordinate c = to.coord_of(DeviceId{d});
    uint32_t k = to.rows == 1 || to.cols == 1
                     ? d
                     : c.row * to.cols + (c.row % 2 ? to.cols - 1 - c.col : c.col);
    order[d] = walk[k];
  }
  // Lines must be chains of linked chips.
  if (to.rows == 1 || to.cols == 1) {
    for (uint32_t d = 0; d + 1 < to.volume(); ++d) {
      DeviceId a = physical.at(order[d]), b = physical.at(order[d + 1]);
      if (link_count(cluster, a, b) == 0) {
        raise(ErrorCode::kIncompatible,
              fmt::format("cannot reshape the {} mesh to {} on cluster '{}': chips {} and {} would "
                          "be neighbours but have no Ethernet link",
                          box.to_string(), to.to_string(), cluster.name, a.value, b.value));
      }
    }
  }
  return order;
}

MeshBox choose_box(const ClusterDesc& cluster, const MeshShape& shape, MeshCoordinate offset) {
  const MeshShape& c = cluster.mesh;
  if (offset.row + shape.rows <= c.rows && offset.col + shape.cols <= c.cols)
    return {offset, shape};
  if (shape.volume() <= c.volume()) {
    std::optional<MeshShape> best;
    auto fits = [&](MeshShape s) {
      return offset.row + s.rows <= c.rows && offset.col + s.cols <= c.cols;
    };
    MeshShape transposed{shape.cols, shape.rows};
    if (fits(transposed)) return {offset, transposed};
    for (uint32_t r = 1; r <= shape.volume(); ++r) {
      if (shape.volume() % r) continue;
      MeshShape s{r, shape.volume() / r};
      if (!fits(s)) continue;
      auto skew = [](MeshShape m) { return m.rows > m.cols ? m.rows - m.cols : m.cols - m.rows; };
      if (!best || skew(s) < skew(*best)) best = s;
    }
    if (best) return {offset, *best};
  }
  raise(ErrorCode::kIncompatible,
        fmt::format("the program needs a {} mesh ({} chips) but cluster '{}' has {} chips ({}){}",
                    shape.to_string(), shape.volume(), cluster.name, c.volume(), c.to_string(),
                    shape.volume() <= c.volume()
                        ? fmt::format(" from offset ({},{})", offset.row, offset.col)
                        : ""));
}

MeshBox box_of(const ClusterDesc& cluster, const std::vector<uint32_t>& ids) {
  uint32_t r0 = UINT32_MAX, c0 = UINT32_MAX, r1 = 0, c1 = 0;
  std::vector<uint32_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t id : sorted) {
    if (id >= cluster.mesh.volume()) {
      raise(ErrorCode::kInvalidArgument, fmt::format("device id {} is not a chip of cluster '{}' "
                                                     "({} chips)",
                                                     id, cluster.name, cluster.mesh.volume()));
    }
    MeshCoordinate c = cluster.mesh.coord_of(DeviceId{id});
    r0 = std::min(r0, c.row), c0 = std::min(c0, c.col);
    r1 = std::max(r1, c.row), c1 = std::max(c1, c.col);
  }
  MeshBox box{{r0, c0}, {r1 - r0 + 1, c1 - c0 + 1}};
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end() ||
      box.shape.volume() != sorted.size()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("device ids {} do not form a box of cluster '{}'", fmt::join(ids, ","),
                      cluster.name));
  }
  return box;
}

}  // namespace meshrt
