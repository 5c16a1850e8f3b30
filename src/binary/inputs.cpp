#include "meshrt/binary/inputs.hpp"

#include <algorithm>

namespace meshrt::binary {

const Shape& input_shape(const TensorDesc& desc) {
  return desc.presharded && !desc.local_shape.empty() ? desc.local_shape : desc.shape;
}

namespace {
// Row count of the embedding table that value `id` indexes (embedding, embedding_backward),
// or the size of the dim a scatter index addresses; 0 if `id` is no such index.
int64_t embedding_rows(const Program& program, uint32_t id) {
  for (const Op& op : program.ops) {
    if ((op.name == "embedding" || op.name == "embedding_backward") && op.operands.size() >= 2 &&
        op.operands[0] == id) {
      const Shape& table = program.values[op.operands[1]].shape;
      if (!table.empty() && table[0] > 0) return table[0];
    }
    if (op.name == "scatter" && op.operands.size() == 3 && op.operands[1] == id) {
      const Shape& target = program.values[op.operands[0]].shape;
      const int64_t rank = static_cast<int64_t>(target.size());
      int64_t dim = op.int_attr_or("dim", 0);
      if (dim < 0) dim += rank;
      if (dim >= 0 && dim < rank && target[dim] > 0) return target[dim];
    }
  }
  return 0;
}

// Exclusive upper bound of the index values that value `id` holds as a cache op's index
// operand (update_cache position, paged_fill_cache page table / user), or 0 if it is none.
int64_t cache_index_bound(const Program& program, uint32_t id) {
  for (const Op& op : program.ops) {
    const auto& in = op.operands;
    auto dim_of = [&](size_t operand, size_t dim) -> int64_t {
      const Shape& s = program.values[in[operand]].shape;
      return dim < s.size() ? s[dim] : 0;
    };
    if (op.name == "update_cache" && in.size() == 3 && in[2] == id) return dim_of(0, 2);
    if (op.name == "paged_fill_cache" && in.size() >= 3 && in[2] == id) return dim_of(0, 0);
    if (op.name == "paged_fill_cache" && in.size() == 4 && in[3] == id) return dim_of(2, 0);
  }
  return 0;
}

// True when value `id` holds quantized integers: the input of dequantize_unrolled or requantize.
bool holds_quantized_values(const Program& program, uint32_t id) {
  for (const Op& op : program.ops) {
    if ((op.name == "dequantize_unrolled" || op.name == "requantize") && !op.operands.empty() &&
        op.operands[0] == id)
      return true;
  }
  return false;
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
  if (init == InitKind::kRandn && !is_float(desc.dtype) && desc.dtype != DataType::kBool &&
      holds_quantized_values(program, id)) {
    fill_quantized(t, seed, stream);
    return t;
  }
  int64_t rows = embedding_rows(program, id);
  if (rows == 0) rows = std::min<int64_t>(cache_index_bound(program, id), 10);
  fill_tensor(t, init, seed, stream, rows > 0 ? rows : 10, /*integers=*/rows > 0, ones_density);
  return t;
}

}  // namespace meshrt::binary
