// What a tt::runtime::Tensor holds: a host tensor or one shard per device, on rank 0.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "meshrt/runtime/runtime.hpp"

namespace tt::runtime::detail {

struct TensorState {
  std::shared_ptr<const meshrt::HostTensor> host;
  std::map<meshrt::DeviceId, std::shared_ptr<const meshrt::HostTensor>> shards;
  std::vector<uint32_t> mesh_shape;  // multi-device tensors
  std::unordered_map<std::string, std::string> strategy;
  uint64_t device = 0;  // mesh handle when the tensor is marked resident on a mesh
  bool allocated = true;
  // Output `pending_output` of a run still in flight on mesh `device` (shape `pending_mesh`):
  // Tensor::state() waits for the run and fills the fields above from it.
  PendingRun pending;
  uint32_t pending_output = 0;
  meshrt::MeshShape pending_mesh;
};

Tensor make_tensor(const meshrt::runtime::TensorValue& value, const meshrt::MeshShape& mesh);
meshrt::runtime::TensorValue to_value(const Tensor& tensor);

}  // namespace tt::runtime::detail
