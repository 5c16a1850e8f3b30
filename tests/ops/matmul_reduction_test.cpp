#include <cmath>

#include "ops_test_util.hpp"

namespace meshrt::ops::testing {
namespace {

constexpr DataType F32 = DataType::kFloat32;
constexpr DataType BF16 = DataType::kBFloat16;
constexpr DataType I32 = DataType::kInt32;

TEST(Matmul, PlainAndTransposed) {
  HostTensor a = tensor({2, 3}, F32, {1, 2, 3, 4, 5, 6});
  HostTensor b = tensor({3, 2}, F32, {7, 8, 9, 10, 11, 12});
  EXPECT_EQ(run1(make_op("matmul"), {&a, &b}, {2, 2}, F32).to_doubles(),
            (std::vector<double>{58, 64, 139, 154}));
  // a^T (3x2) @ a (2x3) = 3x3.
  EXPECT_EQ(run1(make_op("matmul", {{"transpose_a", true}}), {&a, &a}, {3, 3}, F32).to_doubles(),
            (std::vector<double>{17, 22, 27, 22, 29, 36, 27, 36, 45}));
  // a (2x3) @ a^T (3x2).
  EXPECT_EQ(run1(make_op("matmul", {{"transpose_b", true}}), {&a, &a}, {2, 2}, F32).to_doubles(),
            (std::vector<double>{14, 32, 32, 77}));
}

TEST(Matmul, BatchBroadcast) {
  // [2,1,2] @ [2,1] -> batch 2: each row vector times the same column.
  HostTensor a = tensor({2, 1, 2}, F32, {1, 2, 3, 4});
  HostTensor b = tensor({2, 1}, F32, {10, 1});
  EXPECT_EQ(run1(make_op("matmul"), {&a, &b}, {2, 1, 1}, F32).to_doubles(),
            (std::vector<double>{12, 34}));
}

TEST(Matmul, Bf16AccumulatesInF32AndRoundsOnce) {
  // 1 + 2^-9 + 2^-9 + ... : in f32 accumulation 1 + 4 * 2^-9 = 1 + 2^-7, exact in bf16.
  // Rounding after each add in bf16 would leave 1.
  HostTensor a = tensor(
      {1, 5}, BF16,
      {1, std::ldexp(1.0, -9), std::ldexp(1.0, -9), std::ldexp(1.0, -9), std::ldexp(1.0, -9)});
  HostTensor b = tensor({5, 1}, BF16, {1, 1, 1, 1, 1});
  HostTensor o = run1(make_op("matmul"), {&a, &b}, {1, 1}, BF16);
  EXPECT_EQ(o.at(0), 1 + std::ldexp(1.0, -7));
}

TEST(Matmul, IntegerAndShapeErrors) {
  HostTensor a = tensor({1, 2}, I32, {3, 4});
  HostTensor b = tensor({2, 1}, I32, {5, 6});
  EXPECT_EQ(run1(make_op("matmul"), {&a, &b}, {1, 1}, I32).at(0), 39);
  expect_error(make_op("matmul"), {&a, &a}, {1, 1}, I32, ErrorCode::kInvalidArgument,
               {"matmul", "contraction mismatch"});
  expect_error(make_op("matmul"), {&a, &b}, {2, 2}, I32, ErrorCode::kInvalidArgument,
               {"result shape mismatch"});
}

TEST(Matmul, LinearWithBias) {
  HostTensor a = tensor({2, 2}, F32, {1, 2, 3, 4});
  HostTensor b = tensor({2, 2}, F32, {1, 0, 0, 1});
  HostTensor bias = tensor({2}, F32, {10, 20});
  EXPECT_EQ(run1(make_op("linear"), {&a, &b, &bias}, {2, 2}, F32).to_doubles(),
            (std::vector<double>{11, 22, 13, 24}));
  EXPECT_EQ(run1(make_op("linear", {{"transpose_b", true}}), {&a, &a}, {2, 2}, F32).to_doubles(),
            (std::vector<double>{5, 11, 11, 25}));
}

TEST(Matmul, LinearBiasOfHigherRankBroadcastsTheResult) {
  // [1,2] x [2,2] = [1,2]; a [2,1,2] bias makes the result [2,1,2] (as in tt-mlir's linear).
  HostTensor a = tensor({1, 2}, F32, {1, 2});
  HostTensor b = tensor({2, 2}, F32, {1, 0, 0, 1});
  HostTensor bias = tensor({2, 1, 2}, F32, {10, 20, 30, 40});
  EXPECT_EQ(run1(make_op("linear"), {&a, &b, &bias}, {2, 1, 2}, F32).to_doubles(),
            (std::vector<double>{11, 22, 31, 42}));
}

TEST(Matmul, DotGeneral) {
  // Batch dim 0, contract lhs dim 2 with rhs dim 1: plain batched matmul.
  HostTensor a = tensor({2, 1, 2}, F32, {1, 2, 3, 4});
  HostTensor b = tensor({2, 2, 1}, F32, {1, 1, 2, 2});
  auto op = make_op("dot_general", {{"batch_dims_lhs", std::vector<int64_t>{0}},
                                    {"batch_dims_rhs", std::vector<int64_t>{0}},
                                    {"contract_dims_lhs", std::vector<int64_t>{2}},
                                    {"contract_dims_rhs", std::vector<int64_t>{1}}});
  EXPECT_EQ(run1(op, {&a, &b}, {2, 1, 1}, F32).to_doubles(), (std::vector<double>{3, 14}));
  // No batch, contract lhs dim 0 with rhs dim 0: a^T b.
  HostTensor x = tensor({2, 2}, F32, {1, 2, 3, 4});
  HostTensor y = tensor({2, 1}, F32, {1, 10});
  auto op2 = make_op("dot_general", {{"batch_dims_lhs", std::vector<int64_t>{}},
                                     {"batch_dims_rhs", std::vector<int64_t>{}},
                                     {"contract_dims_lhs", std::vector<int64_t>{0}},
                                     {"contract_dims_rhs", std::vector<int64_t>{0}}});
  EXPECT_EQ(run1(op2, {&x, &y}, {2, 1}, F32).to_doubles(), (std::vector<double>{31, 42}));
}

TEST(Reduction, SumMeanMaxMinProd) {
  HostTensor a = tensor({2, 3}, F32, {1, 2, 3, 4, 5, 6});
  auto dims = [](std::vector<int64_t> d, bool keep) {
    return std::map<std::string, binary::AttrValue>{{"dim_arg", d}, {"keep_dim", keep}};
  };
  EXPECT_EQ(run1(make_op("sum", dims({1}, false)), {&a}, {2}, F32).to_doubles(),
            (std::vector<double>{6, 15}));
  EXPECT_EQ(run1(make_op("sum", dims({0}, true)), {&a}, {1, 3}, F32).to_doubles(),
            (std::vector<double>{5, 7, 9}));
  EXPECT_EQ(run1(make_op("mean", dims({-1}, true)), {&a}, {2, 1}, F32).to_doubles(),
            (std::vector<double>{2, 5}));
  EXPECT_EQ(run1(make_op("max", dims({0}, false)), {&a}, {3}, F32).to_doubles(),
            (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(run1(make_op("min", dims({1}, false)), {&a}, {2}, F32).to_doubles(),
            (std::vector<double>{1, 4}));
  EXPECT_EQ(run1(make_op("prod", dims({1}, false)), {&a}, {2}, F32).to_doubles(),
            (std::vector<double>{6, 120}));
  // No dim_arg: every dim.
  EXPECT_EQ(run1(make_op("sum"), {&a}, {}, F32).at(0), 21);
  HostTensor z = tensor({2, 2}, F32, {0, 0, 0, 1});
  EXPECT_EQ(run1(make_op("reduce_or", dims({1}, false)), {&z}, {2}, F32).to_doubles(),
            (std::vector<double>{0, 1}));
  EXPECT_EQ(run1(make_op("reduce_and", dims({0}, false)), {&z}, {2}, F32).to_doubles(),
            (std::vector<double>{0, 0}));
  expect_error(make_op("sum", dims({1}, false)), {&a}, {3}, F32, ErrorCode::kInvalidArgument,
               {"sum", "result shape mismatch"});
  expect_error(make_op("sum", dims({2}, false)), {&a}, {3}, F32, ErrorCode::kInvalidArgument,
               {"dimension 2 out of range"});
}

TEST(Reduction, Bf16SumRoundsIntoDtype) {
  // 256 + 1 = 257 is a tie between bf16 256 and 258: rounds to even (256). f32 keeps 257.
  HostTensor a = tensor({2}, BF16, {256, 1});
  EXPECT_EQ(run1(make_op("sum"), {&a}, {1}, BF16).at(0), 256);
  HostTensor af = tensor({2}, F32, {256, 1});
  EXPECT_EQ(run1(make_op("sum"), {&af}, {1}, F32).at(0), 257);
}

TEST(Reduction, ArgmaxAndCumsum) {
  HostTensor a = tensor({2, 3}, F32, {1, 9, 9, 7, 2, 8});
  auto op = make_op("argmax", {{"dim_arg", std::vector<int64_t>{1}}, {"keep_dim", false}});
  EXPECT_EQ(run1(op, {&a}, {2}, I32).to_doubles(), (std::vector<double>{1, 2}));
  EXPECT_EQ(run1(make_op("cumsum", {{"dim", int64_t{1}}}), {&a}, {2, 3}, F32).to_doubles(),
            (std::vector<double>{1, 10, 19, 7, 9, 17}));
  EXPECT_EQ(run1(make_op("cumsum", {{"dim", int64_t{0}}}), {&a}, {2, 3}, F32).to_doubles(),
            (std::vector<double>{1, 9, 9, 8, 11, 17}));
}

TEST(Normalization, SoftmaxAndRmsNorm) {
  HostTensor a = tensor({2, 2}, F32, {0, 0, 0, std::log(3.0)});
  HostTensor s = run1(make_op("softmax", {{"dimension", int64_t{-1}}}), {&a}, {2, 2}, F32);
  EXPECT_FLOAT_EQ(s.at(0), 0.5f);
  EXPECT_FLOAT_EQ(s.at(2), 0.25f);
  EXPECT_FLOAT_EQ(s.at(3), 0.75f);
  // rms of [3, 4] = sqrt(12.5); with weight [2, 1] and bias [0, 1].
  HostTensor x = tensor({1, 2}, F32, {3, 4});
  HostTensor w = tensor({2}, F32, {2, 1});
  HostTensor b = tensor({2}, F32, {0, 1});
  auto op = make_op("rms_norm", {{"normalized_shape", std::vector<int64_t>{2}},
                                 {"epsilon", 0.0},
                                 {"operandSegmentSizes", std::vector<int64_t>{1, 1, 1}}});
  HostTensor y = run1(op, {&x, &w, &b}, {1, 2}, F32);
  EXPECT_NEAR(y.at(0), 2 * 3 / std::sqrt(12.5), 1e-6);
  EXPECT_NEAR(y.at(1), 4 / std::sqrt(12.5) + 1, 1e-6);
  // Only a bias (segment sizes 1, 0, 1).
  auto op_bias = make_op("rms_norm", {{"normalized_shape", std::vector<int64_t>{2}},
                                      {"epsilon", 0.0},
                                      {"operandSegmentSizes", std::vector<int64_t>{1, 0, 1}}});
  HostTensor yb = run1(op_bias, {&x, &b}, {1, 2}, F32);
  EXPECT_NEAR(yb.at(0), 3 / std::sqrt(12.5), 1e-6);
  EXPECT_NEAR(yb.at(1), 4 / std::sqrt(12.5) + 1, 1e-6);
}

}  // namespace
}  // namespace meshrt::ops::testing
