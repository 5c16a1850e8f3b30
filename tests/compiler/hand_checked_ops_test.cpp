// Tests of the less common ops in the compiler: reference-interpreter kernels against values
// worked out by hand on tiny tensors, and verifier errors for bad result shapes.
#include <gtest/gtest.h>

#include "common/expect_error.hpp"
#include "reference/interp_test_util.hpp"
#include "meshrt/compiler/parser.hpp"
#include "meshrt/verify/verify.hpp"

namespace meshrt::compiler::testing {

using namespace meshrt::reference;
using namespace meshrt::reference::testing;
using namespace meshrt::verify;
namespace {

// Runs a one-op program with several results; returns result `which` of device 0.
HostTensor run_multi(const std::string& name, const std::vector<HostTensor>& inputs,
                     const std::vector<std::pair<Shape, DataType>>& results, Attrs attrs,
                     size_t which) {
  ProgramBuilder b;
  std::vector<uint32_t> ids;
  for (const HostTensor& t : inputs) ids.push_back(b.input(t.shape(), t.dtype()));
  uint32_t first = b.op(name, ids, results[0].first, results[0].second, std::move(attrs));
  binary::Program& p = b.program();
  for (size_t r = 1; r < results.size(); ++r) {
    binary::TensorDesc desc;
    desc.shape = results[r].first;
    desc.dtype = results[r].second;
    p.values.push_back(desc);
    p.ops.back().results.push_back(static_cast<uint32_t>(p.values.size() - 1));
  }
  b.output(which == 0 ? first : p.ops.back().results[which]);
  return run_single(b, inputs);
}

TEST(InterpExtraOps, CumprodMultipliesAlongDim) {
  HostTensor x = make_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_values(run_op("cumprod", {x}, {2, 3}, DataType::kFloat32, {{"dim", int64_t{1}}}), {2, 3},
                {1, 2, 6, 4, 20, 120});
  expect_values(run_op("cumprod", {x}, {2, 3}, DataType::kFloat32, {{"dim", int64_t{0}}}), {2, 3},
                {1, 2, 3, 4, 10, 18});
}

TEST(InterpExtraOps, IndexTakesAStridedRange) {
  HostTensor x = iota_tensor({2, 5});
  Attrs a = {{"dim", int64_t{1}}, {"begin", int64_t{1}}, {"end", int64_t{5}}, {"step", int64_t{2}}};
  expect_values(run_op("index", {x}, {2, 2}, DataType::kFloat32, a), {2, 2}, {1, 3, 6, 8});
}

TEST(InterpExtraOps, SliceDynamicReadsBeginsAndEndsFromTensors) {
  HostTensor x = iota_tensor({3, 4});
  HostTensor begins = make_tensor({2}, {1, 0}, DataType::kUInt32);
  HostTensor ends = make_tensor({2}, {3, 4}, DataType::kUInt32);
  Attrs a = {{"step", ints({1, 2})}};
  expect_values(run_op("slice_dynamic", {x, begins, ends}, {2, 2}, DataType::kFloat32, a), {2, 2},
                {4, 6, 8, 10});
}

TEST(InterpExtraOps, ScatterReplacesAndSums) {
  HostTensor x = make_tensor({3, 2}, {0, 0, 0, 0, 0, 0});
  HostTensor index = make_tensor({2, 2}, {2, 0, 2, 1}, DataType::kInt32);
  HostTensor src = make_tensor({2, 2}, {1, 2, 3, 4});
  Attrs replace = {{"dim", int64_t{0}}, {"scatter_reduce_type", std::string("invalid")}};
  // Column 0: rows 2, 2 get 1 then 3 (last wins); column 1: rows 0, 1 get 2, 4.
  expect_values(run_op("scatter", {x, index, src}, {3, 2}, DataType::kFloat32, replace), {3, 2},
                {0, 2, 0, 4, 3, 0});
  Attrs sum = {{"dim", int64_t{0}}, {"scatter_reduce_type", std::string("sum")}};
  expect_values(run_op("scatter", {x, index, src}, {3, 2}, DataType::kFloat32, sum), {3, 2},
                {0, 2, 0, 4, 4, 0});
}

TEST(InterpExtraOps, ScatterRejectsAnIndexOutOfRange) {
  HostTensor x = make_tensor({2, 1}, {0, 0});
  HostTensor index = make_tensor({1, 1}, {5}, DataType::kInt32);
  HostTensor src = make_tensor({1, 1}, {1});
  expect_error(
      [&] {
        run_op("scatter", {x, index, src}, {2, 1}, DataType::kFloat32, {{"dim", int64_t{0}}});
      },
      ErrorCode::kInvalidArgument, {"scatter", "index value 5 is outside [0, 2)"});
}

TEST(InterpExtraOps, EmbeddingBackwardSumsRowsPerIndex) {
  HostTensor idx = make_tensor({1, 3}, {1, 0, 1});
  HostTensor weight = make_tensor({3, 2}, {9, 9, 9, 9, 9, 9});
  HostTensor grad = make_tensor({1, 3, 2}, {1, 2, 3, 4, 5, 6});
  expect_values(run_op("embedding_backward", {idx, weight, grad}, {3, 2}), {3, 2},
                {3, 4, 6, 8, 0, 0});
}

TEST(InterpExtraOps, BatchNormTrainingUsesBatchStatistics) {
  // Channel dim 1 of a [2, 2] input: channel 0 holds {1, 3}, channel 1 holds {2, 6}.
  HostTensor x = make_tensor({2, 2}, {1, 2, 3, 6});
  HostTensor scale = make_tensor({2}, {1, 2});
  HostTensor offset = make_tensor({2}, {0, 1});
  HostTensor mean = make_tensor({2}, {0, 10});
  HostTensor var = make_tensor({2}, {1, 1});
  Attrs a = {{"dimension", int64_t{1}}, {"epsilon", 0.0}, {"momentum", 0.5}};
  std::vector<std::pair<Shape, DataType>> results = {
      {{2, 2}, DataType::kFloat32}, {{2}, DataType::kFloat32}, {{2}, DataType::kFloat32}};
  // Batch means 2 and 4, biased variances 1 and 4.
  expect_values(run_multi("batch_norm_training", {x, scale, offset, mean, var}, results, a, 0),
                {2, 2}, {-1, -1, 1, 3});
  expect_values(run_multi("batch_norm_training", {x, scale, offset, mean, var}, results, a, 1), {2},
                {1, 7});
  expect_values(run_multi("batch_norm_training", {x, scale, offset, mean, var}, results, a, 2), {2},
                {1, 2.5});
}

TEST(InterpExtraOps, SortReturnsValuesAndStablePositions) {
  HostTensor x = make_tensor({2, 3}, {3, 1, 2, 5, 5, 4});
  std::vector<std::pair<Shape, DataType>> results = {{{2, 3}, DataType::kFloat32},
                                                     {{2, 3}, DataType::kInt32}};
  expect_values(run_multi("sort", {x}, results, {}, 0), {2, 3}, {1, 2, 3, 4, 5, 5});
  expect_values(run_multi("sort", {x}, results, {}, 1), {2, 3}, {1, 2, 0, 2, 0, 1});
  expect_values(run_multi("sort", {x}, results, {{"descending", true}}, 1), {2, 3},
                {0, 2, 1, 0, 1, 2});
}

TEST(InterpExtraOps, MaxPoolWithIndicesGivesPlanePositions) {
  // One 3x3 plane, one channel, 2x2 windows with stride 1.
  HostTensor x = make_tensor({1, 3, 3, 1}, {1, 5, 2, 7, 3, 4, 0, 8, 6});
  Attrs a = {{"kernel", ints({2, 2})}, {"stride", ints({1, 1})}};
  std::vector<std::pair<Shape, DataType>> results = {{{1, 2, 2, 1}, DataType::kFloat32},
                                                     {{1, 2, 2, 1}, DataType::kInt32}};
  expect_values(run_multi("max_pool2d_with_indices", {x}, results, a, 0), {1, 2, 2, 1},
                {7, 5, 8, 8});
  expect_values(run_multi("max_pool2d_with_indices", {x}, results, a, 1), {1, 2, 2, 1},
                {3, 1, 7, 7});
}

TEST(InterpExtraOps, ConvTranspose2dSpreadsEachInputOverTheKernel) {
  // 1x2x2x1 input, 1x1x2x2 weight, stride 2: each input pixel paints its own 2x2 block.
  HostTensor x = make_tensor({1, 2, 2, 1}, {1, 2, 3, 4});
  HostTensor w = make_tensor({1, 1, 2, 2}, {1, 10, 100, 1000});
  HostTensor bias = make_tensor({1, 1, 1, 1}, {0.5});
  Attrs a = {{"stride", ints({2, 2})}};
  expect_values(run_op("conv_transpose2d", {x, w, bias}, {1, 4, 4, 1}, DataType::kFloat32, a),
                {1, 4, 4, 1},
                {1.5, 10.5, 2.5, 20.5, 100.5, 1000.5, 200.5, 2000.5, 3.5, 30.5, 4.5, 40.5, 300.5,
                 3000.5, 400.5, 4000.5});
  // Stride 1 overlaps the blocks: out[1][1] = 1*1000 + 2*100 + 3*10 + 4*1.
  HostTensor full = run_op("conv_transpose2d", {x, w}, {1, 3, 3, 1}, DataType::kFloat32, {});
  EXPECT_DOUBLE_EQ(full.at(4), 1234.0);
  EXPECT_DOUBLE_EQ(full.at(0), 1.0);
  EXPECT_DOUBLE_EQ(full.at(8), 4000.0);
}

TEST(InterpExtraOps, Conv3dSumsAWindowOverDepthHeightWidth) {
  HostTensor x = iota_tensor({1, 2, 2, 2, 1});
  HostTensor w = make_tensor({2, 1, 2, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 2});
  // Output channel 0 sums all eight values (28); channel 1 takes twice the last one (14).
  expect_values(run_op("conv3d", {x, w}, {1, 1, 1, 1, 2}), {1, 1, 1, 1, 2}, {28, 14});
}

// --- verifier -------------------------------------------------------------------------------

std::string verify_error(const std::string& text) {
  return meshrt::testing::error_message(
      [&] {
        binary::Binary b = parse_mlir(text, ParseOptions{"x.mlir", std::nullopt});
        verify_and_annotate(b, "x.mlir");
      },
      ErrorCode::kInvalidArgument);
}

std::string one_op(const std::string& args, const std::string& op, const std::string& out) {
  return "func.func @f(" + args + ") -> " + out + " {\n  %0 = " + op +
         " loc(\"bad_op\")\n  return %0 : " + out + "\n}";
}

void expect_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& p : parts)
    EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
}

// Padding whose sum would overflow int64 (a crafted binary once made the verifier's
// arithmetic overflow) or leave a negative size is an error naming the dim.
TEST(VerifyExtraOps, RejectsPaddingThatGivesNoSize) {
  expect_mentions(
      verify_error(one_op("%a: tensor<2x3xf32>",
                          "\"ttir.pad\"(%a) <{padding = array<i32: 0, 0, -2, -2>, value = 0.0 : "
                          "f32}> : (tensor<2x3xf32>) -> tensor<2x3xf32>",
                          "tensor<2x3xf32>")),
      {"op 'pad'", "padding [-2, -2] of dim 1 gives no valid size"});
  expect_mentions(
      verify_error(one_op("%a: tensor<2x3xf32>",
                          "\"ttir.pad\"(%a) <{padding = array<i64: 0, 0, 4611686018427387904, "
                          "4611686018427387904>, value = 0.0 : f32}> : (tensor<2x3xf32>) -> "
                          "tensor<2x3xf32>",
                          "tensor<2x3xf32>")),
      {"op 'pad'", "of dim 1 gives no valid size"});
}

TEST(VerifyExtraOps, RejectsBadResultShapes) {
  expect_mentions(
      verify_error(one_op("%a: tensor<2x3xf32>",
                          "\"ttir.cumprod\"(%a) <{dim = 1 : i64}> : (tensor<2x3xf32>) -> "
                          "tensor<3x2xf32>",
                          "tensor<3x2xf32>")),
      {"op 'cumprod'", "loc 'bad_op'", "3x2", "2x3"});
  expect_mentions(
      verify_error(one_op("%a: tensor<4x32xbf16>",
                          "\"ttir.index\"(%a) <{dim = 1 : i32, begin = 0 : i32, end = 32 : i32, "
                          "step = 2 : i32}> : (tensor<4x32xbf16>) -> tensor<4x32xbf16>",
                          "tensor<4x32xbf16>")),
      {"op 'index'", "4x32", "4x16"});
  expect_mentions(
      verify_error(one_op("%a: tensor<8x4xf32>, %i: tensor<2x4xi32>, %s: tensor<2x4xf32>",
                          "\"ttir.scatter\"(%a, %i, %s) <{dim = 0 : i32, scatter_reduce_type = "
                          "#ttcore.reduce_type<invalid>}> : (tensor<8x4xf32>, "
                          "tensor<2x4xi32>, tensor<2x4xf32>) -> tensor<8x5xf32>",
                          "tensor<8x5xf32>")),
      {"op 'scatter'", "8x5", "8x4"});
  expect_mentions(
      verify_error(one_op("%i: tensor<1x4xf32>, %w: tensor<16x8xf32>, %g: tensor<1x4x8xf32>",
                          "\"ttir.embedding_backward\"(%i, %w, %g) : (tensor<1x4xf32>, "
                          "tensor<16x8xf32>, tensor<1x4x8xf32>) -> tensor<8x16xf32>",
                          "tensor<8x16xf32>")),
      {"op 'embedding_backward'", "8x16", "16x8"});
  expect_mentions(verify_error(one_op(
                      "%a: tensor<1x4x4x8xbf16>, %w: tensor<8x16x3x3xbf16>",
                      "\"ttir.conv_transpose2d\"(%a, %w) <{stride = 1 : i32, padding = 0 : i32, "
                      "output_padding = 0 : i32, dilation = 1 : i32, groups = 1 : i32}> : "
                      "(tensor<1x4x4x8xbf16>, tensor<8x16x3x3xbf16>) -> tensor<1x4x4x16xbf16>",
                      "tensor<1x4x4x16xbf16>")),
                  {"op 'conv_transpose2d'", "1x4x4x16", "1x6x6x16"});
  expect_mentions(
      verify_error(one_op(
          "%a: tensor<1x4x6x6x2xbf16>, %w: tensor<3x2x3x3x3xbf16>",
          "\"ttir.conv3d\"(%a, %w) <{stride = array<i32: 1, 1, 1>, padding = array<i32: 0, 0, 0>, "
          "groups = 1 : i32}> : (tensor<1x4x6x6x2xbf16>, tensor<3x2x3x3x3xbf16>) -> "
          "tensor<1x4x4x4x3xbf16>",
          "tensor<1x4x4x4x3xbf16>")),
      {"op 'conv3d'", "1x4x4x4x3", "1x2x4x4x3"});
}

TEST(VerifyExtraOps, RejectsBadMultiResultOps) {
  const std::string sort =
      "func.func @f(%a: tensor<4x8xbf16>) -> tensor<4x8xbf16> {\n"
      "  %0, %1 = \"ttir.sort\"(%a) : (tensor<4x8xbf16>) -> (tensor<4x8xbf16>, tensor<4x8xf32>) "
      "loc(\"sort_op\")\n  return %0 : tensor<4x8xbf16>\n}";
  expect_mentions(verify_error(sort), {"op 'sort'", "loc 'sort_op'", "indices result", "integer"});
  const std::string bn =
      "func.func @f(%a: tensor<2x3x4xf32>, %s: tensor<3xf32>, %o: tensor<3xf32>, %m: "
      "tensor<3xf32>, %v: tensor<2xf32>) -> tensor<2x3x4xf32> {\n"
      "  %0:3 = \"ttir.batch_norm_training\"(%a, %s, %o, %m, %v) <{dimension = 1 : i32, epsilon = "
      "1.0e-05 : f32, momentum = 0.1 : f32}> : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, "
      "tensor<3xf32>, tensor<2xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>) "
      "loc(\"bn\")\n  return %0#0 : tensor<2x3x4xf32>\n}";
  expect_mentions(verify_error(bn), {"op 'batch_norm_training'", "running_variance", "3 values"});
}

}  // namespace
}  // namespace meshrt::compiler::testing
