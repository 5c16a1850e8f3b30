// The mesh a module's programs need when neither ttcore.meshes nor --mesh-shape says: read off
// their mesh_shard ops. A mesh_shard of type devices or identity splits tensor dim
// shard_dims[i] into shard_shape[shard_dims[i]] pieces along mesh axis i (one shard_dims entry:
// axis 1 of a 1xN mesh), so that count is the axis's size; every such op must agree.
#include <fmt/format.h>

#include <array>
#include <optional>

#include "meshrt/common/error.hpp"
#include "parse_module.hpp"

namespace meshrt::compiler::detail {

namespace {

struct AxisSize {
  uint32_t size = 0;
  std::string from;  // "loc 'x' shard_shape[2]"
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  raise(ErrorCode::kInvalidArgument,
        fmt::format("{}: {}; compile with --mesh-shape R,C", path, what));
}

}  // namespace

MeshShape infer_mesh(const binary::Binary& bin, const std::string& path, std::string* note) {
  std::array<std::optional<AxisSize>, 2> axes;
  std::array<std::string, 2> used_by;  // a collective that needs the axis
  bool any_mesh_op = false;
  for (const binary::Program& p : bin.programs) {
    for (const binary::Op& op : p.ops) {
      if (op.name == "mesh_shard") {
        any_mesh_op = true;
        const std::string type = op.has_attr("shard_type") ? op.string_attr("shard_type") : "";
        if (type != "devices" && type != "identity") continue;
        const std::vector<int64_t> dims = op.ints_attr("shard_dims");
        const std::vector<int64_t> shape = op.ints_attr("shard_shape");
        for (size_t k = 0; k < dims.size() && k < 2; ++k) {
          const size_t axis = dims.size() == 1 ? 1 : k;
          const int64_t dim = dims[k];
          if (dim < 0 || dim >= static_cast<int64_t>(shape.size())) continue;
          const int64_t n = shape[static_cast<size_t>(dim)];
          if (n < 1 || n > (1 << 16)) {
            fail(path, fmt::format("mesh_shard at loc '{}' splits dim {} into {} pieces", op.loc,
                                   dim, n));
          }
          AxisSize found{static_cast<uint32_t>(n),
                         fmt::format("loc '{}' shard_shape[{}]", op.loc, dim)};
          if (axes[axis] && axes[axis]->size != found.size) {
            fail(path,
                 fmt::format("the mesh_shard ops disagree on mesh axis {}: {} from {}, {} "
                             "from {}",
                             axis, axes[axis]->size, axes[axis]->from, found.size, found.from));
          }
          if (!axes[axis]) axes[axis] = found;
        }
      } else if (op.has_attr("cluster_axis")) {
        any_mesh_op = true;
        const int64_t axis = op.int_attr("cluster_axis");
        if (axis == 0 || axis == 1) used_by[static_cast<size_t>(axis)] = op.loc;
      } else if (op.name == "collective_permute") {
        any_mesh_op = true;
      }
    }
  }
  if (!axes[0] && !axes[1]) {
    if (!any_mesh_op) return MeshShape{1, 1};  // a single-chip program
    fail(path,
         "no ttcore.meshes and no mesh_shard op that splits a tensor over the mesh: the "
         "mesh shape cannot be inferred");
  }
  for (size_t axis = 0; axis < 2; ++axis) {
    if (!axes[axis] && !used_by[axis].empty()) {
      fail(path, fmt::format("op at loc '{}' works along mesh axis {}, but no mesh_shard splits a "
                             "tensor along it: its size cannot be inferred",
                             used_by[axis], axis));
    }
  }
  MeshShape mesh{axes[0] ? axes[0]->size : 1, axes[1] ? axes[1]->size : 1};
  if (note) {
    *note = fmt::format("mesh {} inferred from the mesh_shard ops (axis 0: {}; axis 1: {})",
                        mesh.to_string(),
                        axes[0] ? fmt::format("{} from {}", axes[0]->size, axes[0]->from)
                                : "1, no op splits along it",
                        axes[1] ? fmt::format("{} from {}", axes[1]->size, axes[1]->from)
                                : "1, no op splits along it");
  }
  return mesh;
}

}  // namespace meshrt::compiler::detail
