// tt::runtime: host and multi-device tensors (see runtime.hpp).
#include <fmt/format.h>

#include <cstring>

#include "meshrt/common/error.hpp"
#include "tensor_state.hpp"

namespace tt::runtime {

using meshrt::ErrorCode;
using meshrt::HostTensor;
using meshrt::raise;

namespace detail {

Tensor make_tensor(const meshrt::runtime::TensorValue& value, const meshrt::MeshShape& mesh) {
  auto s = std::make_shared<TensorState>();
  s->host = value.host;
  s->shards = value.shards;
  if (!value.shards.empty()) s->mesh_shape = {mesh.rows, mesh.cols};
  return Tensor(s);
}

meshrt::runtime::TensorValue to_value(const Tensor& tensor) {
  const TensorState& s = tensor.state();
  if (!s.allocated) raise(ErrorCode::kInvalidArgument, "the tensor was deallocated");
  return {s.host, s.shards};
}

}  // namespace detail

detail::TensorState& Tensor::state() const {
  if (!state_) raise(ErrorCode::kInvalidArgument, "empty tensor handle");
  detail::TensorState& s = *state_;
  if (s.pending.valid()) {
    const meshrt::runtime::TensorValue& v = s.pending.get().outputs.at(s.pending_output);
    s.host = v.host;
    s.shards = v.shards;
    if (!v.shards.empty()) {
      s.mesh_shape = {s.pending_mesh.rows, s.pending_mesh.cols};
    } else {
      s.device = 0;
    }
    s.pending = {};
  }
  return s;
}

namespace {

const HostTensor& first(const Tensor& t) {
  const auto& s = t.state();
  if (!s.allocated) raise(ErrorCode::kInvalidArgument, "the tensor was deallocated");
  if (s.host) return *s.host;
  if (s.shards.empty()) raise(ErrorCode::kInvalidArgument, "the tensor holds no data");
  return *s.shards.begin()->second;
}

std::shared_ptr<HostTensor> host_from(const void* data, const std::vector<uint32_t>& shape,
                                      const std::vector<uint32_t>& stride, uint32_t itemsize,
                                      DataType dtype) {
  if (itemsize != meshrt::element_size(dtype)) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("itemsize {} does not match {} ({} bytes)", itemsize,
                      meshrt::mlir_name(dtype), meshrt::element_size(dtype)));
  }
  meshrt::Shape s(shape.begin(), shape.end());
  if (!stride.empty()) {
    std::vector<uint32_t> packed(shape.size(), 1);
    for (size_t i = shape.size(); i-- > 1;) packed[i - 1] = packed[i] * shape[i];
    if (stride != packed) {
      raise(ErrorCode::kUnsupported, "only row-major contiguous strides are supported");
    }
  }
  auto t = std::make_shared<HostTensor>(s, dtype);
  if (t->size_bytes()) std::memcpy(t->data(), data, t->size_bytes());
  return t;
}

}  // namespace

Tensor createOwnedHostTensor(const void* data, const std::vector<uint32_t>& shape,
                             const std::vector<uint32_t>& stride, uint32_t itemsize,
                             DataType dataType) {
  return createTensor(host_from(data, shape, stride, itemsize, dataType));
}

Tensor createBorrowedHostTensor(void* data, const std::vector<uint32_t>& shape,
                                const std::vector<uint32_t>& stride, uint32_t itemsize,
                                DataType dataType) {
  return createOwnedHostTensor(data, shape, stride, itemsize, dataType);
}

Tensor createTensor(std::shared_ptr<const HostTensor> host) {
  if (!host) raise(ErrorCode::kInvalidArgument, "createTensor: null host tensor");
  auto s = std::make_shared<detail::TensorState>();
  s->host = std::move(host);
  return Tensor(s);
}

Tensor createMultiDeviceHostTensor(const std::vector<Tensor>& shards,
                                   const std::unordered_map<std::string, std::string>& strategy,
                                   const std::vector<uint32_t>& meshShape) {
  if (meshShape.size() != 2 || static_cast<size_t>(meshShape[0]) * meshShape[1] != shards.size()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("a multi-device tensor over a [{}] mesh needs one shard per device, got {}",
                      fmt::join(meshShape, "x"), shards.size()));
  }
  auto s = std::make_shared<detail::TensorState>();
  for (size_t d = 0; d < shards.size(); ++d) {
    const auto& st = shards[d].state();
    if (!st.host)
      raise(ErrorCode::kInvalidArgument, fmt::format("shard {} is not a host tensor", d));
    s->shards[meshrt::DeviceId{static_cast<uint32_t>(d)}] = st.host;
  }
  s->mesh_shape = meshShape;
  s->strategy = strategy;
  return Tensor(s);
}

Tensor createMultiDeviceHostTensor(const std::vector<const void*>& data,
                                   const std::vector<uint32_t>& shape,
                                   const std::vector<uint32_t>& stride, uint32_t itemsize,
                                   DataType dataType,
                                   const std::unordered_map<std::string, std::string>& strategy,
                                   const std::vector<uint32_t>& meshShape) {
  std::vector<Tensor> shards;
  for (const void* p : data)
    shards.push_back(createOwnedHostTensor(p, shape, stride, itemsize, dataType));
  return createMultiDeviceHostTensor(shards, strategy, meshShape);
}

bool isTensorAllocated(Tensor t) { return t.valid() && t.state().allocated; }
DataType getTensorDataType(Tensor t) { return first(t).dtype(); }
uint32_t getTensorElementSize(Tensor t) {
  return static_cast<uint32_t>(meshrt::element_size(first(t).dtype()));
}
uint32_t getTensorVolume(Tensor t) { return static_cast<uint32_t>(first(t).volume()); }

std::vector<uint32_t> getTensorShape(Tensor t) {
  std::vector<uint32_t> out;
  for (int64_t d : first(t).shape()) out.push_back(static_cast<uint32_t>(d));
  return out;
}

std::vector<uint32_t> getTensorStride(Tensor t) {
  std::vector<uint32_t> shape = getTensorShape(t), stride(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) stride[i - 1] = stride[i] * shape[i];
  return stride;
}

uint32_t getNumShards(Tensor t) {
  first(t);
  return t.state().host ? 1 : static_cast<uint32_t>(t.state().shards.size());
}

std::shared_ptr<const HostTensor> getTensorShard(Tensor t, uint32_t deviceId) {
  first(t);
  auto it = t.state().shards.find(meshrt::DeviceId{deviceId});
  if (it == t.state().shards.end()) {
    raise(ErrorCode::kNotFound, fmt::format("the tensor has no shard for device {}", deviceId));
  }
  return it->second;
}

std::shared_ptr<const HostTensor> getHostTensor(Tensor t) {
  first(t);
  const auto& s = t.state();
  if (s.host) return s.host;
  if (s.shards.size() != 1) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("a tensor of {} shards is not one host tensor; use toHost", s.shards.size()));
  }
  return s.shards.begin()->second;
}

void wait(Tensor t) { first(t); }
void wait(const std::vector<Tensor>& ts) {
  for (const auto& t : ts) wait(t);
}

std::vector<Tensor> toHost(Tensor t, bool, bool) {
  first(t);
  if (t.state().host) return {createTensor(t.state().host)};
  std::vector<Tensor> out;
  for (const auto& [d, shard] : t.state().shards) out.push_back(createTensor(shard));
  return out;
}

Tensor toLayout(Tensor t, Device device, Layout layout) {
  first(t);
  const auto& s = t.state();
  if (layout.storage == StorageType::Host) {
    if (s.host) return createTensor(s.host);
    if (s.shards.size() != 1) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("toLayout(Host): a tensor of {} shards has no single host form; use toHost",
                        s.shards.size()));
    }
    return createTensor(s.shards.begin()->second);
  }
  auto out = std::make_shared<detail::TensorState>(s);
  if (layout.storage == StorageType::Device)
    out->device = device.handle();
  else
    out->device = 0;
  return Tensor(out);
}

Layout getLayout(Tensor t) {
  const auto& s = t.state();
  if (s.device) return {StorageType::Device};
  return {s.host ? StorageType::Host : StorageType::MultiDeviceHost};
}

void memcpy(void* dst, Tensor src, std::optional<DataType> target) {
  const HostTensor& t = first(src);
  if (src.state().shards.size() > 1) {
    raise(ErrorCode::kInvalidArgument, "memcpy to host memory needs a single-shard tensor");
  }
  if (!target || *target == t.dtype()) {
    if (t.size_bytes()) std::memcpy(dst, t.data(), t.size_bytes());
    return;
  }
  HostTensor converted(t.shape(), *target);
  for (int64_t i = 0; i < t.volume(); ++i) converted.set(i, t.at(i));
  if (converted.size_bytes()) std::memcpy(dst, converted.data(), converted.size_bytes());
}

void memcpy(Tensor dst, Tensor src) {
  auto& d = dst.state();
  const auto& s = src.state();
  first(src);
  first(dst);
  if (getTensorShape(dst) != getTensorShape(src) ||
      getTensorDataType(dst) != getTensorDataType(src) || getNumShards(dst) != getNumShards(src)) {
    raise(ErrorCode::kInvalidArgument, "memcpy: tensors differ in shape, data type or shard count");
  }
  if (s.host) d.host = std::make_shared<HostTensor>(*s.host);
  for (const auto& [id, shard] : s.shards) d.shards[id] = std::make_shared<HostTensor>(*shard);
}

void deallocateTensor(Tensor& t, bool) {
  auto& s = t.state();
  s.host.reset();
  s.shards.clear();
  s.allocated = false;
}

}  // namespace tt::runtime
