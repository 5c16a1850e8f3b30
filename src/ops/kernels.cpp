// Kernel registry: maps TTIR op names to the kernel functions of each family.
#include "meshrt/ops/kernels.hpp"

#include <algorithm>
#include <array>

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
    detail::register_extra_ops(t);
    detail::register_transformer(t);
    detail::register_attention(t);
    detail::register_random(t);
    detail::register_quantization(t);
    return t;
  }();
  return kTable;
}

constexpr std::array<std::string_view, 6> kCollectives = {"mesh_shard",         "all_gather",
                                                          "reduce_scatter",     "all_reduce",
                                                          "collective_permute", "mesh_partition"};

}  // namespace

void run_kernel(const binary::Op& op, std::span<const HostTensor* const> inputs,
                std::span<HostTensor* const> outputs) {
  const KernelTable& t = table();
  auto it = t.find(op.name);
  if (it == t.end()) {
    if (is_collective(op.name))
      detail::fail(ErrorCode::kUnsupported, op,
                   "collective op has no single-device kernel (use the ccl functions)");
    detail::fail(ErrorCode::kUnsupported, op, "no device kernel for this op");
  }
  it->second(op, inputs, outputs);
}

bool has_kernel(std::string_view op_name) { return table().count(op_name) != 0; }

bool is_collective(std::string_view op_name) {
  return std::find(kCollectives.begin(), kCollectives.end(), op_name) != kCollectives.end();
}

std::vector<std::string_view> kernel_op_names() {
  std::vector<std::string_view> names;
  for (const auto& [name, fn] : table()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace meshrt::ops
