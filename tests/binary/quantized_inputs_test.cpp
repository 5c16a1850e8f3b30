// Generated inputs read as quantized integers (by dequantize_unrolled or requantize) are drawn
// from the int8-like range [-128, 127] ([0, 255] for unsigned storage), not from [0, 10).
#include <gtest/gtest.h>

#include <algorithm>

#include "meshrt/binary/inputs.hpp"

namespace meshrt::binary {
namespace {

Program one_op_program(const std::string& op_name, DataType storage) {
  Program p;
  TensorDesc in;
  in.shape = {4, 256};
  in.dtype = storage;
  TensorDesc out = in;
  out.dtype = op_name == "requantize" ? storage : DataType::kFloat32;
  p.values = {in, out};
  p.inputs = {0};
  Op op;
  op.name = op_name;
  op.operands = {0};
  op.results = {1};
  p.ops.push_back(op);
  return p;
}

std::pair<double, double> min_max(const HostTensor& t) {
  std::vector<double> v = t.to_doubles();
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {*lo, *hi};
}

TEST(QuantizedInputs, SignedStorageSpansMinus128To127) {
  for (const char* name : {"dequantize_unrolled", "requantize"}) {
    Program p = one_op_program(name, DataType::kInt32);
    auto [lo, hi] = min_max(generate_input(p, 0, DeviceId{0}, 3, InitKind::kRandn));
    EXPECT_GE(lo, -128) << name;
    EXPECT_LT(lo, -100) << name;  // 1024 draws reach well below zero
    EXPECT_LE(hi, 127) << name;
    EXPECT_GT(hi, 100) << name;
  }
}

TEST(QuantizedInputs, UnsignedStorageSpans0To255) {
  Program p = one_op_program("dequantize_unrolled", DataType::kUInt8);
  auto [lo, hi] = min_max(generate_input(p, 0, DeviceId{0}, 3, InitKind::kRandn));
  EXPECT_GE(lo, 0);
  EXPECT_LE(hi, 255);
  EXPECT_GT(hi, 200);
}

TEST(QuantizedInputs, OtherInitKindsAreUnchanged) {
  Program p = one_op_program("dequantize_unrolled", DataType::kInt32);
  auto [lo, hi] = min_max(generate_input(p, 0, DeviceId{0}, 3, InitKind::kOnes));
  EXPECT_EQ(lo, 1);
  EXPECT_EQ(hi, 1);
}

}  // namespace
}  // namespace meshrt::binary
