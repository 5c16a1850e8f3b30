// Reference interpreter: data movement and creation ops.
#include <cmath>

#include "reference/interp_test_util.hpp"

namespace meshrt::reference::testing {
namespace {

using DT = DataType;

TEST(InterpData, ReshapeSqueezeUnsqueezeKeepOrder) {
  HostTensor x = iota_tensor({2, 3});
  expect_values(run_op("reshape", {x}, {3, 2}, DT::kFloat32, {{"shape", ints({3, 2})}}), {3, 2},
                {0, 1, 2, 3, 4, 5});
  expect_values(run_op("unsqueeze", {x}, {2, 1, 3}, DT::kFloat32, {{"dim", int64_t{-2}}}),
                {2, 1, 3}, {0, 1, 2, 3, 4, 5});
  expect_values(run_op("squeeze", {iota_tensor({1, 3})}, {3}, DT::kFloat32, {{"dim", int64_t{0}}}),
                {3}, {0, 1, 2});
  expect_error(
      [&] {
        run_op("reshape", {x}, {4, 2}, DT::kFloat32, {{"shape", ints({4, 2})}});
      },
      ErrorCode::kInvalidArgument, {"reshape", "cannot reshape"});
}

TEST(InterpData, PermuteAndTranspose) {
  HostTensor x = iota_tensor({2, 3});
  expect_values(run_op("permute", {x}, {3, 2}, DT::kFloat32, {{"permutation", ints({1, 0})}}),
                {3, 2}, {0, 3, 1, 4, 2, 5});
  expect_values(
      run_op("transpose", {x}, {3, 2}, DT::kFloat32, {{"dim0", int64_t{-1}}, {"dim1", int64_t{0}}}),
      {3, 2}, {0, 3, 1, 4, 2, 5});
  // [2,1,2] -> permutation (2,0,1) -> [2,2,1]: out[i][j][0] = x[j][0][i].
  HostTensor y = iota_tensor({2, 1, 2});
  expect_values(run_op("permute", {y}, {2, 2, 1}, DT::kFloat32, {{"permutation", ints({2, 0, 1})}}),
                {2, 2, 1}, {0, 2, 1, 3});
}

TEST(InterpData, ConcatAlongDims) {
  HostTensor a = iota_tensor({2, 1});
  HostTensor b = iota_tensor({2, 2}, DT::kFloat32, 10);
  expect_values(run_op("concat", {a, b}, {2, 3}, DT::kFloat32, {{"dim", int64_t{1}}}), {2, 3},
                {0, 10, 11, 1, 12, 13});
  expect_values(run_op("concat", {b, b}, {4, 2}, DT::kFloat32, {{"dim", int64_t{-2}}}), {4, 2},
                {10, 11, 12, 13, 10, 11, 12, 13});
  expect_error(
      [&] {
        run_op("concat", {a, b}, {4, 1}, DT::kFloat32, {{"dim", int64_t{0}}});
      },
      ErrorCode::kInvalidArgument, {"concat", "cannot concatenate"});
}

TEST(InterpData, SliceStaticWithStepAndNegativeBegin) {
  HostTensor x = iota_tensor({2, 6});
  Attrs attrs = {{"begins", ints({0, 1})}, {"ends", ints({2, 6})}, {"step", ints({1, 2})}};
  expect_values(run_op("slice_static", {x}, {2, 3}, DT::kFloat32, attrs), {2, 3},
                {1, 3, 5, 7, 9, 11});
  Attrs tail = {{"begins", ints({1, -2})}, {"ends", ints({2, 6})}, {"step", ints({1, 1})}};
  expect_values(run_op("slice_static", {x}, {1, 2}, DT::kFloat32, tail), {1, 2}, {10, 11});
}

TEST(InterpData, BroadcastRepeatAndRepeatInterleave) {
  HostTensor x = make_tensor({1, 2}, {1, 2});
  expect_values(
      run_op("broadcast", {x}, {3, 2}, DT::kFloat32, {{"broadcast_dimensions", ints({3, 1})}}),
      {3, 2}, {1, 2, 1, 2, 1, 2});
  expect_values(run_op("repeat", {x}, {2, 4}, DT::kFloat32, {{"repeat_dimensions", ints({2, 2})}}),
                {2, 4}, {1, 2, 1, 2, 1, 2, 1, 2});
  expect_values(run_op("repeat_interleave", {x}, {1, 6}, DT::kFloat32,
                       {{"repeats", int64_t{3}}, {"dim", int64_t{1}}}),
                {1, 6}, {1, 1, 1, 2, 2, 2});
}

TEST(InterpData, PadWithValue) {
  HostTensor x = make_tensor({1, 2}, {1, 2});
  expect_values(
      run_op("pad", {x}, {2, 5}, DT::kFloat32, {{"padding", ints({1, 0, 2, 1})}, {"value", -1.0}}),
      {2, 5}, {-1, -1, -1, -1, -1, -1, -1, 1, 2, -1});
}

TEST(InterpData, EmbeddingGathersRows) {
  HostTensor idx = make_tensor({2, 2}, {2, 0, 1, 2}, DT::kBFloat16);
  HostTensor w = make_tensor({3, 2}, {0, 1, 10, 11, 20, 21});
  expect_values(run_op("embedding", {idx, w}, {2, 2, 2}), {2, 2, 2},
                {20, 21, 0, 1, 10, 11, 20, 21});
  HostTensor bad = make_tensor({1}, {3}, DT::kInt32);
  expect_error(
      [&] {
        run_op("embedding", {bad, w}, {1, 2});
      },
      ErrorCode::kInvalidArgument, {"embedding", "3-row table"});
}

TEST(InterpCreate, ConstantFullZerosOnes) {
  binary::DenseElements dense;
  dense.shape = {2, 2};
  dense.values = {1, 2, 3, 4};
  expect_values(run_op("constant", {}, {2, 2}, DT::kFloat32, {{"value", dense}}), {2, 2},
                {1, 2, 3, 4});
  binary::DenseElements splat;
  splat.shape = {3};
  splat.values = {7};
  HostTensor c = run_op("constant", {}, {3}, DT::kInt32, {{"value", splat}});
  EXPECT_EQ(c.dtype(), DT::kInt32);
  expect_values(c, {3}, {7, 7, 7});
  expect_values(run_op("full", {}, {2}, DT::kBFloat16, {{"fill_value", 3.5}}), {2}, {3.5, 3.5});
  expect_values(run_op("zeros", {}, {2}, DT::kFloat32, {{"shape", ints({2})}}), {2}, {0, 0});
  expect_values(run_op("ones", {}, {1, 2}, DT::kFloat32, {{"shape", ints({1, 2})}}), {1, 2},
                {1, 1});
}

TEST(InterpCreate, Bf16LiteralsDenoteBf16Values) {
  // 1 + 2^-9 is not a bf16 value: a bf16 constant holding it holds 1 (round to nearest even),
  // while an f32 constant keeps it exactly.
  binary::DenseElements splat;
  splat.shape = {2};
  splat.values = {1.0 + std::ldexp(1.0, -9)};
  expect_values(run_op("constant", {}, {2}, DT::kBFloat16, {{"value", splat}}), {2}, {1, 1});
  const double exact = 1.0 + std::ldexp(1.0, -9);
  expect_values(run_op("constant", {}, {2}, DT::kFloat32, {{"value", splat}}), {2}, {exact, exact});
  expect_values(run_op("full", {}, {1}, DT::kBFloat16, {{"fill_value", exact}}), {1}, {1});
}

TEST(InterpCreate, ArangeAlongDimension) {
  Attrs attrs = {{"start", int64_t{0}},
                 {"end", int64_t{6}},
                 {"step", int64_t{2}},
                 {"arange_dimension", int64_t{1}}};
  expect_values(run_op("arange", {}, {2, 3}, DT::kBFloat16, attrs), {2, 3}, {0, 2, 4, 0, 2, 4});
  Attrs wrong = attrs;
  wrong["end"] = int64_t{10};
  expect_error(
      [&] {
        run_op("arange", {}, {2, 3}, DT::kBFloat16, wrong);
      },
      ErrorCode::kInvalidArgument, {"arange", "5 elements"});
}

TEST(InterpCreate, GetDimensionSize) {
  HostTensor x = iota_tensor({2, 7});
  HostTensor out = run_op("get_dimension_size", {x}, {1}, DT::kInt32, {{"dimension", int64_t{1}}});
  EXPECT_EQ(out.dtype(), DT::kInt32);
  expect_values(out, {1}, {7});
}

}  // namespace
}  // namespace meshrt::reference::testing
