// mesh_shard: full_to_shard scatters rank 0's host tensor (or broadcasts a replica) to the
// chips; shard_to_full gathers to rank 0 only the shards that make up the whole tensor.
#include <fmt/format.h>

#include <set>

#include "meshrt/common/error.hpp"
#include "meshrt/ops/ccl.hpp"
#include "steps.hpp"

namespace meshrt::runtime {

void run_mesh_shard_step(const StepContext& s, const binary::Op& op, Values& values) {
  const std::string& type = op.string_attr("shard_type");
  const std::string& direction = op.string_attr("shard_direction");
  const uint32_t in_id = op.operands.at(0), out_id = op.results.at(0);
  Value& in = values.at(in_id);
  const binary::TensorDesc& out_desc = s.program.values[out_id];
  Value out;
  if (type == "identity") {
    ensure_on_device(s.mesh, s.program, in_id, in);
    out.shards = in.shards;  // no data moves: the tensor already is per device
    out.resident = true;
  } else if (direction == "full_to_shard") {
    if (!in.host && in.on_device()) {
      raise(
          ErrorCode::kUnsupported,
          fmt::format("mesh_shard at {}: full_to_shard of a value already on the devices", op.loc));
    }
    ShardMap from_controller;
    if (s.mesh.is_controller()) {
      for (uint32_t d = 0; d < s.mesh.shape().volume(); ++d) {
        if (type == "replicate") {
          from_controller[DeviceId{d}] = in.host;
          continue;
        }
        // shard_for_device writes the whole shard.
        auto t =
            std::make_shared<HostTensor>(HostTensor::uninitialized(out_desc.shape, out_desc.dtype));
        ops::shard_for_device(op, s.mesh.shape(), DeviceId{d}, *in.host, *t);
        from_controller[DeviceId{d}] = std::move(t);
      }
    }
    ShardMap mine = type == "replicate" ? ShardMap{}
                                        : scatter_from_controller(s.mesh, from_controller,
                                                                  out_desc.shape, out_desc.dtype);
    std::shared_ptr<const HostTensor> replica;
    if (type == "replicate")
      replica = broadcast_tensor(s.mesh, in.host, out_desc.shape, out_desc.dtype);
    for (size_t l = 0; l < s.mesh.local_devices().size(); ++l) {
      DeviceId d = s.mesh.local_devices()[l];
      out.shards[d] = place(s.mesh, l, out_desc, type == "replicate" ? replica : mine.at(d));
    }
    out.resident = true;
  } else {  // shard_to_full, devices or replicate: rank 0 gathers the pieces it needs
    ensure_on_device(s.mesh, s.program, in_id, in);
    std::vector<DeviceId> needed = type == "replicate"
                                       ? std::vector<DeviceId>{DeviceId{0}}
                                       : ops::shards_needed_for_full(op, s.mesh.shape());
    std::vector<std::set<DeviceId>> needs(static_cast<size_t>(s.mesh.num_ranks()));
    for (DeviceId d : needed) needs[0].insert(d);
    ShardMap got = exchange_shards(s.mesh, local_shards(in), needs, device_shape(s.program, in_id),
                                   s.program.values[in_id].dtype);
    if (s.mesh.is_controller()) {
      if (type == "replicate") {
        out.host = got.at(DeviceId{0});
      } else {
        std::vector<const HostTensor*> pieces;
        for (DeviceId d : needed) pieces.push_back(got.at(d).get());
        auto full = std::make_shared<HostTensor>(out_desc.shape, out_desc.dtype);
        ops::assemble_full(op, s.mesh.shape(), pieces, *full);
        out.host = std::move(full);
      }
    }
  }
  values[out_id] = std::move(out);
}

}  // namespace meshrt::runtime
