#include "meshrt/binary/inputs.hpp"

#include <algorithm>

#include "meshrt/catalog/op_catalog.hpp"

namespace meshrt::binary {

const Shape& input_shape(const TensorDesc& desc) {
  return desc.presharded && !desc.local_shape.empty() ? desc.local_shape : desc.shape;
}

bool keeps_element_order(const Op& op) {
  const catalog::OpInfo* info = catalog::find_op(op.name);
  if (!info || op.operands.empty() || op.results.size() != 1) return false;
  using Order = catalog::OpInfo::ElementOrder;
  if (info->element_order == Order::kKept) return true;
  if (info->element_order != Order::kKeptByIdentityPermutation || !op.has_attr("permutation")) {
    return false;
  }
  const std::vector<int64_t> perm = op.ints_attr("permutation");
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

std::vector<bool> untouched_values(const Program& program) {
  // Generated: the arguments, and views of generated values.
  std::vector<bool> generated(program.values.size(), false);
  for (uint32_t id : program.inputs) {
    if (id < generated.size()) generated[id] = true;
  }
  for (const Op& op : program.ops) {
    if (keeps_element_order(op) && op.operands[0] < generated.size() &&
        op.results[0] < generated.size()) {
      generated[op.results[0]] = generated[op.operands[0]];
    }
  }
  // Walking the ops backwards, a value stays untouched while every use met so far reads rows
  // of it or is a view (keeps_element_order) whose result is itself untouched.
  std::vector<bool> untouched(program.values.size(), true);
  for (uint32_t id : program.outputs) {
    if (id < untouched.size()) untouched[id] = false;
  }
  for (auto op = program.ops.rbegin(); op != program.ops.rend(); ++op) {
    const catalog::OpInfo* info = catalog::find_op(op->name);
    const bool view = keeps_element_order(*op) && op->results[0] < untouched.size() &&
                      untouched[op->results[0]];
    for (size_t k = 0; k < op->operands.size(); ++k) {
      const uint32_t id = op->operands[k];
      if (id >= untouched.size()) continue;
      const bool rows = info && info->rows_read_operand == static_cast<int>(k);
      if (!rows && !(view && k == 0)) untouched[id] = false;
    }
  }
  for (size_t id = 0; id < untouched.size(); ++id) untouched[id] = untouched[id] && generated[id];
  return untouched;
}

std::vector<bool> untouched_inputs(const Program& program) {
  const std::vector<bool> values = untouched_values(program);
  std::vector<bool> out;
  for (uint32_t id : program.inputs) out.push_back(id < values.size() && values[id]);
  return out;
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

}  // namespace

// Generated, so made when first read (see HostTensor::generated). Quantized integers are
// drawn from [-128, 127] (unsigned storage: [0, 255]), the int8-like range real quantized
// tensors use, so that dequantized values are of a sensible magnitude.
HostTensor generate_input(const Program& program, size_t input_index, DeviceId device,
                          uint64_t seed, InitKind init, uint32_t ones_density) {
  uint32_t id = program.inputs.at(input_index);
  const TensorDesc& desc = program.values[id];
  uint64_t stream = (static_cast<uint64_t>(input_index) + 1) << 32;
  if (desc.presharded) stream += device.value + 1;
  const InputRole role = role_of(program, id);
  Fill fill{init, seed, stream, 10, false, ones_density, 0};
  if (init == InitKind::kRandn && !is_float(desc.dtype) && desc.dtype != DataType::kBool &&
      role.quantized) {
    const bool is_signed = desc.dtype == DataType::kInt32 || desc.dtype == DataType::kInt16 ||
                           desc.dtype == DataType::kInt64;
    fill = Fill{InitKind::kRandn, seed, stream, 256, true, 1, is_signed ? -128 : 0};
  } else if (role.index_bound > 0) {
    fill.int_high = role.index_bound;
    fill.integers = true;
  }
  return HostTensor::generated(input_shape(desc), desc.dtype, fill);
}

}  // namespace meshrt::binary
