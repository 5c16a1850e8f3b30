// mesh_shard in the reference interpreter: full_to_shard cuts each device's piece out of the
// whole tensor (or replicates it), shard_to_full puts the pieces back together; the mesh
// decides how many pieces each dim is cut into.
#include <fmt/format.h>

#include <map>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

using HostPtr = std::shared_ptr<const HostTensor>;

// For a "devices" mesh_shard: which piece of each tensor dim device `d` holds. shard_dims[0]
// is the tensor dim split along mesh axis 0 (rows), shard_dims[1] along axis 1 (cols); -1 means
// that mesh axis replicates. A single entry splits its dim over all devices in row-major order.
std::vector<int64_t> shard_index(const OpContext& ctx, const MeshShape& mesh, uint32_t d,
                                 const std::vector<int64_t>& shard_shape,
                                 const std::vector<int64_t>& shard_dims) {
  const int64_t rank = static_cast<int64_t>(shard_shape.size());
  std::vector<int64_t> index(shard_shape.size(), 0);
  const MeshCoordinate c = mesh.coord_of(DeviceId{d});
  std::vector<int64_t> positions;
  if (shard_dims.size() == 1) {
    positions = {static_cast<int64_t>(d)};
  } else if (shard_dims.size() == 2) {
    positions = {c.row, c.col};
  } else {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("shard_dims has {} entries, expected 1 or 2", shard_dims.size()));
  }
  for (size_t axis = 0; axis < shard_dims.size(); ++axis) {
    if (shard_dims[axis] < 0) continue;
    const size_t dim = static_cast<size_t>(normalize_dim(ctx, shard_dims[axis], rank));
    // Both mesh axes on one tensor dim: rows are the major part of the piece index.
    index[dim] = index[dim] * (axis == 1 ? mesh.cols : 1) + positions[axis];
  }
  for (size_t dim = 0; dim < index.size(); ++dim) {
    if (index[dim] >= shard_shape[dim]) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("device {} needs piece {} of dim {}, but shard_shape has {} pieces", d,
                           index[dim], dim, shard_shape[dim]));
    }
  }
  return index;
}

// Validates shard_shape/shard_dims against the full tensor shape and the mesh.
void check_shard_attrs(const OpContext& ctx, const MeshShape& mesh, const Shape& full,
                       const std::vector<int64_t>& shard_shape,
                       const std::vector<int64_t>& shard_dims) {
  if (shard_shape.size() != full.size()) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("shard_shape has {} entries for a rank-{} tensor", shard_shape.size(),
                         full.size()));
  }
  int64_t pieces = 1;
  for (size_t dim = 0; dim < full.size(); ++dim) {
    if (shard_shape[dim] <= 0 || full[dim] % shard_shape[dim] != 0) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("dim {} of {} does not split into {} pieces", dim, shape_to_string(full),
                           shard_shape[dim]));
    }
    pieces *= shard_shape[dim];
    bool mapped = std::find(shard_dims.begin(), shard_dims.end(), static_cast<int64_t>(dim)) !=
                  shard_dims.end();
    if (shard_shape[dim] > 1 && !mapped) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("dim {} is split {} ways but no mesh axis is mapped to it", dim,
                           shard_shape[dim]));
    }
  }
  if (pieces > static_cast<int64_t>(mesh.volume())) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("{} pieces do not fit the {} mesh", pieces, mesh.to_string()));
  }
}

// How many pieces each tensor dim is cut into: the sizes of the mesh axes mapped onto it by
// shard_dims (a single entry maps its dim to every device). The mesh decides, not the declared
// shard_shape: tt-mlir test files exist whose shard_shape names more devices than their mesh
// has, and both execute as the mesh splits them.
std::vector<int64_t> mesh_pieces(const OpContext& ctx, const MeshShape& mesh, size_t rank,
                                 const std::vector<int64_t>& shard_dims) {
  std::vector<int64_t> pieces(rank, 1);
  for (size_t axis = 0; axis < shard_dims.size(); ++axis) {
    if (shard_dims[axis] < 0) continue;
    const size_t dim =
        static_cast<size_t>(normalize_dim(ctx, shard_dims[axis], static_cast<int64_t>(rank)));
    pieces[dim] *=
        shard_dims.size() == 1 ? mesh.volume() : mesh.axis_size(static_cast<uint32_t>(axis));
  }
  return pieces;
}

// Writes `piece` into `full` at piece position `index` (piece-sized blocks).
void place_piece(Tensor& full, const Tensor& piece, const std::vector<int64_t>& index) {
  std::vector<int64_t> full_strides = row_major_strides(full.shape);
  for_each_index(piece.shape, [&](int64_t flat, const std::vector<int64_t>& local) {
    int64_t dst = 0;
    for (size_t d = 0; d < local.size(); ++d) {
      dst += (index[d] * piece.shape[d] + local[d]) * full_strides[d];
    }
    full.v[static_cast<size_t>(dst)] = piece.v[static_cast<size_t>(flat)];
  });
}

// Cuts the piece at position `index` out of `full`.
Tensor cut_piece(const Tensor& full, const std::vector<int64_t>& shard_shape,
                 const std::vector<int64_t>& index) {
  Shape shape(full.shape.size());
  for (size_t d = 0; d < shape.size(); ++d) shape[d] = full.shape[d] / shard_shape[d];
  Tensor out(shape, full.dtype);
  std::vector<int64_t> full_strides = row_major_strides(full.shape);
  for_each_index(shape, [&](int64_t flat, const std::vector<int64_t>& local) {
    int64_t src = 0;
    for (size_t d = 0; d < local.size(); ++d)
      src += (index[d] * shape[d] + local[d]) * full_strides[d];
    out.v[static_cast<size_t>(flat)] = full.v[static_cast<size_t>(src)];
  });
  return out;
}

std::vector<DeviceTensors> mesh_shard(const OpContext& ctx, const MeshShape& mesh,
                                      const std::vector<DeviceTensors>& operands) {
  ctx.expect_min_operands(operands.size(), 1);
  const std::string& type = ctx.op.string_attr("shard_type");
  const std::string& direction = ctx.op.string_attr("shard_direction");
  const DataType dtype = ctx.result_dtype();
  const DeviceTensors& in = operands[0];
  if (direction != "full_to_shard" && direction != "shard_to_full") {
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("unknown shard_direction '{}'", direction));
  }
  const bool to_shard = direction == "full_to_shard";
  DeviceTensors out(mesh.volume());
  if (type == "identity" || (type == "replicate" && to_shard)) {
    for (uint32_t d = 0; d < mesh.volume(); ++d) out[d] = restore(in[d], dtype);
    return {out};
  }
  if (type == "replicate") {
    HostPtr first = restore(in[0], dtype);
    out.assign(mesh.volume(), first);
    return {out};
  }
  if (type != "devices") {
    ctx.fail(ErrorCode::kUnsupported, fmt::format("shard_type '{}' is not supported", type));
  }
  const std::vector<int64_t> shard_dims = ctx.op.ints_attr("shard_dims");
  const std::vector<int64_t> shard_shape =
      mesh_pieces(ctx, mesh, ctx.op.ints_attr("shard_shape").size(), shard_dims);
  if (to_shard) {
    std::map<std::pair<const HostTensor*, std::vector<int64_t>>, HostPtr> cache;
    std::map<const HostTensor*, Tensor> converted;
    for (uint32_t d = 0; d < mesh.volume(); ++d) {
      const Shape& full_shape = in[d]->shape();
      check_shard_attrs(ctx, mesh, full_shape, shard_shape, shard_dims);
      std::vector<int64_t> index = shard_index(ctx, mesh, d, shard_shape, shard_dims);
      HostPtr& slot = cache[{in[d].get(), index}];
      if (!slot) {
        auto [full, fresh] = converted.try_emplace(in[d].get());
        if (fresh) full->second = from_host(*in[d], dtype);
        slot = to_host(cut_piece(full->second, shard_shape, index), dtype);
      }
      out[d] = slot;
    }
    return {out};
  }
  const Shape& full_shape = ctx.result_shape();
  check_shard_attrs(ctx, mesh, full_shape, shard_shape, shard_dims);
  Tensor full(full_shape, dtype);
  std::map<std::vector<int64_t>, bool> placed;
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    std::vector<int64_t> index = shard_index(ctx, mesh, d, shard_shape, shard_dims);
    if (placed.count(index)) continue;  // along replicated axes the first device counts
    placed[index] = true;
    Tensor piece = from_host(*in[d], dtype);
    Shape expected(full_shape.size());
    for (size_t k = 0; k < expected.size(); ++k) expected[k] = full_shape[k] / shard_shape[k];
    expect_shape(ctx, piece, expected, fmt::format("the piece on device {}", d).c_str());
    place_piece(full, piece, index);
  }
  int64_t pieces = 1;
  for (int64_t n : shard_shape) pieces *= n;
  if (static_cast<int64_t>(placed.size()) != pieces) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("the mesh holds {} of the {} pieces", placed.size(), pieces));
  }
  out.assign(mesh.volume(), to_host(full, dtype));
  return {out};
}

}  // namespace

void register_mesh_shard_kernels(KernelTable& table) { table.mesh["mesh_shard"] = mesh_shard; }

}  // namespace meshrt::reference::interp
