// Device kernels of the less common ops against values worked out by hand on tiny tensors, plus
// the errors they raise on inconsistent shapes.
#include <cmath>

#include "ops_test_util.hpp"

namespace meshrt::ops::testing {
namespace {

constexpr DataType F32 = DataType::kFloat32;
constexpr DataType BF16 = DataType::kBFloat16;
constexpr DataType I32 = DataType::kInt32;
constexpr DataType U32 = DataType::kUInt32;

std::vector<int64_t> ints(std::initializer_list<int64_t> v) { return v; }

// Runs a kernel with several results of the given shapes/dtypes.
std::vector<HostTensor> run_n(const binary::Op& op, std::vector<const HostTensor*> inputs,
                              const std::vector<std::pair<Shape, DataType>>& results) {
  std::vector<HostTensor> outs;
  for (const auto& [shape, dtype] : results) outs.emplace_back(shape, dtype);
  std::vector<HostTensor*> ptrs;
  for (HostTensor& t : outs) ptrs.push_back(&t);
  run_kernel(op, inputs, ptrs);
  return outs;
}

TEST(ExtraOps, CumprodRunsAlongDim) {
  HostTensor x = tensor({2, 3}, F32, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(run1(make_op("cumprod", {{"dim", int64_t{1}}}), {&x}, {2, 3}, F32).to_doubles(),
            (std::vector<double>{1, 2, 6, 4, 20, 120}));
  EXPECT_EQ(run1(make_op("cumprod", {{"dim", int64_t{-2}}}), {&x}, {2, 3}, F32).to_doubles(),
            (std::vector<double>{1, 2, 3, 4, 10, 18}));
}

TEST(ExtraOps, IndexCopiesAStridedRange) {
  HostTensor x = tensor({2, 5}, BF16, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto op = make_op(
      "index",
      {{"dim", int64_t{1}}, {"begin", int64_t{0}}, {"end", int64_t{5}}, {"step", int64_t{2}}});
  EXPECT_EQ(run1(op, {&x}, {2, 3}, BF16).to_doubles(), (std::vector<double>{0, 2, 4, 5, 7, 9}));
  expect_error(op, {&x}, {2, 2}, BF16, ErrorCode::kInvalidArgument,
               {"op 'index'", "result shape mismatch", "2x3", "2x2"});
}

TEST(ExtraOps, SliceDynamicUsesTensorBounds) {
  HostTensor x = tensor({3, 4}, I32, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  HostTensor begins = tensor({2}, U32, {1, 1});
  HostTensor ends = tensor({2}, U32, {3, 4});
  auto op = make_op("slice_dynamic", {{"step", ints({1, 2})}});
  EXPECT_EQ(run1(op, {&x, &begins, &ends}, {2, 2}, I32).to_doubles(),
            (std::vector<double>{5, 7, 9, 11}));
  HostTensor short_begins = tensor({1}, U32, {1});
  expect_error(op, {&x, &short_begins, &ends}, {2, 2}, I32, ErrorCode::kInvalidArgument,
               {"op 'slice_dynamic'", "need 2 values"});
}

TEST(ExtraOps, ScatterReplacesSumsAndChecksIndices) {
  HostTensor x = tensor({3, 2}, F32, {9, 9, 9, 9, 9, 9});
  HostTensor index = tensor({2, 2}, I32, {2, 0, 2, 1});
  HostTensor src = tensor({2, 2}, F32, {1, 2, 3, 4});
  auto replace =
      make_op("scatter", {{"dim", int64_t{0}}, {"scatter_reduce_type", std::string("invalid")}});
  EXPECT_EQ(run1(replace, {&x, &index, &src}, {3, 2}, F32).to_doubles(),
            (std::vector<double>{9, 2, 9, 4, 3, 9}));
  auto sum = make_op("scatter", {{"dim", int64_t{0}}, {"scatter_reduce_type", std::string("sum")}});
  EXPECT_EQ(run1(sum, {&x, &index, &src}, {3, 2}, F32).to_doubles(),
            (std::vector<double>{9, 11, 9, 13, 13, 9}));
  HostTensor bad = tensor({2, 2}, I32, {3, 0, 0, 0});
  expect_error(replace, {&x, &bad, &src}, {3, 2}, F32, ErrorCode::kInvalidArgument,
               {"op 'scatter'", "index 3 is out of range [0, 3)"});
}

TEST(ExtraOps, EmbeddingBackwardAccumulatesRows) {
  HostTensor idx = tensor({1, 3}, I32, {1, 0, 1});
  HostTensor weight = tensor({3, 2}, F32, {7, 7, 7, 7, 7, 7});
  HostTensor grad = tensor({1, 3, 2}, F32, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(run1(make_op("embedding_backward"), {&idx, &weight, &grad}, {3, 2}, F32).to_doubles(),
            (std::vector<double>{3, 4, 6, 8, 0, 0}));
  expect_error(make_op("embedding_backward"), {&idx, &weight, &grad}, {2, 3}, F32,
               ErrorCode::kInvalidArgument, {"op 'embedding_backward'", "result shape mismatch"});
}

TEST(ExtraOps, BatchNormTrainingNormalisesAndUpdatesRunningStats) {
  HostTensor x = tensor({2, 2}, F32, {1, 2, 3, 6});
  HostTensor scale = tensor({2}, F32, {1, 2}), offset = tensor({2}, F32, {0, 1});
  HostTensor mean = tensor({2}, F32, {0, 10}), var = tensor({2}, F32, {1, 1});
  auto op = make_op("batch_norm_training",
                    {{"dimension", int64_t{1}}, {"epsilon", 0.0}, {"momentum", 0.5}});
  auto out = run_n(op, {&x, &scale, &offset, &mean, &var}, {{{2, 2}, F32}, {{2}, F32}, {{2}, F32}});
  EXPECT_EQ(out[0].to_doubles(), (std::vector<double>{-1, -1, 1, 3}));
  EXPECT_EQ(out[1].to_doubles(), (std::vector<double>{1, 7}));
  EXPECT_EQ(out[2].to_doubles(), (std::vector<double>{1, 2.5}));
  HostTensor short_scale = tensor({1}, F32, {1});
  EXPECT_THROW(
      run_n(op, {&x, &short_scale, &offset, &mean, &var}, {{{2, 2}, F32}, {{2}, F32}, {{2}, F32}}),
      Error);
}

TEST(ExtraOps, SortIsStableAndCopiesValuesExactly) {
  HostTensor x = tensor({2, 3}, BF16, {3, 1, 2, 5, 5, 4});
  auto out = run_n(make_op("sort"), {&x}, {{{2, 3}, BF16}, {{2, 3}, I32}});
  EXPECT_EQ(out[0].to_doubles(), (std::vector<double>{1, 2, 3, 4, 5, 5}));
  EXPECT_EQ(out[1].to_doubles(), (std::vector<double>{1, 2, 0, 2, 0, 1}));
  auto down = run_n(make_op("sort", {{"descending", true}, {"dim", int64_t{0}}}), {&x},
                    {{{2, 3}, BF16}, {{2, 3}, I32}});
  EXPECT_EQ(down[0].to_doubles(), (std::vector<double>{5, 5, 4, 3, 1, 2}));
  EXPECT_EQ(down[1].to_doubles(), (std::vector<double>{1, 1, 1, 0, 0, 0}));
}

TEST(ExtraOps, MaxPoolWithIndicesReportsPlanePositions) {
  HostTensor x = tensor({1, 3, 3, 1}, F32, {1, 5, 2, 7, 3, 4, 0, 8, 6});
  auto op =
      make_op("max_pool2d_with_indices", {{"kernel", ints({2, 2})}, {"stride", ints({1, 1})}});
  auto out = run_n(op, {&x}, {{{1, 2, 2, 1}, F32}, {{1, 2, 2, 1}, I32}});
  EXPECT_EQ(out[0].to_doubles(), (std::vector<double>{7, 5, 8, 8}));
  EXPECT_EQ(out[1].to_doubles(), (std::vector<double>{3, 1, 7, 7}));
  EXPECT_THROW(run_n(op, {&x}, {{{1, 3, 3, 1}, F32}, {{1, 3, 3, 1}, I32}}), Error);
}

TEST(ExtraOps, ConvTranspose2dPaintsKernelBlocks) {
  HostTensor x = tensor({1, 2, 2, 1}, F32, {1, 2, 3, 4});
  HostTensor w = tensor({1, 1, 2, 2}, F32, {1, 10, 100, 1000});
  HostTensor bias = tensor({1, 1, 1, 1}, F32, {0.5});
  auto strided = make_op("conv_transpose2d", {{"stride", ints({2, 2})}});
  EXPECT_EQ(run1(strided, {&x, &w, &bias}, {1, 4, 4, 1}, F32).to_doubles(),
            (std::vector<double>{1.5, 10.5, 2.5, 20.5, 100.5, 1000.5, 200.5, 2000.5, 3.5, 30.5, 4.5,
                                 40.5, 300.5, 3000.5, 400.5, 4000.5}));
  HostTensor full = run1(make_op("conv_transpose2d"), {&x, &w}, {1, 3, 3, 1}, F32);
  EXPECT_EQ(full.at(4), 1234.0);
  expect_error(make_op("conv_transpose2d"), {&x, &w}, {1, 2, 2, 1}, F32,
               ErrorCode::kInvalidArgument, {"op 'conv_transpose2d'", "1x3x3x1"});
}

TEST(ExtraOps, Conv3dMatchesHandSums) {
  HostTensor x = tensor({1, 2, 2, 2, 1}, F32, {0, 1, 2, 3, 4, 5, 6, 7});
  HostTensor w = tensor({2, 1, 2, 2, 2}, F32, {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 2});
  HostTensor bias = tensor({2}, F32, {1, -1});
  EXPECT_EQ(run1(make_op("conv3d"), {&x, &w, &bias}, {1, 1, 1, 1, 2}, F32).to_doubles(),
            (std::vector<double>{29, 13}));
  auto padded = make_op("conv3d", {{"padding", ints({1, 1, 1})}, {"stride", ints({2, 2, 2})}});
  // Padding 1, stride 2 over depth/height/width of 2: 2x2x2 windows, each sees one input.
  HostTensor p = run1(padded, {&x, &w}, {1, 2, 2, 2, 2}, F32);
  EXPECT_EQ(p.at(2), 1.0);   // window (0,0,1), channel 0: x[0,0,1] through tap (1,1,0)
  EXPECT_EQ(p.at(14), 7.0);  // last window, channel 0: x[1,1,1] through tap (0,0,0)
  EXPECT_EQ(p.at(15), 0.0);  // same window, channel 1: tap (0,0,0) weighs 0
  expect_error(make_op("conv3d"), {&x, &w}, {1, 2, 2, 2, 2}, F32, ErrorCode::kInvalidArgument,
               {"op 'conv3d'", "result shape mismatch"});
}

TEST(ExtraOps, Bf16ConvTransposeRoundsOnce) {
  // Sum of 1 and four 2^-9 contributions: exact in f32 (1 + 2^-7), rounding per add would lose
  // them all.
  const double t = std::ldexp(1.0, -9);
  HostTensor x = tensor({1, 1, 1, 5}, BF16, {1, t, t, t, t});
  HostTensor w = tensor({5, 1, 1, 1}, BF16, {1, 1, 1, 1, 1});
  EXPECT_EQ(run1(make_op("conv_transpose2d"), {&x, &w}, {1, 1, 1, 1}, BF16).at(0),
            1.0 + std::ldexp(1.0, -7));
}

TEST(ExtraOps, AvgPoolTakesTheFlattenedForm) {
  // A 2x2 plane stored as [1, 1, 4, 1]; 2x2 windows, stride 1, padding 1: a 3x3 result stored
  // as [1, 1, 9, 1]. Every window lies inside the padded plane, so each divides by 4.
  HostTensor x = tensor({1, 1, 4, 1}, F32, {1, 2, 3, 4});
  auto op = make_op(
      "avg_pool2d",
      {{"kernel", std::vector<int64_t>{2, 2}},
       {"stride", std::vector<int64_t>{1, 1}},
       {"padding", std::vector<int64_t>{1, 1, 1, 1}},
       {"flattened_compat_info",
        std::string("#ttir<flattened_compat batch_size = 1, input_height = 2, input_width = 2>")}});
  EXPECT_EQ(run1(op, {&x}, {1, 1, 9, 1}, F32).to_doubles(),
            (std::vector<double>{0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1}));
  expect_error(op, {&x}, {1, 1, 8, 1}, F32, ErrorCode::kInvalidArgument,
               {"op 'avg_pool2d'", "result shape mismatch", "1x1x9x1"});
  HostTensor wrong = tensor({1, 1, 3, 1}, F32, {1, 2, 3});
  expect_error(op, {&wrong}, {1, 1, 9, 1}, F32, ErrorCode::kInvalidArgument,
               {"op 'avg_pool2d'", "flattened_compat_info"});
}

}  // namespace
}  // namespace meshrt::ops::testing
