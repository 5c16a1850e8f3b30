// Reference interpreter: matmul, linear, dot_general and reductions.
#include <cmath>

#include "reference/interp_test_util.hpp"

namespace meshrt::reference::testing {
namespace {

using DT = DataType;

TEST(InterpMatmul, TwoByTwo) {
  HostTensor a = make_tensor({2, 2}, {1, 2, 3, 4});
  HostTensor b = make_tensor({2, 2}, {5, 6, 7, 8});
  expect_values(run_op("matmul", {a, b}, {2, 2}), {2, 2}, {19, 22, 43, 50});
}

TEST(InterpMatmul, TransposeFlags) {
  HostTensor a = make_tensor({2, 2}, {1, 2, 3, 4});
  HostTensor b = make_tensor({2, 2}, {5, 6, 7, 8});
  // a^T = [[1,3],[2,4]]; a^T b = [[26,30],[38,44]].
  expect_values(run_op("matmul", {a, b}, {2, 2}, DT::kFloat32, {{"transpose_a", true}}), {2, 2},
                {26, 30, 38, 44});
  // a b^T = [[17,23],[39,53]].
  expect_values(run_op("matmul", {a, b}, {2, 2}, DT::kFloat32, {{"transpose_b", true}}), {2, 2},
                {17, 23, 39, 53});
}

TEST(InterpMatmul, BatchBroadcastAndVectors) {
  // Batch of 2 identity-scaled matrices times one shared matrix.
  HostTensor a = make_tensor({2, 1, 2}, {1, 0, 0, 2});
  HostTensor b = make_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_values(run_op("matmul", {a, b}, {2, 1, 3}), {2, 1, 3}, {1, 2, 3, 8, 10, 12});
  // 1-D lhs: [1, 1] @ b = column sums.
  expect_values(run_op("matmul", {make_tensor({2}, {1, 1}), b}, {3}), {3}, {5, 7, 9});
  // 1-D rhs: b^T-shaped check, [2x3] @ [3] = row dot products.
  expect_values(run_op("matmul", {b, make_tensor({3}, {1, 0, -1})}, {2}), {2}, {-2, -2});
}

TEST(InterpMatmul, ContractedSizeMismatchIsRejected) {
  HostTensor a = make_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_error(
      [&] {
        run_op("matmul", {a, a}, {2, 3});
      },
      ErrorCode::kInvalidArgument, {"matmul", "contracted sizes differ"});
}

TEST(InterpMatmul, LinearAddsBroadcastBias) {
  HostTensor a = make_tensor({2, 2}, {1, 2, 3, 4});
  HostTensor b = make_tensor({2, 1}, {1, 1});
  HostTensor bias = make_tensor({2, 1, 1}, {100, 200});
  // a @ b = [[3],[7]]; + bias over a new leading dim.
  expect_values(run_op("linear", {a, b, bias}, {2, 2, 1}), {2, 2, 1}, {103, 107, 203, 207});
  expect_values(run_op("linear", {a, b}, {2, 1}), {2, 1}, {3, 7});
}

TEST(InterpMatmul, DotGeneralBatchAndContract) {
  // lhs [batch=2, m=1, k=2], rhs [batch=2, k=2, n=2].
  HostTensor lhs = make_tensor({2, 1, 2}, {1, 2, 3, 4});
  HostTensor rhs = make_tensor({2, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2});
  Attrs attrs = {{"batch_dims_lhs", ints({0})},
                 {"batch_dims_rhs", ints({0})},
                 {"contract_dims_lhs", ints({2})},
                 {"contract_dims_rhs", ints({1})}};
  expect_values(run_op("dot_general", {lhs, rhs}, {2, 1, 2}, DT::kFloat32, attrs), {2, 1, 2},
                {1, 2, 6, 8});
  // Contract lhs dim 0 with rhs dim 0: lhs^T @ rhs for 2-D operands.
  HostTensor a = make_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor b = make_tensor({2, 1}, {1, 10});
  Attrs t = {{"batch_dims_lhs", ints({})},
             {"batch_dims_rhs", ints({})},
             {"contract_dims_lhs", ints({0})},
             {"contract_dims_rhs", ints({0})}};
  expect_values(run_op("dot_general", {a, b}, {3, 1}, DT::kFloat32, t), {3, 1}, {41, 52, 63});
}

TEST(InterpReduce, SumMeanMaxMinProdWithKeepDim) {
  HostTensor x = make_tensor({2, 3}, {1, 5, 3, -4, 2, 6});
  Attrs last = {{"dim_arg", ints({-1})}, {"keep_dim", true}};
  expect_values(run_op("sum", {x}, {2, 1}, DT::kFloat32, last), {2, 1}, {9, 4});
  expect_values(run_op("mean", {x}, {2, 1}, DT::kFloat32, last), {2, 1}, {3, 4.0 / 3});
  expect_values(run_op("max", {x}, {2, 1}, DT::kFloat32, last), {2, 1}, {5, 6});
  expect_values(run_op("min", {x}, {2, 1}, DT::kFloat32, last), {2, 1}, {1, -4});
  expect_values(run_op("prod", {x}, {2, 1}, DT::kFloat32, last), {2, 1}, {15, -48});
  Attrs first = {{"dim_arg", ints({0})}, {"keep_dim", false}};
  expect_values(run_op("sum", {x}, {3}, DT::kFloat32, first), {3}, {-3, 7, 9});
}

TEST(InterpReduce, AllDimsWhenDimArgMissing) {
  HostTensor x = make_tensor({2, 2}, {1, 2, 3, 4});
  expect_values(run_op("sum", {x}, {}, DT::kFloat32, {{"keep_dim", false}}), {}, {10});
  expect_values(run_op("mean", {x}, {1, 1}, DT::kFloat32, {{"keep_dim", true}}), {1, 1}, {2.5});
  HostTensor y = make_tensor({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Attrs two = {{"dim_arg", ints({0, 2})}, {"keep_dim", false}};
  expect_values(run_op("sum", {y}, {2}, DT::kFloat32, two), {2}, {1 + 2 + 5 + 6, 3 + 4 + 7 + 8});
}

TEST(InterpReduce, ReduceOrAnd) {
  HostTensor x = make_tensor({2, 3}, {0, 0, 0, 0, 2, 1});
  Attrs last = {{"dim_arg", ints({1})}, {"keep_dim", false}};
  expect_values(run_op("reduce_or", {x}, {2}, DT::kBool, last), {2}, {0, 1});
  HostTensor y = make_tensor({2, 2}, {1, 1, 1, 0});
  expect_values(run_op("reduce_and", {y}, {2}, DT::kBool, last), {2}, {1, 0});
}

TEST(InterpReduce, ArgmaxFirstMaximumAsInteger) {
  HostTensor x = make_tensor({2, 4}, {1, 7, 7, 3, 9, 0, -1, 9});
  HostTensor out =
      run_op("argmax", {x}, {2}, DT::kInt32, {{"dim_arg", ints({1})}, {"keep_dim", false}});
  EXPECT_EQ(out.dtype(), DT::kInt32);
  expect_values(out, {2}, {1, 0});
  expect_values(
      run_op("argmax", {x}, {1, 4}, DT::kUInt32, {{"dim_arg", ints({0})}, {"keep_dim", true}}),
      {1, 4}, {1, 0, 0, 1});
}

TEST(InterpReduce, CumsumAlongNegativeDim) {
  HostTensor x = make_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_values(run_op("cumsum", {x}, {2, 3}, DT::kFloat32, {{"dim", int64_t{-1}}}), {2, 3},
                {1, 3, 6, 4, 9, 15});
  expect_values(run_op("cumsum", {x}, {2, 3}, DT::kFloat32, {{"dim", int64_t{0}}}), {2, 3},
                {1, 2, 3, 5, 7, 9});
}

TEST(InterpReduce, SoftmaxRowsSumToOne) {
  HostTensor x = make_tensor({2, 2}, {0, 0, 0, std::log(3.0)}, DT::kFloat64);
  expect_values(run_op("softmax", {x}, {2, 2}, DT::kFloat32, {{"dimension", int64_t{-1}}}), {2, 2},
                {0.5, 0.5, 0.25, 0.75});
  expect_values(run_op("softmax", {x}, {2, 2}, DT::kFloat32, {{"dimension", int64_t{0}}}), {2, 2},
                {0.5, 0.25, 0.5, 0.75});
}

TEST(InterpReduce, RmsNormWithWeightAndBias) {
  // Row [3, 4]: mean square 12.5; row [1, 1]: 1 (epsilon 0).
  HostTensor x = make_tensor({2, 2}, {3, 4, 1, 1});
  HostTensor w = make_tensor({2}, {1, 2});
  HostTensor b = make_tensor({2}, {10, 20});
  const double r = std::sqrt(12.5);
  Attrs attrs = {
      {"normalized_shape", ints({2})}, {"epsilon", 0.0}, {"operandSegmentSizes", ints({1, 1, 1})}};
  expect_values(run_op("rms_norm", {x, w, b}, {2, 2}, DT::kFloat32, attrs), {2, 2},
                {10 + 3 / r, 20 + 8 / r, 11, 22});
  // Bias only: segment sizes say the second operand is the bias.
  Attrs bias_only = {
      {"normalized_shape", ints({2})}, {"epsilon", 0.0}, {"operandSegmentSizes", ints({1, 0, 1})}};
  expect_values(run_op("rms_norm", {x, b}, {2, 2}, DT::kFloat32, bias_only), {2, 2},
                {10 + 3 / r, 20 + 4 / r, 11, 21});
}

}  // namespace
}  // namespace meshrt::reference::testing
