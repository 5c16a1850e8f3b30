// Collective kernels of the reference interpreter: all_gather, reduce_scatter, all_reduce(_async),
// collective_permute, mesh_partition, collective_broadcast, all_to_all and the distributed
// norms. They see every device's operand at once.
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
  table.mesh["all_gather"] = all_gather;
  table.mesh["all_reduce"] = all_reduce;
  table.mesh["reduce_scatter"] = reduce_scatter;
  table.mesh["collective_permute"] = collective_permute;
  table.mesh["mesh_partition"] = mesh_partition;
}

}  // namespace meshrt::reference::interp
