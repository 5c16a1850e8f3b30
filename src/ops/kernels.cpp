// Kernel registry: maps TTIR op names to the kernel functions of each family.
#include "meshrt/ops/kernels.hpp"

#include "kernel_util.hpp"

namespace meshrt::ops {

namespace {

using detail::KernelTable;

const KernelTable& table() {
  static const KernelTable kTable = [] {
    KernelTable t;
    detail::register_eltwise_binary(t);
    detail::register_eltwise_unary(t);
    detail::register_matmul(t);
    detail::register_reduction(t);
    detail::register_normalization(t);
    detail::register_data_movement(t);
    detail::register_creation(t);
    detail::register_conv_pool(t);
    detail::register_indexing(t);
    detail::register_sort(t);
    detail::register_conv_transpose_3d(t);
    detail::register_transformer(t);
    detail::register_attention(t);
    detail::register_random(t);
    detail::register_quantization(t);
    detail::register_optimizer(t);
    detail::register_moe(t);
    detail::register_attention_training(t);
    return t;
  }();
  return kTable;
}

}  // namespace

void run_kernel(const binary::Op& op, std::span<const HostTensor* const> inputs,
                std::span<HostTensor* const> outputs) {
  detail::KernelFn kernel = table().find(op.name);
  if (!kernel) {
    if (is_collective(op.name))
      detail::fail(ErrorCode::kUnsupported, op,
                   "collective op has no single-device kernel (use the ccl functions)");
    detail::fail(ErrorCode::kUnsupported, op, "no device kernel for this op");
  }
  kernel(op, inputs, outputs);
}

bool has_kernel(std::string_view op_name) { return table().find(op_name) != nullptr; }

bool is_collective(std::string_view op_name) {
  const catalog::OpInfo* info = catalog::find_op(op_name);
  return info && (info->execution == catalog::Execution::kCollective ||
                  info->execution == catalog::Execution::kMeshShard);
}

std::vector<std::string_view> kernel_op_names() { return table().names(); }

}  // namespace meshrt::ops
