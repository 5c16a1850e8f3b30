// Device kernels of the quantization ops on tiny tensors; expected values are worked out by
// hand in the comments.
#include <gtest/gtest.h>

#include "ops_test_util.hpp"

namespace meshrt::ops::testing {
namespace {

constexpr DataType F32 = DataType::kFloat32;
constexpr DataType I32 = DataType::kInt32;
using V = std::vector<double>;
using I = std::vector<int64_t>;

TEST(QuantizationKernels, QuantizeRoundsHalfToEvenAndClampsToTheStorageRange) {
  // x / 0.25 = 0.5, 1.5, -2.5, 7, 40, -40 -> half to even 0, 2, -2, 7, 40, -40; zp -1 gives
  // -1, 1, -3, 6, 39, -41; storage [-20, 20] clamps the last two.
  HostTensor x = tensor({6}, F32, {0.125, 0.375, -0.625, 1.75, 10, -10});
  HostTensor scale = tensor({1}, F32, {0.25});
  HostTensor zp = tensor({1}, I32, {-1});
  binary::Op op =
      make_op("quantize_unrolled", {{"storage_min", int64_t{-20}}, {"storage_max", int64_t{20}}});
  EXPECT_EQ(run1(op, {&x, &scale, &zp}, {6}, I32).to_doubles(), (V{-1, 1, -3, 6, 20, -20}));
  // u8 storage without attributes: the dtype's range [0, 255].
  EXPECT_EQ(
      run1(make_op("quantize_unrolled"), {&x, &scale, &zp}, {6}, DataType::kUInt8).to_doubles(),
      (V{0, 1, 0, 6, 39, 0}));
}

TEST(QuantizationKernels, PerAxisQuantizeUsesOneScaleAndZeroPointPerIndex) {
  // Axis 0 of 2x2: row 0 scale 0.5 zp 1, row 1 scale 2 zp -1.
  // Row 0: [1, -1] / 0.5 = [2, -2] + 1 = [3, -1]; row 1: [5, 3] / 2 = [2.5, 1.5] -> [2, 2] - 1.
  HostTensor x = tensor({2, 2}, F32, {1, -1, 5, 3});
  HostTensor scale = tensor({2}, F32, {0.5, 2});
  HostTensor zp = tensor({2}, I32, {1, -1});
  binary::Op op = make_op("quantize_unrolled", {{"axis", int64_t{0}}});
  EXPECT_EQ(run1(op, {&x, &scale, &zp}, {2, 2}, I32).to_doubles(), (V{3, -1, 1, 1}));
}

TEST(QuantizationKernels, DequantizePerTensorAndPerAxis) {
  // (q - 2) * 0.5 for q = 0, 2, 9.
  HostTensor q = tensor({3}, I32, {0, 2, 9});
  HostTensor scale = tensor({1}, F32, {0.5});
  HostTensor zp = tensor({1}, I32, {2});
  EXPECT_EQ(run1(make_op("dequantize_unrolled"), {&q, &scale, &zp}, {3}, F32).to_doubles(),
            (V{-1, 0, 3.5}));
  // Axis 1 of 2x2, per-tensor zero point 0: column scales 1 and 0.25.
  HostTensor q2 = tensor({2, 2}, I32, {4, 4, -8, 8});
  HostTensor scales = tensor({2}, F32, {1, 0.25});
  HostTensor zero = tensor({1}, I32, {0});
  EXPECT_EQ(run1(make_op("dequantize_unrolled", {{"axis", int64_t{-1}}}), {&q2, &scales, &zero},
                 {2, 2}, F32)
                .to_doubles(),
            (V{4, 1, -8, 2}));
}

TEST(QuantizationKernels, RequantizeFoldsTheScalesIntoOneRatio) {
  // 0.2 -> 0.4 with zero points 4 -> -4: (q - 4) * 0.5 - 4.
  // q = 5, 7, 4, 20 -> 0.5, 1.5, 0, 8 -> half to even 0, 2, 0, 8 -> -4, -2, -4, 4.
  HostTensor q = tensor({4}, I32, {5, 7, 4, 20});
  binary::Op op = make_op("requantize", {{"in_scale", V{0.2}},
                                         {"out_scale", V{0.4}},
                                         {"in_zero_point", I{4}},
                                         {"out_zero_point", I{-4}}});
  EXPECT_EQ(run1(op, {&q}, {4}, I32).to_doubles(), (V{-4, -2, -4, 4}));
  // Per-axis (axis 1), clamped to [-3, 3]: column 0 ratio 4 (q*4), column 1 ratio 0.25.
  // [[1, 8], [-1, 6]] -> [[4, 2], [-4, 1.5 -> 2]] -> clamp [[3, 2], [-3, 2]].
  HostTensor q2 = tensor({2, 2}, I32, {1, 8, -1, 6});
  binary::Op per_axis = make_op("requantize", {{"in_scale", V{1, 0.5}},
                                               {"out_scale", V{0.25, 2}},
                                               {"in_zero_point", I{0, 0}},
                                               {"out_zero_point", I{0}},
                                               {"axis", int64_t{1}},
                                               {"storage_min", int64_t{-3}},
                                               {"storage_max", int64_t{3}}});
  EXPECT_EQ(run1(per_axis, {&q2}, {2, 2}, I32).to_doubles(), (V{3, 2, -3, 2}));
}

TEST(QuantizationKernels, BadParametersAreErrors) {
  HostTensor x = tensor({2, 3}, F32, {0, 0, 0, 0, 0, 0});
  HostTensor two = tensor({2}, F32, {1, 1});
  HostTensor zp = tensor({1}, I32, {0});
  expect_error(make_op("quantize_unrolled", {{"axis", int64_t{1}}}), {&x, &two, &zp}, {2, 3}, I32,
               ErrorCode::kInvalidArgument,
               {"quantize_unrolled", "scale has 2 entries, expected 1 or 3"});
  expect_error(make_op("quantize_unrolled"), {&x, &two, &zp}, {2, 3}, I32,
               ErrorCode::kInvalidArgument, {"expected 1 (per-tensor: no axis attribute)"});
  HostTensor one = tensor({1}, F32, {1});
  expect_error(make_op("quantize_unrolled", {{"axis", int64_t{2}}}), {&x, &one, &zp}, {2, 3}, I32,
               ErrorCode::kInvalidArgument, {"quantize_unrolled"});
  expect_error(make_op("quantize_unrolled"), {&x, &one, &zp}, {2, 3}, F32,
               ErrorCode::kInvalidArgument, {"quantized values must be i32"});
  HostTensor q = tensor({2}, I32, {1, 2});
  expect_error(make_op("requantize", {{"in_scale", V{1}}}), {&q}, {2}, I32,
               ErrorCode::kInvalidArgument, {"missing attribute 'out_scale'"});
}

}  // namespace
}  // namespace meshrt::ops::testing
