// Reference interpreter: elementwise ops, broadcasting, comparisons, integer and bitwise ops.
#include <cmath>

#include "reference/interp_test_util.hpp"

namespace meshrt::reference::testing {
namespace {

using DT = DataType;

TEST(InterpEltwise, AddBroadcastsRowAndColumn) {
  HostTensor a = make_tensor({2, 1}, {10, 20});
  HostTensor b = make_tensor({3}, {1, 2, 3});
  HostTensor out = run_op("add", {a, b}, {2, 3});
  EXPECT_EQ(out.dtype(), DT::kFloat32);
  expect_values(out, {2, 3}, {11, 12, 13, 21, 22, 23});
}

TEST(InterpEltwise, BinaryArithmetic) {
  HostTensor a = make_tensor({4}, {7, -7, 2, 9});
  HostTensor b = make_tensor({4}, {2, 2, -3, 0.5});
  expect_values(run_op("subtract", {a, b}, {4}), {4}, {5, -9, 5, 8.5});
  expect_values(run_op("multiply", {a, b}, {4}), {4}, {14, -14, -6, 4.5});
  expect_values(run_op("div", {a, b}, {4}), {4}, {3.5, -3.5, -2.0 / 3.0, 18});
  expect_values(run_op("maximum", {a, b}, {4}), {4}, {7, 2, 2, 9});
  expect_values(run_op("minimum", {a, b}, {4}), {4}, {2, -7, -3, 0.5});
  expect_values(run_op("pow", {a, b}, {4}), {4}, {49, 49, 1.0 / 8.0, 3});
  // torch.remainder: the sign follows the divisor.
  expect_values(run_op("remainder", {a, b}, {4}), {4}, {1, 1, -1, 0});
  expect_values(run_op("atan2", {make_tensor({2}, {1, -1}), make_tensor({2}, {1, 0})}, {2}), {2},
                {M_PI / 4, -M_PI / 2});
}

TEST(InterpEltwise, UnaryMath) {
  HostTensor x = make_tensor({3}, {-1.5, 0.25, 2});
  expect_values(run_op("neg", {x}, {3}), {3}, {1.5, -0.25, -2});
  expect_values(run_op("abs", {x}, {3}), {3}, {1.5, 0.25, 2});
  expect_values(run_op("relu", {x}, {3}), {3}, {0, 0.25, 2});
  expect_values(run_op("floor", {x}, {3}), {3}, {-2, 0, 2});
  expect_values(run_op("ceil", {x}, {3}), {3}, {-1, 1, 2});
  expect_values(run_op("sign", {x}, {3}), {3}, {-1, 1, 1});
  expect_values(run_op("exp", {x}, {3}), {3}, {std::exp(-1.5), std::exp(0.25), std::exp(2.0)});
  expect_values(run_op("reciprocal", {x}, {3}), {3}, {-1 / 1.5, 4, 0.5});
  expect_values(run_op("sigmoid", {x}, {3}), {3},
                {1 / (1 + std::exp(1.5)), 1 / (1 + std::exp(-0.25)), 1 / (1 + std::exp(-2.0))});
  HostTensor p = make_tensor({3}, {4, 0.25, 27});
  expect_values(run_op("sqrt", {p}, {3}), {3}, {2, 0.5, std::sqrt(27.0)});
  expect_values(run_op("rsqrt", {p}, {3}), {3}, {0.5, 2, 1 / std::sqrt(27.0)});
  expect_values(run_op("cbrt", {p}, {3}), {3}, {std::cbrt(4.0), std::cbrt(0.25), 3});
  expect_values(run_op("log", {p}, {3}), {3}, {std::log(4.0), std::log(0.25), std::log(27.0)});
  // gelu in its exact erf form: gelu(1) = 0.5 * (1 + erf(1/sqrt 2)) = 0.8413447460685429.
  expect_values(run_op("gelu", {make_tensor({2}, {1, 0})}, {2}), {2}, {0.8413447460685429, 0});
  expect_values(run_op("leaky_relu", {x}, {3}, DT::kFloat32, {{"parameter", 0.1}}), {3},
                {-0.15, 0.25, 2});
  expect_values(run_op("clamp_scalar", {x}, {3}, DT::kFloat32, {{"min", -1.0}, {"max", 1.0}}), {3},
                {-1, 0.25, 1});
}

TEST(InterpEltwise, IsFiniteAndLogicalNot) {
  HostTensor x = make_tensor({3}, {1, INFINITY, NAN});
  expect_values(run_op("isfinite", {x}, {3}, DT::kBool), {3}, {1, 0, 0});
  expect_values(run_op("logical_not", {make_tensor({3}, {0, 2, -1})}, {3}), {3}, {1, 0, 0});
}

TEST(InterpEltwise, ComparisonsGiveOneAndZeroInResultDtype) {
  HostTensor a = make_tensor({3}, {1, 2, 3});
  HostTensor b = make_tensor({1}, {2});
  HostTensor eq = run_op("eq", {a, b}, {3}, DT::kBool);
  EXPECT_EQ(eq.dtype(), DT::kBool);
  expect_values(eq, {3}, {0, 1, 0});
  expect_values(run_op("ne", {a, b}, {3}, DT::kBool), {3}, {1, 0, 1});
  expect_values(run_op("gt", {a, b}, {3}, DT::kBFloat16), {3}, {0, 0, 1});
  expect_values(run_op("ge", {a, b}, {3}), {3}, {0, 1, 1});
  expect_values(run_op("lt", {a, b}, {3}), {3}, {1, 0, 0});
  expect_values(run_op("le", {a, b}, {3}), {3}, {1, 1, 0});
}

TEST(InterpEltwise, LogicalBinary) {
  HostTensor a = make_tensor({4}, {0, 0, 3, -1});
  HostTensor b = make_tensor({4}, {0, 5, 0, 2});
  expect_values(run_op("logical_and", {a, b}, {4}), {4}, {0, 0, 0, 1});
  expect_values(run_op("logical_or", {a, b}, {4}), {4}, {0, 1, 1, 1});
  expect_values(run_op("logical_xor", {a, b}, {4}), {4}, {0, 1, 1, 0});
}

TEST(InterpEltwise, WhereAndClampTensorBroadcast) {
  HostTensor cond = make_tensor({2, 1}, {1, 0});
  HostTensor a = make_tensor({2, 2}, {1, 2, 3, 4});
  HostTensor b = make_tensor({2}, {-1, -2});
  expect_values(run_op("where", {cond, a, b}, {2, 2}), {2, 2}, {1, 2, -1, -2});
  HostTensor lo = make_tensor({1}, {2});
  HostTensor hi = make_tensor({2, 1}, {3, 2.5});
  expect_values(run_op("clamp_tensor", {a, lo, hi}, {2, 2}), {2, 2}, {2, 2, 2.5, 2.5});
}

TEST(InterpEltwise, ResultsAreRoundedToTheirDeclaredDtype) {
  // 1 + 2^-12 is computed exactly in f64, then stored as a bf16 result (8 bits of mantissa)
  // rounds to 1, and as an f32 result keeps it.
  HostTensor a = make_tensor({1}, {1.0}, DT::kBFloat16);
  HostTensor b = make_tensor({1}, {1.0 / 4096}, DT::kBFloat16);
  HostTensor out = run_op("add", {a, b}, {1}, DT::kBFloat16);
  EXPECT_EQ(out.dtype(), DT::kBFloat16);
  EXPECT_EQ(out.at(0), 1.0);
  HostTensor wide = run_op("add", {a, b}, {1}, DT::kFloat32);
  EXPECT_EQ(wide.at(0), 1.0 + 1.0 / 4096);
  // 1 + 3 * 2^-9 lies 3/4 of the way from 1 to the next bf16 value, 1 + 2^-7: rounds up.
  HostTensor c = make_tensor({1}, {3.0 / 512}, DT::kFloat32);
  EXPECT_EQ(run_op("add", {a, c}, {1}, DT::kBFloat16).at(0), 1.0 + 1.0 / 128);
}

TEST(InterpEltwise, IntegerArithmeticRoundsToDeclaredDtype) {
  HostTensor a = make_tensor({3}, {7, -7, 2147483647}, DT::kInt32);
  HostTensor b = make_tensor({3}, {2, 2, 1}, DT::kInt32);
  HostTensor sum = run_op("add", {a, b}, {3}, DT::kInt32);
  EXPECT_EQ(sum.dtype(), DT::kInt32);
  expect_values(sum, {3}, {9, -5, 2147483647});  // saturates
  expect_values(run_op("div", {a, b}, {3}, DT::kInt32), {3}, {3, -3, 2147483647});
}

TEST(InterpEltwise, TypecastTruncatesTowardZero) {
  HostTensor x = make_tensor({4}, {2.7, -2.7, 0.5, -0.5});
  HostTensor out = run_op("typecast", {x}, {4}, DT::kInt32);
  EXPECT_EQ(out.dtype(), DT::kInt32);
  expect_values(out, {4}, {2, -2, 0, 0});
  HostTensor back = run_op("typecast", {make_tensor({2}, {3, -4}, DT::kInt32)}, {2}, DT::kBFloat16);
  EXPECT_EQ(back.dtype(), DT::kBFloat16);
  expect_values(back, {2}, {3, -4});
}

TEST(InterpEltwise, BitwiseOps) {
  HostTensor a = make_tensor({3}, {12, -1, 5}, DT::kInt32);
  HostTensor b = make_tensor({3}, {10, 255, 3}, DT::kInt32);
  expect_values(run_op("bitwise_and", {a, b}, {3}, DT::kInt32), {3}, {8, 255, 1});
  expect_values(run_op("bitwise_or", {a, b}, {3}, DT::kInt32), {3}, {14, -1, 7});
  expect_values(run_op("bitwise_xor", {a, b}, {3}, DT::kInt32), {3}, {6, -256, 6});
  expect_values(run_op("bitwise_not", {a}, {3}, DT::kInt32), {3}, {-13, 0, -6});
  HostTensor u = make_tensor({1}, {0}, DT::kUInt8);
  expect_values(run_op("bitwise_not", {u}, {1}, DT::kUInt8), {1}, {255});
}

TEST(InterpEltwise, LogicalShifts) {
  HostTensor a = make_tensor({3}, {1, -8, 3}, DT::kInt32);
  HostTensor s = make_tensor({3}, {4, 1, 32}, DT::kInt32);
  expect_values(run_op("logical_left_shift", {a, s}, {3}, DT::kInt32), {3}, {16, -16, 0});
  // -8 is 0xFFFFFFF8; a logical shift by 1 fills with zero: 0x7FFFFFFC.
  expect_values(run_op("logical_right_shift", {a, s}, {3}, DT::kInt32), {3}, {0, 2147483644, 0});
}

TEST(InterpEltwise, BitwiseOnFloatsIsAnError) {
  HostTensor a = make_tensor({1}, {1});
  expect_error(
      [&] {
        run_op("bitwise_and", {a, a}, {1});
      },
      ErrorCode::kInvalidArgument, {"bitwise_and", "integer"});
}

TEST(InterpEltwise, ShapesThatDoNotBroadcastAreRejected) {
  HostTensor a = make_tensor({2}, {1, 2});
  HostTensor b = make_tensor({3}, {1, 2, 3});
  expect_error(
      [&] {
        run_op("add", {a, b}, {3});
      },
      ErrorCode::kInvalidArgument, {"add", "loc_add_0", "broadcast"});
}

TEST(InterpEltwise, ResultShapeMustMatchDeclaredType) {
  HostTensor a = make_tensor({2}, {1, 2});
  expect_error([&] { run_op("neg", {a}, {3}); }, ErrorCode::kInvalidArgument,
               {"neg", "type says 3"});
}

}  // namespace
}  // namespace meshrt::reference::testing
