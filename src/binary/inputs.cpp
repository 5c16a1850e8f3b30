#include "meshrt/binary/inputs.hpp"

namespace meshrt::binary {

const Shape& input_shape(const TensorDesc& desc) {
  return desc.presharded && !desc.local_shape.empty() ? desc.local_shape : desc.shape;
}

namespace {
// Row count of the embedding table that value `id` indexes, or 0 if it indexes none.
int64_t embedding_rows(const Program& program, uint32_t id) {
  for (const Op& op : program.ops) {
    if (op.name == "embedding" && op.operands.size() >= 2 && op.operands[0] == id) {
      const Shape& table = program.values[op.operands[1]].shape;
      if (!table.empty() && table[0] > 0) return table[0];
    }
  }
  return 0;
}
}  // namespace

HostTensor generate_input(const Program& program, size_t input_index, DeviceId device,
                          uint64_t seed, InitKind init) {
  uint32_t id = program.inputs.at(input_index);
  const TensorDesc& desc = program.values[id];
  HostTensor t(input_shape(desc), desc.dtype);
  uint64_t stream = (static_cast<uint64_t>(input_index) + 1) << 32;
  if (desc.presharded) stream += device.value + 1;
  int64_t rows = embedding_rows(program, id);
  fill_tensor(t, init, seed, stream, rows > 0 ? rows : 10, /*integers=*/rows > 0);
  return t;
}

}  // namespace meshrt::binary
