// Program values as the executor holds them: a whole host tensor (rank 0 only) and/or one
// shard per local chip, each shard owning the chip buffer that accounts for its bytes.
#pragma once

#include <map>
#include <memory>

#include "meshrt/binary/program.hpp"
#include "meshrt/device/device.hpp"
#include "meshrt/runtime/executor.hpp"
#include "meshrt/runtime/mesh_context.hpp"
#include "shard_exchange.hpp"

namespace meshrt::runtime {

// A tensor resident on one simulated chip. The buffer is released when the last owner drops
// the shard.
struct DeviceShard {
  std::shared_ptr<const HostTensor> data;
  device::Device* device = nullptr;
  device::BufferHandle handle;
  DeviceShard() = default;
  DeviceShard(const DeviceShard&) = delete;
  DeviceShard& operator=(const DeviceShard&) = delete;
  ~DeviceShard();
};

struct Value {
  std::shared_ptr<const HostTensor> host;
  std::map<DeviceId, std::shared_ptr<DeviceShard>> shards;
  // On the devices, even on a rank that holds no chip of the mesh (a sub-mesh elsewhere).
  bool resident = false;
  bool on_device() const { return resident || !shards.empty(); }
};

using Values = std::map<uint32_t, Value>;

// The shape a value has on each device: a presharded argument's local shape, else its own.
const Shape& device_shape(const binary::Program& program, uint32_t id);

// Places a tensor of `desc` on local chip `local`. The chip buffer is reserved first, so a
// program that does not fit fails before host memory for the tensor is allocated. `data`:
// the tensor's bytes; null: a fresh tensor of desc's shape, returned through `fresh` (zeroed
// unless `zeroed` is false, for ops that write every element).
std::shared_ptr<DeviceShard> place(MeshContext& mesh, size_t local, const binary::TensorDesc& desc,
                                   std::shared_ptr<const HostTensor> data,
                                   HostTensor** fresh = nullptr, bool zeroed = true);

// Puts a rank-0 host value on every chip (broadcast to the other ranks first).
void ensure_on_device(MeshContext& mesh, const binary::Program& program, uint32_t id, Value& v);

// This rank's shards of `v`, by device id.
ShardMap local_shards(const Value& v);

// `v` as the API hands it out.
TensorValue to_tensor_value(const Value& v);

}  // namespace meshrt::runtime
