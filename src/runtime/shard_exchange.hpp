// Moving shard bytes between ranks for collectives: each rank computes the same plan (which
// devices' shards each rank needs), sends each other rank the shards of its own chips that rank
// needs — once per receiving rank, however many of its chips use them — and receives the rest.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "meshrt/runtime/mesh_context.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::runtime {

using ShardMap = std::map<DeviceId, std::shared_ptr<const HostTensor>>;

// `local`: this rank's shards (device id -> tensor). `needs[r]`: device ids whose shards rank r
// needs. Returns the shards this rank needs (its own by pointer, others received), all of shape
// `shape` and type `dtype`.
ShardMap exchange_shards(MeshContext& mesh, const ShardMap& local,
                         const std::vector<std::set<DeviceId>>& needs, const Shape& shape,
                         DataType dtype);

// A row to deliver: `bytes` bytes at `data`, written as row `row` of result `result` on each
// device listed.
struct RowPlace {
  uint32_t result = 0;
  DeviceId device;
  int64_t row = 0;
};
struct RowParcel {
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  std::vector<RowPlace> to;
};

// Writes every parcel into `out[result][device]` (this rank's result shards; rows along the
// last dim): into this rank's shards directly, and for other ranks as one message per `peers`
// rank that carries each parcel once, however many of that rank's devices it lands on. Receives
// what each peer sends this rank in turn (every peer sends one message, empty or not).
void deliver_rows(MeshContext& mesh, const std::vector<RowParcel>& parcels,
                  const std::set<int>& peers, std::vector<std::map<DeviceId, HostTensor*>>& out);

// Sends tensors that rank 0 computed (device id -> tensor, for devices of other ranks) to their
// owners; returns the tensors of this rank's devices. `shapes` gives each device's shape.
ShardMap scatter_from_controller(MeshContext& mesh, const ShardMap& from_controller,
                                 const Shape& shape, DataType dtype);

// Broadcasts a whole tensor from rank 0 to every rank (rank 0 passes it, others get it).
std::shared_ptr<const HostTensor> broadcast_tensor(MeshContext& mesh,
                                                   std::shared_ptr<const HostTensor> tensor,
                                                   const Shape& shape, DataType dtype);

}  // namespace meshrt::runtime
