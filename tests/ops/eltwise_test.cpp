#include <cmath>

#include "ops_test_util.hpp"

namespace meshrt::ops::testing {
namespace {

constexpr DataType F32 = DataType::kFloat32;
constexpr DataType BF16 = DataType::kBFloat16;
constexpr DataType I32 = DataType::kInt32;

TEST(Eltwise, AddSameShapeF32) {
  HostTensor a = tensor({2, 2}, F32, {1, 2, 3, 4});
  HostTensor b = tensor({2, 2}, F32, {10, 20, 30, 40});
  HostTensor o = run1(make_op("add"), {&a, &b}, {2, 2}, F32);
  EXPECT_EQ(o.to_doubles(), (std::vector<double>{11, 22, 33, 44}));
}

TEST(Eltwise, Bf16RoundsAfterEachOp) {
  // 1 + 2^-9 is not representable in bf16 (8 bits of mantissa) and rounds to 1.
  HostTensor a = tensor({2}, BF16, {1, 1});
  HostTensor b = tensor({2}, BF16, {std::ldexp(1.0, -9), std::ldexp(1.0, -7)});
  HostTensor o = run1(make_op("add"), {&a, &b}, {2}, BF16);
  EXPECT_EQ(o.at(0), 1.0);
  EXPECT_EQ(o.at(1), 1.0 + std::ldexp(1.0, -7));
  // The same sum in f32 keeps the small term.
  HostTensor af = tensor({2}, F32, {1, 1});
  HostTensor bf = tensor({2}, F32, {std::ldexp(1.0, -9), std::ldexp(1.0, -7)});
  HostTensor of = run1(make_op("add"), {&af, &bf}, {2}, F32);
  EXPECT_EQ(of.at(0), 1.0 + std::ldexp(1.0, -9));
}

TEST(Eltwise, Bf16MultiplyRounds) {
  // 3 * (1 + 2^-7) = 3 + 3*2^-7 -> nearest bf16 in [2,4) (step 2^-6) is 3 + 2^-5 (tie to even).
  HostTensor a = tensor({1}, BF16, {3});
  HostTensor b = tensor({1}, BF16, {1 + std::ldexp(1.0, -7)});
  HostTensor o = run1(make_op("multiply"), {&a, &b}, {1}, BF16);
  EXPECT_EQ(o.at(0), 3 + std::ldexp(1.0, -5));
}

TEST(Eltwise, BroadcastRowAndColumn) {
  HostTensor a = tensor({2, 1}, F32, {1, 2});
  HostTensor b = tensor({3}, F32, {10, 20, 30});
  HostTensor o = run1(make_op("add"), {&a, &b}, {2, 3}, F32);
  EXPECT_EQ(o.to_doubles(), (std::vector<double>{11, 21, 31, 12, 22, 32}));
  HostTensor s = tensor({1}, F32, {2});
  HostTensor m = run1(make_op("multiply"), {&o, &s}, {2, 3}, F32);
  EXPECT_EQ(m.to_doubles(), (std::vector<double>{22, 42, 62, 24, 44, 64}));
  // Trailing-block broadcast (bias-like) in bf16 takes the fast path.
  HostTensor x = tensor({2, 2}, BF16, {1, 2, 3, 4});
  HostTensor bias = tensor({2}, BF16, {0.5, -1});
  HostTensor y = run1(make_op("subtract"), {&x, &bias}, {2, 2}, BF16);
  EXPECT_EQ(y.to_doubles(), (std::vector<double>{0.5, 3, 2.5, 5}));
}

TEST(Eltwise, MixedDtypesAndIntegerOps) {
  HostTensor a = tensor({4}, I32, {7, -7, 7, -7});
  HostTensor b = tensor({4}, I32, {3, 3, -3, -3});
  // torch.remainder: sign of the divisor.
  EXPECT_EQ(run1(make_op("remainder"), {&a, &b}, {4}, I32).to_doubles(),
            (std::vector<double>{1, 2, -2, -1}));
  EXPECT_EQ(run1(make_op("div"), {&a, &b}, {4}, I32).to_doubles(),
            (std::vector<double>{2, -2, -2, 2}));
  EXPECT_EQ(run1(make_op("maximum"), {&a, &b}, {4}, I32).to_doubles(),
            (std::vector<double>{7, 3, 7, -3}));
  HostTensor x = tensor({3}, I32, {12, 5, -1});
  HostTensor y = tensor({3}, I32, {10, 3, 1});
  EXPECT_EQ(run1(make_op("bitwise_and"), {&x, &y}, {3}, I32).to_doubles(),
            (std::vector<double>{8, 1, 1}));
  EXPECT_EQ(run1(make_op("bitwise_or"), {&x, &y}, {3}, I32).to_doubles(),
            (std::vector<double>{14, 7, -1}));
  EXPECT_EQ(run1(make_op("bitwise_xor"), {&x, &y}, {3}, I32).to_doubles(),
            (std::vector<double>{6, 6, -2}));
  EXPECT_EQ(run1(make_op("bitwise_not"), {&x}, {3}, I32).to_doubles(),
            (std::vector<double>{-13, -6, 0}));
  HostTensor s = tensor({3}, I32, {1, 2, 28});
  EXPECT_EQ(run1(make_op("logical_left_shift"), {&x, &s}, {3}, I32).to_doubles(),
            (std::vector<double>{24, 20, static_cast<double>(int32_t(0xF0000000u))}));
  EXPECT_EQ(run1(make_op("logical_right_shift"), {&x, &s}, {3}, I32).to_doubles(),
            (std::vector<double>{6, 1, 15}));
  HostTensor f = tensor({3}, F32, {1, 2, 3});
  expect_error(make_op("bitwise_and"), {&f, &f}, {3}, F32, ErrorCode::kInvalidArgument,
               {"bitwise_and", "integer"});
}

TEST(Eltwise, ComparisonsAndLogical) {
  HostTensor a = tensor({3}, F32, {1, 2, 3});
  HostTensor b = tensor({3}, F32, {2, 2, 2});
  EXPECT_EQ(run1(make_op("eq"), {&a, &b}, {3}, F32).to_doubles(), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(run1(make_op("ne"), {&a, &b}, {3}, BF16).to_doubles(), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(run1(make_op("gt"), {&a, &b}, {3}, DataType::kBool).to_doubles(),
            (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(run1(make_op("ge"), {&a, &b}, {3}, F32).to_doubles(), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(run1(make_op("lt"), {&a, &b}, {3}, F32).to_doubles(), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(run1(make_op("le"), {&a, &b}, {3}, F32).to_doubles(), (std::vector<double>{1, 1, 0}));
  HostTensor p = tensor({4}, F32, {0, 0, 1, 1});
  HostTensor q = tensor({4}, F32, {0, 1, 0, 1});
  EXPECT_EQ(run1(make_op("logical_and"), {&p, &q}, {4}, F32).to_doubles(),
            (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(run1(make_op("logical_or"), {&p, &q}, {4}, F32).to_doubles(),
            (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(run1(make_op("logical_xor"), {&p, &q}, {4}, F32).to_doubles(),
            (std::vector<double>{0, 1, 1, 0}));
  EXPECT_EQ(run1(make_op("logical_not"), {&p}, {4}, F32).to_doubles(),
            (std::vector<double>{1, 1, 0, 0}));
}

TEST(Eltwise, UnaryMath) {
  HostTensor a = tensor({4}, F32, {-2, -0.5, 0, 4});
  EXPECT_EQ(run1(make_op("relu"), {&a}, {4}, F32).to_doubles(), (std::vector<double>{0, 0, 0, 4}));
  EXPECT_EQ(run1(make_op("neg"), {&a}, {4}, F32).to_doubles(),
            (std::vector<double>{2, 0.5, 0, -4}));
  EXPECT_EQ(run1(make_op("abs"), {&a}, {4}, F32).to_doubles(), (std::vector<double>{2, 0.5, 0, 4}));
  EXPECT_EQ(run1(make_op("sign"), {&a}, {4}, F32).to_doubles(),
            (std::vector<double>{-1, -1, 0, 1}));
  EXPECT_EQ(run1(make_op("floor"), {&a}, {4}, F32).to_doubles(),
            (std::vector<double>{-2, -1, 0, 4}));
  EXPECT_EQ(run1(make_op("ceil"), {&a}, {4}, F32).to_doubles(),
            (std::vector<double>{-2, -0.0, 0, 4}));
  HostTensor p = tensor({2}, F32, {4, 0.25});
  EXPECT_EQ(run1(make_op("sqrt"), {&p}, {2}, F32).to_doubles(), (std::vector<double>{2, 0.5}));
  EXPECT_EQ(run1(make_op("rsqrt"), {&p}, {2}, F32).to_doubles(), (std::vector<double>{0.5, 2}));
  EXPECT_EQ(run1(make_op("reciprocal"), {&p}, {2}, F32).to_doubles(),
            (std::vector<double>{0.25, 4}));
  HostTensor z = tensor({1}, F32, {0});
  EXPECT_EQ(run1(make_op("exp"), {&z}, {1}, F32).at(0), 1.0);
  EXPECT_EQ(run1(make_op("sigmoid"), {&z}, {1}, F32).at(0), 0.5);
  EXPECT_EQ(run1(make_op("gelu"), {&z}, {1}, F32).at(0), 0.0);
  HostTensor one = tensor({1}, F32, {1});
  EXPECT_NEAR(run1(make_op("gelu"), {&one}, {1}, F32).at(0), 0.5 * (1 + std::erf(M_SQRT1_2)), 1e-6);
  EXPECT_NEAR(run1(make_op("log"), {&one}, {1}, F32).at(0), 0.0, 0);
  EXPECT_NEAR(run1(make_op("atan"), {&one}, {1}, F32).at(0), M_PI / 4, 1e-6);
  // bf16 exp(1) = 2.71875 (nearest bf16 to e).
  HostTensor oneb = tensor({1}, BF16, {1});
  EXPECT_EQ(run1(make_op("exp"), {&oneb}, {1}, BF16).at(0), 2.71875);
  HostTensor inf = tensor({3}, F32, {1, INFINITY, NAN});
  EXPECT_EQ(run1(make_op("isfinite"), {&inf}, {3}, DataType::kBool).to_doubles(),
            (std::vector<double>{1, 0, 0}));
}

TEST(Eltwise, ParameterisedUnary) {
  HostTensor a = tensor({3}, F32, {-10, 0.5, 10});
  EXPECT_EQ(run1(make_op("leaky_relu", {{"parameter", 0.5}}), {&a}, {3}, F32).to_doubles(),
            (std::vector<double>{-5, 0.5, 10}));
  EXPECT_EQ(
      run1(make_op("clamp_scalar", {{"min", 0.0}, {"max", 2.0}}), {&a}, {3}, F32).to_doubles(),
      (std::vector<double>{0, 0.5, 2}));
  HostTensor lo = tensor({1}, F32, {-1});
  HostTensor hi = tensor({3}, F32, {0, 0, 5});
  EXPECT_EQ(run1(make_op("clamp_tensor"), {&a, &lo, &hi}, {3}, F32).to_doubles(),
            (std::vector<double>{-1, 0, 5}));
}

TEST(Eltwise, WhereBroadcasts) {
  HostTensor c = tensor({2, 1}, F32, {1, 0});
  HostTensor x = tensor({2, 2}, F32, {1, 2, 3, 4});
  HostTensor y = tensor({1}, F32, {-1});
  EXPECT_EQ(run1(make_op("where"), {&c, &x, &y}, {2, 2}, F32).to_doubles(),
            (std::vector<double>{1, 2, -1, -1}));
}

TEST(Eltwise, Typecast) {
  HostTensor a = tensor({3}, F32, {1.0 + std::ldexp(1.0, -9), 2.7, -3.9});
  EXPECT_EQ(run1(make_op("typecast"), {&a}, {3}, BF16).at(0), 1.0);
  EXPECT_EQ(run1(make_op("typecast"), {&a}, {3}, I32).to_doubles(),
            (std::vector<double>{1, 2, -3}));
  HostTensor b = tensor({1}, BF16, {1.5});
  EXPECT_EQ(run1(make_op("typecast"), {&b}, {1}, F32).at(0), 1.5);
}

TEST(Eltwise, ShapeMismatchIsInvalidArgument) {
  HostTensor a = tensor({2, 3}, F32, {1, 2, 3, 4, 5, 6});
  HostTensor b = tensor({2}, F32, {1, 2});
  expect_error(make_op("add"), {&a, &b}, {2, 3}, F32, ErrorCode::kInvalidArgument,
               {"'add'", "test.mlir:7:3", "2x3", "do not broadcast"});
  HostTensor c = tensor({3}, F32, {1, 2, 3});
  expect_error(make_op("add"), {&a, &c}, {3, 3}, F32, ErrorCode::kInvalidArgument,
               {"result shape mismatch", "expected 2x3", "got 3x3"});
  expect_error(make_op("add"), {&a}, {2, 3}, F32, ErrorCode::kInvalidArgument,
               {"expected 2 operands, got 1"});
}

TEST(Eltwise, UnsupportedOpNamesOpAndLoc) {
  HostTensor a = tensor({1}, F32, {1});
  expect_error(make_op("frobnicate"), {&a}, {1}, F32, ErrorCode::kUnsupported,
               {"frobnicate", "test.mlir:7:3"});
  expect_error(make_op("all_gather"), {&a}, {1}, F32, ErrorCode::kUnsupported,
               {"all_gather", "collective"});
  EXPECT_FALSE(has_kernel("frobnicate"));
  EXPECT_TRUE(has_kernel("add"));
  EXPECT_TRUE(is_collective("mesh_shard"));
  EXPECT_TRUE(is_collective("mesh_partition"));
  EXPECT_FALSE(is_collective("add"));
  EXPECT_FALSE(has_kernel("all_reduce"));
}

TEST(Eltwise, LargeSameShapeAddRuns) {
  const int64_t n = int64_t{1} << 20;
  HostTensor a({n}, F32), b({n}, F32);
  float* pa = reinterpret_cast<float*>(a.data());
  float* pb = reinterpret_cast<float*>(b.data());
  for (int64_t i = 0; i < n; ++i) pa[i] = static_cast<float>(i), pb[i] = 0.5f;
  HostTensor o = run1(make_op("add"), {&a, &b}, {n}, F32);
  EXPECT_EQ(o.at(0), 0.5);
  EXPECT_EQ(o.at(n - 1), static_cast<double>(n - 1) + 0.5);
}

}  // namespace
}  // namespace meshrt::ops::testing
