// Collective kernels of the reference interpreter: mesh_shard, all_gather, reduce_scatter,
// all_reduce, collective_permute, mesh_partition. They see every device's operand at once.
//
// Devices that end up with the same value share one tensor (e.g. every device of a line after
// an all_gather), so replicated values stay cheap on large meshes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

using HostPtr = std::shared_ptr<const HostTensor>;

// `t` stored as the interpreter stores a value of dtype `declared`.
HostPtr restore(const HostPtr& t, DataType declared) {
  if (t->dtype() == declared) return t;
  return to_host(from_host(*t, declared), declared);
}

// Piece `index` of `pieces` equal pieces of `t` along `dim`.
Tensor piece_of(const OpContext& ctx, const Tensor& t, int64_t dim, int64_t index, int64_t pieces) {
  const int64_t n = t.shape[static_cast<size_t>(dim)];
  if (pieces <= 0 || n % pieces != 0) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("dim {} of size {} does not split into {} pieces", dim, n, pieces));
  }
  const int64_t size = n / pieces;
  Shape shape = t.shape;
  shape[static_cast<size_t>(dim)] = size;
  Tensor out(shape, t.dtype);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= t.shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(dim) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
  for (int64_t o = 0; o < outer; ++o) {
    auto src = t.v.begin() + (o * n + index * size) * inner;
    std::copy(src, src + size * inner, out.v.begin() + o * size * inner);
  }
  return out;
}

// Concatenation along `dim` of tensors of equal shape.
Tensor concat_of(const OpContext& ctx, const std::vector<Tensor>& parts, int64_t dim) {
  Shape shape = parts[0].shape;
  for (const Tensor& p : parts) {
    if (p.shape != parts[0].shape) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("devices hold different shapes: {} vs {}", shape_to_string(p.shape),
                           shape_to_string(parts[0].shape)));
    }
  }
  const int64_t size = shape[static_cast<size_t>(dim)];
  shape[static_cast<size_t>(dim)] *= static_cast<int64_t>(parts.size());
  Tensor out(shape, parts[0].dtype);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(dim) + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t block = size * inner;
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t k = 0; k < parts.size(); ++k) {
      auto src = parts[k].v.begin() + o * block;
      std::copy(src, src + block,
                out.v.begin() +
                    (o * static_cast<int64_t>(parts.size()) + static_cast<int64_t>(k)) * block);
    }
  }
  return out;
}

Tensor reduce_of(const OpContext& ctx, const std::vector<Tensor>& parts) {
  const std::string& kind = ctx.op.string_attr("reduce_type");
  if (kind != "sum" && kind != "mean" && kind != "max" && kind != "min" && kind != "prod") {
    ctx.fail(ErrorCode::kUnsupported, fmt::format("reduce_type '{}' is not supported", kind));
  }
  const bool add = kind == "sum" || kind == "mean";
  const bool multiply = kind == "prod";
  const bool take_max = kind == "max";
  Tensor out = parts[0];
  for (size_t k = 1; k < parts.size(); ++k) {
    if (parts[k].shape != out.shape) {
      ctx.fail(ErrorCode::kInvalidArgument, "devices hold different shapes");
    }
    for (size_t i = 0; i < out.v.size(); ++i) {
      const double a = parts[k].v[i];
      double& acc = out.v[i];
      if (add) {
        acc += a;
      } else if (multiply) {
        acc *= a;
      } else if (take_max ? (a > acc || std::isnan(a)) : (a < acc || std::isnan(a))) {
        acc = a;
      }
    }
  }
  if (kind == "mean") {
    for (double& v : out.v) v /= static_cast<double>(parts.size());
  }
  return out;
}

uint32_t cluster_axis(const OpContext& ctx) {
  int64_t axis = ctx.op.int_attr("cluster_axis");
  if (axis != 0 && axis != 1) {
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("cluster_axis {} is not 0 or 1", axis));
  }
  return static_cast<uint32_t>(axis);
}

std::vector<Tensor> line_tensors(const std::vector<DeviceId>& line, const DeviceTensors& in,
                                 DataType declared) {
  std::vector<Tensor> parts;
  for (DeviceId d : line) parts.push_back(from_host(*in[d.value], declared));
  return parts;
}

size_t position_in(const std::vector<DeviceId>& line, DeviceId d) {
  return static_cast<size_t>(std::find(line.begin(), line.end(), d) - line.begin());
}

void expect_one_operand(const OpContext& ctx, const std::vector<DeviceTensors>& operands) {
  ctx.expect_min_operands(operands.size(), 1);
}

std::vector<DeviceTensors> all_gather(const OpContext& ctx, const MeshShape& mesh,
                                      const std::vector<DeviceTensors>& operands) {
  expect_one_operand(ctx, operands);
  const uint32_t axis = cluster_axis(ctx);
  const DataType dtype = ctx.result_dtype();
  DeviceTensors out(mesh.volume());
  std::map<uint32_t, HostPtr> by_line;
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    std::vector<DeviceId> line = line_through(mesh, DeviceId{d}, axis);
    HostPtr& slot = by_line[line[0].value];
    if (!slot) {
      std::vector<Tensor> parts = line_tensors(line, operands[0], dtype);
      const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("all_gather_dim"), parts[0].rank());
      slot = to_host(concat_of(ctx, parts, dim), dtype);
    }
    out[d] = slot;
  }
  return {out};
}

std::vector<DeviceTensors> all_reduce(const OpContext& ctx, const MeshShape& mesh,
                                      const std::vector<DeviceTensors>& operands) {
  expect_one_operand(ctx, operands);
  const uint32_t axis = cluster_axis(ctx);
  const DataType dtype = ctx.result_dtype();
  DeviceTensors out(mesh.volume());
  std::map<uint32_t, HostPtr> by_line;
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    std::vector<DeviceId> line = line_through(mesh, DeviceId{d}, axis);
    HostPtr& slot = by_line[line[0].value];
    if (!slot) slot = to_host(reduce_of(ctx, line_tensors(line, operands[0], dtype)), dtype);
    out[d] = slot;
  }
  return {out};
}

std::vector<DeviceTensors> reduce_scatter(const OpContext& ctx, const MeshShape& mesh,
                                          const std::vector<DeviceTensors>& operands) {
  expect_one_operand(ctx, operands);
  const uint32_t axis = cluster_axis(ctx);
  const DataType dtype = ctx.result_dtype();
  DeviceTensors out(mesh.volume());
  std::map<uint32_t, Tensor> reduced_by_line;
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    std::vector<DeviceId> line = line_through(mesh, DeviceId{d}, axis);
    auto it = reduced_by_line.find(line[0].value);
    if (it == reduced_by_line.end()) {
      it = reduced_by_line
               .emplace(line[0].value, reduce_of(ctx, line_tensors(line, operands[0], dtype)))
               .first;
    }
    const Tensor& reduced = it->second;
    const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("scatter_dim"), reduced.rank());
    const int64_t k = static_cast<int64_t>(position_in(line, DeviceId{d}));
    out[d] = to_host(piece_of(ctx, reduced, dim, k, static_cast<int64_t>(line.size())), dtype);
  }
  return {out};
}

std::vector<DeviceTensors> collective_permute(const OpContext& ctx, const MeshShape& mesh,
                                              const std::vector<DeviceTensors>& operands) {
  expect_one_operand(ctx, operands);
  std::vector<int64_t> pairs = ctx.op.ints_attr("source_target_pairs");
  if (pairs.size() % 2 != 0) {
    ctx.fail(ErrorCode::kInvalidArgument, "source_target_pairs must hold [source, target] pairs");
  }
  const DataType dtype = ctx.result_dtype();
  DeviceTensors out(mesh.volume());
  for (size_t i = 0; i < pairs.size(); i += 2) {
    const int64_t src = pairs[i], dst = pairs[i + 1];
    for (int64_t dev : {src, dst}) {
      if (dev < 0 || dev >= static_cast<int64_t>(mesh.volume())) {
        ctx.fail(ErrorCode::kInvalidArgument,
                 fmt::format("device {} is not in the {} mesh", dev, mesh.to_string()));
      }
    }
    if (out[static_cast<size_t>(dst)]) {
      ctx.fail(ErrorCode::kInvalidArgument, fmt::format("device {} receives twice", dst));
    }
    out[static_cast<size_t>(dst)] = restore(operands[0][static_cast<size_t>(src)], dtype);
  }
  HostPtr zeros;
  for (auto& t : out) {
    if (!t) {
      if (!zeros) zeros = to_host(Tensor(ctx.result_shape(), dtype), dtype);
      t = zeros;
    }
  }
  return {out};
}

// Each device keeps piece k of `dim`, k being its position along cluster_axis.
std::vector<DeviceTensors> mesh_partition(const OpContext& ctx, const MeshShape& mesh,
                                          const std::vector<DeviceTensors>& operands) {
  expect_one_operand(ctx, operands);
  const uint32_t axis = cluster_axis(ctx);
  const DataType dtype = ctx.result_dtype();
  const int64_t pieces = mesh.axis_size(axis);
  DeviceTensors out(mesh.volume());
  std::map<std::pair<const HostTensor*, int64_t>, HostPtr> cache;
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    MeshCoordinate c = mesh.coord_of(DeviceId{d});
    const int64_t k = axis == 0 ? c.row : c.col;
    HostPtr& slot = cache[{operands[0][d].get(), k}];
    if (!slot) {
      Tensor t = from_host(*operands[0][d], dtype);
      const int64_t dim = normalize_dim(ctx, ctx.op.int_attr("dim"), t.rank());
      slot = to_host(piece_of(ctx, t, dim, k, pieces), dtype);
    }
    out[d] = slot;
  }
  return {out};
}

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
  expect_one_operand(ctx, operands);
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

// The replica group of device d (in group order), or d alone when no group names it.
std::vector<uint32_t> group_of(const std::vector<std::vector<uint32_t>>& groups, uint32_t d) {
  for (const auto& g : groups)
    if (std::find(g.begin(), g.end(), d) != g.end()) return g;
  return {d};
}

void check_groups(const OpContext& ctx, const std::vector<std::vector<uint32_t>>& groups,
                  const MeshShape& mesh) {
  for (const auto& g : groups)
    for (uint32_t id : g)
      if (id >= mesh.volume())
        ctx.fail(
            ErrorCode::kInvalidArgument,
            fmt::format("replica group device {} is not on the {}-chip mesh", id, mesh.volume()));
}

// collective_broadcast: every device of a replica group gets the group's first device's value.
std::vector<DeviceTensors> collective_broadcast(const OpContext& ctx, const MeshShape& mesh,
                                                const std::vector<DeviceTensors>& operands) {
  expect_one_operand(ctx, operands);
  const auto groups = ctx.op.replica_groups();
  check_groups(ctx, groups, mesh);
  DeviceTensors out(mesh.volume());
  for (uint32_t d = 0; d < mesh.volume(); ++d)
    out[d] = restore(operands[0][group_of(groups, d).front()], ctx.result_dtype());
  return {out};
}

// all_to_all: device k of a group concatenates (concat_dim) piece k (split_dim, split_count
// pieces) of every group member's tensor, in group order.
std::vector<DeviceTensors> all_to_all(const OpContext& ctx, const MeshShape& mesh,
                                      const std::vector<DeviceTensors>& operands) {
  expect_one_operand(ctx, operands);
  const auto groups = ctx.op.replica_groups();
  check_groups(ctx, groups, mesh);
  const DataType dtype = ctx.result_dtype();
  const int64_t count = ctx.op.int_attr("split_count");
  DeviceTensors out(mesh.volume());
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    const std::vector<uint32_t> g = group_of(groups, d);
    if (count != static_cast<int64_t>(g.size()))
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("split_count {} is not the replica group size {}", count, g.size()));
    const int64_t k = std::find(g.begin(), g.end(), d) - g.begin();
    std::vector<Tensor> pieces;
    for (uint32_t member : g) {
      Tensor t = from_host(*operands[0][member], dtype);
      const int64_t split = normalize_dim(ctx, ctx.op.int_attr("split_dim"), t.rank());
      pieces.push_back(piece_of(ctx, t, split, k, count));
    }
    const int64_t concat = normalize_dim(ctx, ctx.op.int_attr("concat_dim"), pieces[0].rank());
    out[d] = to_host(concat_of(ctx, pieces, concat), dtype);
  }
  return {out};
}

// distributed_rms_norm / distributed_layer_norm: every row normalised by the statistics of
// that row across all chips of its line along cluster_axis (each chip holds a piece of the
// row); layer norm subtracts the line's mean (biased variance) and adds a bias.
std::vector<DeviceTensors> distributed_norm(const OpContext& ctx, const MeshShape& mesh,
                                            const std::vector<DeviceTensors>& operands) {
  ctx.expect_min_operands(operands.size(), 1);
  const bool layer = ctx.op.name == "distributed_layer_norm";
  const std::vector<int> seg = ctx.op.segment_operands(layer ? 4 : 3);
  const int weight_at = seg[1], bias_at = layer ? seg[2] : -1, residual_at = seg[layer ? 3 : 2];
  const uint32_t axis = cluster_axis(ctx);
  const DataType dtype = ctx.result_dtype();
  const double eps = ctx.op.float_attr_or("epsilon", 1e-5);
  auto summed_on = [&](uint32_t d) {
    Tensor x = from_host(*operands[0][d], dtype);
    if (residual_at >= 0) {
      Tensor r = from_host(*operands[static_cast<size_t>(residual_at)][d], dtype);
      if (r.shape != x.shape) ctx.fail(ErrorCode::kInvalidArgument, "residual shape differs");
      for (size_t i = 0; i < x.v.size(); ++i) x.v[i] += r.v[i];
    }
    return x;
  };
  auto vector_on = [&](int at, uint32_t d, int64_t n) {
    std::vector<double> v;
    if (at < 0) return v;
    Tensor t = from_host(*operands[static_cast<size_t>(at)][d], dtype);
    if (t.numel() != n) ctx.fail(ErrorCode::kInvalidArgument, "weight/bias does not match");
    return t.v;
  };
  DeviceTensors out(mesh.volume());
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    std::vector<DeviceId> line = line_through(mesh, DeviceId{d}, axis);
    Tensor x = summed_on(d);
    if (x.shape.empty()) ctx.fail(ErrorCode::kInvalidArgument, "input needs a last dim");
    const int64_t n = x.shape.back(), rows = n > 0 ? x.numel() / n : 0;
    const double count = static_cast<double>(n) * static_cast<double>(line.size());
    std::vector<double> mean(static_cast<size_t>(rows), 0.0), var(static_cast<size_t>(rows), 0.0);
    std::vector<Tensor> pieces;
    for (DeviceId other : line) pieces.push_back(summed_on(other.value));
    for (int64_t r = 0; r < rows; ++r) {
      if (layer) {
        for (const Tensor& y : pieces)
          for (int64_t j = 0; j < n; ++j) mean[r] += y.v[r * n + j];
        mean[r] /= count;
      }
      for (const Tensor& y : pieces)
        for (int64_t j = 0; j < n; ++j) {
          const double c = y.v[r * n + j] - mean[r];
          var[r] += c * c;
        }
      var[r] /= count;
    }
    const std::vector<double> w = vector_on(weight_at, d, n), b = vector_on(bias_at, d, n);
    for (int64_t r = 0; r < rows; ++r) {
      const double scale = 1.0 / std::sqrt(var[r] + eps);
      for (int64_t j = 0; j < n; ++j) {
        double v = (x.v[r * n + j] - mean[r]) * scale;
        if (!w.empty()) v *= w[j];
        if (!b.empty()) v += b[j];
        x.v[r * n + j] = v;
      }
    }
    out[d] = to_host(x, dtype);
  }
  return {out};
}

}  // namespace

void register_collective_kernels(KernelTable& table) {
  table.mesh["distributed_rms_norm"] = distributed_norm;
  table.mesh["distributed_layer_norm"] = distributed_norm;
  table.mesh["all_reduce_async"] = all_reduce;
  table.mesh["collective_broadcast"] = collective_broadcast;
  table.mesh["all_to_all"] = all_to_all;
  table.mesh["mesh_shard"] = mesh_shard;
  table.mesh["all_gather"] = all_gather;
  table.mesh["all_reduce"] = all_reduce;
  table.mesh["reduce_scatter"] = reduce_scatter;
  table.mesh["collective_permute"] = collective_permute;
  table.mesh["mesh_partition"] = mesh_partition;
}

}  // namespace meshrt::reference::interp
