// Generated inputs that serve as indices stay inside what they index: embedding_backward rows
// and the scattered dim of a scatter.
#include <gtest/gtest.h>

#include "meshrt/binary/inputs.hpp"

namespace meshrt::binary {
namespace {

uint32_t add_value(Program& p, Shape shape, DataType dtype) {
  TensorDesc d;
  d.shape = std::move(shape);
  d.dtype = dtype;
  p.values.push_back(d);
  return static_cast<uint32_t>(p.values.size() - 1);
}

Op make_op(const std::string& name, std::vector<uint32_t> operands, uint32_t result) {
  Op op;
  op.name = name;
  op.operands = std::move(operands);
  op.results = {result};
  return op;
}

TEST(GeneratedInputs, ScatterIndicesStayInsideTheScatteredDim) {
  Program p;
  uint32_t x = add_value(p, {1, 3, 64}, DataType::kFloat32);
  uint32_t index = add_value(p, {1, 3, 64}, DataType::kInt32);
  uint32_t src = add_value(p, {1, 3, 64}, DataType::kFloat32);
  uint32_t out = add_value(p, {1, 3, 64}, DataType::kFloat32);
  p.inputs = {x, index, src};
  p.ops.push_back(make_op("scatter", {x, index, src}, out));
  p.ops.back().attrs["dim"] = int64_t{-2};  // 3 rows
  HostTensor t = generate_input(p, 1, DeviceId{0}, 7, InitKind::kRandn);
  double high = 0;
  for (double v : t.to_doubles()) high = std::max(high, v);
  EXPECT_EQ(high, 2.0);                    // 192 draws from [0, 3) reach 2
  p.ops.back().attrs["dim"] = int64_t{0};  // one row: every index is 0
  for (double v : generate_input(p, 1, DeviceId{0}, 7, InitKind::kRandn).to_doubles())
    EXPECT_EQ(v, 0.0);
}

TEST(GeneratedInputs, EmbeddingBackwardIndicesAreRowsEvenInFloat) {
  Program p;
  uint32_t idx = add_value(p, {1, 64}, DataType::kFloat32);
  uint32_t weight = add_value(p, {4, 8}, DataType::kFloat32);
  uint32_t grad = add_value(p, {1, 64, 8}, DataType::kFloat32);
  uint32_t out = add_value(p, {4, 8}, DataType::kFloat32);
  p.inputs = {idx, weight, grad};
  p.ops.push_back(make_op("embedding_backward", {idx, weight, grad}, out));
  for (double v : generate_input(p, 0, DeviceId{0}, 3, InitKind::kRandn).to_doubles()) {
    EXPECT_GE(v, 0.0);
    EXPECT_LT(v, 4.0);
    EXPECT_EQ(v, static_cast<double>(static_cast<int64_t>(v)));
  }
}

}  // namespace
}  // namespace meshrt::binary
