// Private to the reference interpreter: the kernel table and the functions that fill it, one
// per op family (interp_eltwise.cpp, interp_matmul.cpp, ...).
//
// The table is built once and then only read; reading it from several threads is fine.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "interp_tensor.hpp"
#include "meshrt/catalog/op_catalog.hpp"
#include "meshrt/reference/interpreter.hpp"
#include "meshrt/mesh/mesh.hpp"

namespace meshrt::reference::interp {

// Runs an op on one device: operands in, results out (one Tensor per op result).
using DeviceKernel = std::vector<Tensor> (*)(const OpContext& ctx,
                                             const std::vector<const Tensor*>& operands);

// Runs an op across the mesh: operands[i] holds operand i on every device; returns results[i]
// per device (stored as the interpreter stores values: see to_host).
using MeshKernel = std::vector<DeviceTensors> (*)(const OpContext& ctx, const MeshShape& mesh,
                                                  const std::vector<DeviceTensors>& operands);

// Runs a data-movement op on one device straight on the tensors as the interpreter stores
// them, with no f64 copy: elements are moved, never computed. Of a generated operand not yet
// made, a view stays unmade and an embedding makes only the rows it reads.
using HostKernel = std::vector<std::shared_ptr<const HostTensor>> (*)(
    const OpContext& ctx, const std::vector<const HostTensor*>& operands);

struct KernelTable {
  catalog::OpTable<DeviceKernel> device;
  catalog::OpTable<MeshKernel> mesh;
  catalog::OpTable<HostKernel> host;
};

// The table of every implemented op (built on first use).
const KernelTable& kernel_table();

void register_eltwise_kernels(KernelTable& table);
void register_matmul_kernels(KernelTable& table);
void register_reduction_kernels(KernelTable& table);
void register_data_movement_kernels(KernelTable& table);
void register_host_data_kernels(KernelTable& table);  // interp_host_data.cpp
void register_creation_kernels(KernelTable& table);
void register_conv_pool_kernels(KernelTable& table);
void register_collective_kernels(KernelTable& table);
void register_mesh_shard_kernels(KernelTable& table);  // interp_mesh_shard.cpp
void register_indexing_kernels(KernelTable& table);           // interp_indexing.cpp
void register_sort_kernels(KernelTable& table);               // interp_sort.cpp
void register_conv_transpose_3d_kernels(KernelTable& table);  // interp_conv_transpose_3d.cpp
void register_transformer_kernels(KernelTable& table);
void register_random_kernels(KernelTable& table);        // interp_random.cpp
void register_quantization_kernels(KernelTable& table);  // interp_quant.cpp
void register_optimizer_kernels(KernelTable& table);     // interp_optimizer.cpp
void register_attention_training_kernels(KernelTable& table);  // interp_attention_training.cpp
void register_moe_kernels(KernelTable& table);                  // interp_moe.cpp

// One-result helper for kernels.
inline std::vector<Tensor> single(Tensor t) {
  std::vector<Tensor> out;
  out.push_back(std::move(t));
  return out;
}

}  // namespace meshrt::reference::interp
