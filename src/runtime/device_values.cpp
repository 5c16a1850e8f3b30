#include "device_values.hpp"

#include "meshrt/binary/inputs.hpp"
#include "meshrt/device/tensor_bytes.hpp"

namespace meshrt::runtime {

DeviceShard::~DeviceShard() {
  if (!device) return;
  try {
    device->deallocate(handle);
  } catch (...) {
  }
}

const Shape& device_shape(const binary::Program& p, uint32_t id) {
  const binary::TensorDesc& d = p.values[id];
  return d.presharded ? binary::input_shape(d) : d.shape;
}

std::shared_ptr<DeviceShard> place(MeshContext& mesh, size_t local, const binary::TensorDesc& desc,
                                   std::shared_ptr<const HostTensor> data, HostTensor** fresh,
                                   bool zeroed) {
  const Shape& shape = data ? data->shape() : desc.shape;
  const DataType dtype = data ? data->dtype() : desc.dtype;
  auto shard = std::make_shared<DeviceShard>();
  device::Device& dev = mesh.device(local);
  const bool tile = binary::is_tiled(desc.layout);
  const Shape stored = binary::storage_shape(shape, desc.layout);
  auto type =
      desc.buffer == binary::BufferType::kL1 ? device::BufferType::kL1 : device::BufferType::kDram;
  shard->handle = dev.allocate(type, device::tensor_device_bytes(stored, dtype, tile),
                               device::tensor_page_bytes(stored, dtype, tile));
  shard->device = &dev;
  if (!data) {
    auto t = zeroed ? std::make_shared<HostTensor>(shape, dtype)
                    : std::make_shared<HostTensor>(HostTensor::uninitialized(shape, dtype));
    if (fresh) *fresh = t.get();
    data = std::move(t);
  }
  shard->data = std::move(data);
  return shard;
}

void ensure_on_device(MeshContext& mesh, const binary::Program& p, uint32_t id, Value& v) {
  if (v.on_device()) return;
  const binary::TensorDesc& desc = p.values[id];
  auto host = broadcast_tensor(mesh, v.host, desc.shape, desc.dtype);
  for (size_t l = 0; l < mesh.local_devices().size(); ++l) {
    v.shards[mesh.local_devices()[l]] = place(mesh, l, desc, host);
  }
  v.resident = true;
}

ShardMap local_shards(const Value& v) {
  ShardMap out;
  for (const auto& [d, s] : v.shards) out[d] = s->data;
  return out;
}

TensorValue to_tensor_value(const Value& v) {
  TensorValue out;
  out.host = v.host;
  out.shards = local_shards(v);
  out.on_device = v.on_device();
  return out;
}

}  // namespace meshrt::runtime
