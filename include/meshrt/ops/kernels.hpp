// Device kernels: compute one non-collective TTIR op on one simulated chip.
//
// Every kernel computes in the tensor's dtype: bf16/f16 results are rounded after each op,
// matmul-like ops accumulate in f32 and round once on store, integer ops are exact. Kernels
// never allocate outputs: the caller passes tensors preallocated with the declared result
// shapes and dtypes. All functions are thread-safe: several devices call them concurrently
// on distinct output tensors (inputs may be shared, they are only read).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::ops {

// Runs one non-collective op on one device. `inputs`: operand tensors in Op::operands order,
// in their dtypes. `outputs`: one tensor per Op::results, preallocated by the caller with the
// declared shape and dtype (zero-filled); the kernel writes into them.
// Throws Error(kUnsupported) naming the op and its loc for ops without a kernel (collectives
// included), Error(kInvalidArgument) for inconsistent shapes, operand counts or attributes.
void run_kernel(const binary::Op& op, std::span<const HostTensor* const> inputs,
                std::span<HostTensor* const> outputs);

// True if run_kernel has a kernel for this TTIR op name (without the "ttir." prefix).
bool has_kernel(std::string_view op_name);

// True for the ops the executor runs through ccl.hpp: mesh_shard, all_gather,
// reduce_scatter, all_reduce, collective_permute, mesh_partition.
bool is_collective(std::string_view op_name);

// Names of every op with a kernel, sorted (for `ttrt query` style listings and tests).
std::vector<std::string_view> kernel_op_names();

}  // namespace meshrt::ops
