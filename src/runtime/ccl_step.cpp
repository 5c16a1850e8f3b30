// The collectives: each rank works out from the op which devices' shards each of its chips
// reads, gets them (exchange_shards sends each shard once per receiving rank) and computes its
// chips' results with the kernels of ops/ccl.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "device_pool.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/ops/ccl.hpp"
#include "steps.hpp"

namespace meshrt::runtime {

void require_fabric(const StepContext& s, const binary::Op& op) {
  if (s.fabric == report::FabricConfig::kDisabled && s.mesh.shape().volume() > 1) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("'{}' at {} needs a fabric between the chips, but the fabric is disabled "
                      "(--fabric-config disabled)",
                      op.name, op.loc));
  }
}

void run_ccl_step(const StepContext& s, const binary::Op& op, Values& values) {
  require_fabric(s, op);
  const uint32_t in_id = op.operands.at(0), out_id = op.results.at(0);
  Value& in = values.at(in_id);
  ensure_on_device(s.mesh, s.program, in_id, in);
  const MeshShape& mesh = s.mesh.shape();
  const binary::TensorDesc& out_desc = s.program.values[out_id];
  const bool permute = op.name == "collective_permute";
  const bool partition = op.name == "mesh_partition";
  const bool broadcast = op.name == "collective_broadcast";
  const bool grouped = broadcast || op.name == "all_to_all";
  const uint32_t axis = permute ? 0 : static_cast<uint32_t>(op.int_attr_or("cluster_axis", 0));
  const std::vector<std::vector<uint32_t>> groups =
      grouped ? op.replica_groups() : std::vector<std::vector<uint32_t>>{};
  auto group_of = [&](DeviceId d) -> std::vector<DeviceId> {
    for (const auto& g : groups) {
      if (std::find(g.begin(), g.end(), d.value) == g.end()) continue;
      std::vector<DeviceId> out;
      for (uint32_t id : g) out.push_back(DeviceId{id});
      return out;
    }
    return {d};  // in no group: keeps its own tensor
  };

  // What each device reads: its line along the cluster axis, its permute source, its replica
  // group (all_to_all) or its group's source (collective_broadcast).
  auto sources_of = [&](DeviceId d) -> std::vector<DeviceId> {
    if (permute) {
      auto src = ops::permute_source(op, d);
      return src ? std::vector<DeviceId>{*src} : std::vector<DeviceId>{};
    }
    if (partition) return {d};
    if (broadcast) return {group_of(d).front()};
    if (grouped) return group_of(d);
    return line_through(mesh, d, axis);
  };
  std::vector<std::set<DeviceId>> needs(static_cast<size_t>(s.mesh.num_ranks()));
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    for (DeviceId src : sources_of(DeviceId{d})) needs[s.mesh.owner(DeviceId{d})].insert(src);
  }
  ShardMap got = exchange_shards(s.mesh, local_shards(in), needs, device_shape(s.program, in_id),
                                 s.program.values[in_id].dtype);

  Value out;
  for (size_t l = 0; l < s.mesh.local_devices().size(); ++l) {
    DeviceId d = s.mesh.local_devices()[l];
    // all_gather, reduce_scatter, all_reduce, all_to_all and broadcasts write every element.
    HostTensor* t = nullptr;
    auto shard = place(s.mesh, l, out_desc, nullptr, &t, permute || partition);
    std::vector<DeviceId> src = sources_of(d);
    std::vector<const HostTensor*> line;
    uint32_t index_in_line = 0;
    for (size_t k = 0; k < src.size(); ++k) {
      line.push_back(got.at(src[k]).get());
      if (src[k] == d) index_in_line = static_cast<uint32_t>(k);
    }
    if (op.name == "all_gather") {
      ops::all_gather(op, line, *t);
    } else if (op.name == "reduce_scatter") {
      ops::reduce_scatter(op, line, index_in_line, *t);
    } else if (op.name == "all_reduce" || op.name == "all_reduce_async") {
      ops::all_reduce(op, line, *t);
    } else if (broadcast) {
      *t = *line[0];
    } else if (grouped) {
      ops::all_to_all(op, line, index_in_line, *t);
    } else if (permute) {
      if (!line.empty()) *t = *line[0];  // no source: stays zero
    } else if (partition) {
      MeshCoordinate c = mesh.coord_of(d);
      ops::mesh_partition(op, axis == 0 ? c.row : c.col, *line[0], *t);
    } else {
      raise(ErrorCode::kUnsupported,
            fmt::format("collective '{}' at {} is not implemented", op.name, op.loc));
    }
    out.shards[d] = shard;
  }
  out.resident = true;
  values[out_id] = std::move(out);
}

// distributed_rms_norm / distributed_layer_norm: local statistics on every chip, an exchange of
// the statistics (one or two f32 per row) along cluster_axis, then the local normalisation.
void run_distributed_norm_step(const StepContext& s, const binary::Op& op, Values& values) {
  for (uint32_t id : op.operands) ensure_on_device(s.mesh, s.program, id, values.at(id));
  const MeshShape& mesh = s.mesh.shape();
  const uint32_t axis = static_cast<uint32_t>(op.int_attr_or("cluster_axis", 0));
  const uint32_t out_id = op.results.at(0);
  const binary::TensorDesc& out_desc = s.program.values[out_id];
  const Shape& in_shape = device_shape(s.program, op.operands[0]);
  const Shape stats_shape{
      (in_shape.empty() ? 0 : volume(in_shape) / std::max<int64_t>(1, in_shape.back())) *
      ops::distributed_norm_stats_per_row(op)};
  const size_t chips = s.mesh.local_devices().size();
  std::vector<std::vector<const HostTensor*>> in(chips);
  std::vector<std::shared_ptr<HostTensor>> summed(chips);
  ShardMap stats;
  for (size_t l = 0; l < chips; ++l) {
    const DeviceId d = s.mesh.local_devices()[l];
    for (uint32_t id : op.operands) in[l].push_back(values.at(id).shards.at(d)->data.get());
    summed[l] = std::make_shared<HostTensor>(in_shape, s.program.values[op.operands[0]].dtype);
    stats[d] = std::make_shared<HostTensor>(stats_shape, DataType::kFloat32);
  }
  parallel_for(chips, [&](size_t l) {
    auto st = std::const_pointer_cast<HostTensor>(stats.at(s.mesh.local_devices()[l]));
    ops::distributed_norm_stats(op, in[l], *summed[l], *st);
  });
  std::vector<std::set<DeviceId>> needs(static_cast<size_t>(s.mesh.num_ranks()));
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    for (DeviceId src : line_through(mesh, DeviceId{d}, axis))
      needs[s.mesh.owner(DeviceId{d})].insert(src);
  }
  ShardMap got = exchange_shards(s.mesh, stats, needs, stats_shape, DataType::kFloat32);
  Value out;
  for (size_t l = 0; l < chips; ++l) {
    const DeviceId d = s.mesh.local_devices()[l];
    HostTensor* t = nullptr;
    auto shard = place(s.mesh, l, out_desc, nullptr, &t, /*zeroed=*/false);
    std::vector<const HostTensor*> line;
    for (DeviceId src : line_through(mesh, d, axis)) line.push_back(got.at(src).get());
    ops::distributed_norm_apply(op, in[l], *summed[l], line, *t);
    out.shards[d] = shard;
  }
  out.resident = true;
  values[out_id] = std::move(out);
}

}  // namespace meshrt::runtime
