#include "meshrt/binary/inputs.hpp"

#include <algorithm>

#include "meshrt/catalog/op_catalog.hpp"

namespace meshrt::binary {

const Shape& input_shape(const TensorDesc& desc) {
  return desc.presharded && !desc.local_shape.empty() ? desc.local_shape : desc.shape;
}

namespace {
// What program value `id` holds as an operand of the program's ops, by the catalogue's operand
// roles (the first op giving it a role decides; through a mesh_shard, the role of its shards):
// quantized integers, or indices below a bound.
struct InputRole {
  bool quantized = false;
  int64_t index_bound = 0;  // 0: not an index
};

InputRole role_of(const Program& program, uint32_t id) {
  for (const Op& op : program.ops) {
    // A tensor sharded (or replicated) onto the devices plays the role its shards play.
    if (op.name == "mesh_shard" && !op.operands.empty() && op.operands[0] == id &&
        !op.results.empty() && op.results[0] != id) {
      const InputRole r = role_of(program, op.results[0]);
      if (r.quantized || r.index_bound > 0) return r;
      continue;
    }
    const catalog::OpInfo* info = catalog::find_op(op.name);
    if (!info) continue;
    for (const catalog::OperandRole& role : info->operand_roles) {
      if (role.operand >= op.operands.size() || op.operands[role.operand] != id) continue;
      if (role.kind == catalog::OperandRole::Kind::kQuantized) return {true, 0};
      if (role.bound_operand >= op.operands.size()) continue;
      const Shape& s = program.values[op.operands[role.bound_operand]].shape;
      const auto rank = static_cast<int64_t>(s.size());
      int64_t dim = role.dim_from_attr ? op.int_attr_or("dim", 0) : role.bound_dim;
      if (dim < 0) dim += rank;
      if (dim < 0 || dim >= rank || s[dim] <= 0) continue;
      return {false, role.cap > 0 ? std::min(s[dim], role.cap) : s[dim]};
    }
  }
  return {};
}

// Quantized integers are drawn from [-128, 127] (unsigned storage: [0, 255]), the int8-like
// range real quantized tensors use, so that dequantized values are of a sensible magnitude.
void fill_quantized(HostTensor& t, uint64_t seed, uint64_t stream) {
  const bool is_signed = t.dtype() == DataType::kInt32 || t.dtype() == DataType::kInt16 ||
                         t.dtype() == DataType::kInt64;
  fill_tensor(t, InitKind::kRandn, seed, stream, 256, /*integers=*/true);
  if (!is_signed) return;
  for (int64_t i = 0; i < t.volume(); ++i) t.set(i, t.at(i) - 128);
}
}  // namespace

HostTensor generate_input(const Program& program, size_t input_index, DeviceId device,
                          uint64_t seed, InitKind init, uint32_t ones_density) {
  uint32_t id = program.inputs.at(input_index);
  const TensorDesc& desc = program.values[id];
  HostTensor t(input_shape(desc), desc.dtype);
  uint64_t stream = (static_cast<uint64_t>(input_index) + 1) << 32;
  if (desc.presharded) stream += device.value + 1;
  const InputRole role = role_of(program, id);
  if (init == InitKind::kRandn && !is_float(desc.dtype) && desc.dtype != DataType::kBool &&
      role.quantized) {
    fill_quantized(t, seed, stream);
    return t;
  }
  const int64_t rows = role.index_bound;
  fill_tensor(t, init, seed, stream, rows > 0 ? rows : 10, /*integers=*/rows > 0, ones_density);
  return t;
}

}  // namespace meshrt::binary
