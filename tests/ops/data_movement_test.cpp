#include "ops_test_util.hpp"

namespace meshrt::ops::testing {
namespace {

constexpr DataType F32 = DataType::kFloat32;
constexpr DataType BF16 = DataType::kBFloat16;
constexpr DataType I32 = DataType::kInt32;
using V = std::vector<double>;
using I = std::vector<int64_t>;

TEST(DataMovement, ReshapePermuteTranspose) {
  HostTensor a = tensor({2, 3}, BF16, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(run1(make_op("reshape"), {&a}, {3, 2}, BF16).to_doubles(), (V{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(run1(make_op("unsqueeze"), {&a}, {1, 2, 3}, BF16).shape(), (Shape{1, 2, 3}));
  expect_error(make_op("reshape"), {&a}, {4, 2}, BF16, ErrorCode::kInvalidArgument,
               {"reshape", "6 elements", "8 elements"});
  EXPECT_EQ(run1(make_op("permute", {{"permutation", I{1, 0}}}), {&a}, {3, 2}, BF16).to_doubles(),
            (V{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(
      run1(make_op("transpose", {{"dim0", int64_t{-1}}, {"dim1", int64_t{-2}}}), {&a}, {3, 2}, BF16)
          .to_doubles(),
      (V{1, 4, 2, 5, 3, 6}));
  HostTensor b = tensor({2, 1, 2}, F32, {1, 2, 3, 4});
  EXPECT_EQ(
      run1(make_op("permute", {{"permutation", I{2, 0, 1}}}), {&b}, {2, 2, 1}, F32).to_doubles(),
      (V{1, 3, 2, 4}));
}

TEST(DataMovement, ConcatAndSlice) {
  HostTensor a = tensor({2, 1}, F32, {1, 2});
  HostTensor b = tensor({2, 2}, F32, {3, 4, 5, 6});
  EXPECT_EQ(run1(make_op("concat", {{"dim", int64_t{-1}}}), {&a, &b}, {2, 3}, F32).to_doubles(),
            (V{1, 3, 4, 2, 5, 6}));
  expect_error(make_op("concat", {{"dim", int64_t{0}}}), {&a, &b}, {4, 1}, F32,
               ErrorCode::kInvalidArgument, {"concat", "operand 1"});
  HostTensor c = tensor({2, 4}, F32, {0, 1, 2, 3, 4, 5, 6, 7});
  auto slice = make_op("slice_static", {{"begins", I{0, 1}}, {"ends", I{2, 4}}, {"step", I{1, 2}}});
  EXPECT_EQ(run1(slice, {&c}, {2, 2}, F32).to_doubles(), (V{1, 3, 5, 7}));
  auto neg = make_op("slice_static", {{"begins", I{1, -1}}, {"ends", I{2, 0}}, {"step", I{1, -1}}});
  EXPECT_EQ(run1(neg, {&c}, {1, 3}, F32).to_doubles(), (V{7, 6, 5}));
}

TEST(DataMovement, BroadcastRepeatInterleavePad) {
  HostTensor a = tensor({1, 2}, F32, {1, 2});
  EXPECT_EQ(run1(make_op("broadcast", {{"broadcast_dimensions", I{3, 1}}}), {&a}, {3, 2}, F32)
                .to_doubles(),
            (V{1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(
      run1(make_op("repeat", {{"repeat_dimensions", I{2, 2}}}), {&a}, {2, 4}, F32).to_doubles(),
      (V{1, 2, 1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(run1(make_op("repeat_interleave", {{"repeats", int64_t{2}}, {"dim", int64_t{1}}}), {&a},
                 {1, 4}, F32)
                .to_doubles(),
            (V{1, 1, 2, 2}));
  EXPECT_EQ(run1(make_op("pad", {{"padding", I{1, 0, 0, 1}}, {"value", -1.0}}), {&a}, {2, 3}, F32)
                .to_doubles(),
            (V{-1, -1, -1, 1, 2, -1}));
}

TEST(DataMovement, Embedding) {
  HostTensor idx = tensor({2}, I32, {2, 0});
  HostTensor w = tensor({3, 2}, BF16, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(run1(make_op("embedding"), {&idx, &w}, {2, 2}, BF16).to_doubles(), (V{5, 6, 1, 2}));
  HostTensor bad = tensor({1}, I32, {3});
  expect_error(make_op("embedding"), {&bad, &w}, {1, 2}, BF16, ErrorCode::kInvalidArgument,
               {"embedding", "outside [0, 3)"});
}

TEST(Creation, ConstantFullArange) {
  binary::DenseElements splat{{2, 2}, F32, {3.5}};
  EXPECT_EQ(run1(make_op("constant", {{"value", splat}}), {}, {2, 2}, F32).to_doubles(),
            (V{3.5, 3.5, 3.5, 3.5}));
  binary::DenseElements dense{{3}, I32, {1, 2, 3}};
  EXPECT_EQ(run1(make_op("constant", {{"value", dense}}), {}, {3}, I32).to_doubles(), (V{1, 2, 3}));
  expect_error(make_op("constant", {{"value", dense}}), {}, {4}, I32, ErrorCode::kInvalidArgument,
               {"constant", "3 values"});
  EXPECT_EQ(run1(make_op("full", {{"fill_value", int64_t{7}}}), {}, {2}, I32).to_doubles(),
            (V{7, 7}));
  EXPECT_EQ(run1(make_op("ones"), {}, {2}, BF16).to_doubles(), (V{1, 1}));
  EXPECT_EQ(run1(make_op("zeros"), {}, {2}, F32).to_doubles(), (V{0, 0}));
  auto ar = make_op("arange", {{"start", int64_t{1}},
                               {"end", int64_t{7}},
                               {"step", int64_t{2}},
                               {"arange_dimension", int64_t{1}}});
  EXPECT_EQ(run1(ar, {}, {2, 3}, F32).to_doubles(), (V{1, 3, 5, 1, 3, 5}));
  HostTensor a({4, 5}, F32);
  EXPECT_EQ(run1(make_op("get_dimension_size", {{"dimension", int64_t{1}}}), {&a}, {1}, I32).at(0),
            5);
}

TEST(ConvPool, Conv2dNhwcWithPaddingAndBias) {
  // 1x3x3x1 input, one 2x2 filter of ones, padding 0 -> sums of 2x2 windows.
  HostTensor x = tensor({1, 3, 3, 1}, F32, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  HostTensor w = tensor({1, 1, 2, 2}, F32, {1, 1, 1, 1});
  HostTensor b = tensor({1, 1, 1, 1}, F32, {100});
  auto op = make_op("conv2d", {{"stride", int64_t{1}},
                               {"padding", int64_t{0}},
                               {"dilation", int64_t{1}},
                               {"groups", int64_t{1}}});
  EXPECT_EQ(run1(op, {&x, &w, &b}, {1, 2, 2, 1}, F32).to_doubles(), (V{112, 116, 124, 128}));
  // padding [top, left, bottom, right] = [1, 1, 0, 0], stride 2.
  auto op2 = make_op("conv2d", {{"stride", I{2, 2}}, {"padding", I{1, 1, 0, 0}}});
  EXPECT_EQ(run1(op2, {&x, &w}, {1, 2, 2, 1}, F32).to_doubles(), (V{1, 5, 11, 28}));
  // NCHW layout through the *_dim attributes, 2 output channels.
  HostTensor xc = tensor({1, 1, 2, 2}, F32, {1, 2, 3, 4});
  HostTensor w2 = tensor({2, 1, 1, 1}, F32, {1, -1});
  auto op3 = make_op("conv2d", {{"batch_dim", int64_t{0}},
                                {"channel_dim", int64_t{1}},
                                {"height_dim", int64_t{2}},
                                {"width_dim", int64_t{3}}});
  EXPECT_EQ(run1(op3, {&xc, &w2}, {1, 2, 2, 2}, F32).to_doubles(), (V{1, 2, 3, 4, -1, -2, -3, -4}));
}

TEST(ConvPool, Pooling) {
  HostTensor x = tensor({1, 2, 2, 1}, F32, {1, 5, 3, 2});
  auto mp = make_op(
      "max_pool2d",
      {{"kernel", I{2, 2}}, {"stride", I{2, 2}}, {"padding", I{0, 0, 0, 0}}, {"ceil_mode", false}});
  EXPECT_EQ(run1(mp, {&x}, {1, 1, 1, 1}, F32).at(0), 5);
  auto ap = make_op("avg_pool2d", {{"kernel", I{2, 2}}, {"stride", I{2, 2}}});
  EXPECT_EQ(run1(ap, {&x}, {1, 1, 1, 1}, F32).at(0), 2.75);
  EXPECT_EQ(run1(make_op("global_avg_pool2d"), {&x}, {1, 1, 1, 1}, F32).at(0), 2.75);
  HostTensor up =
      run1(make_op("upsample2d", {{"scale_factor", int64_t{2}}}), {&x}, {1, 4, 4, 1}, F32);
  EXPECT_EQ(up.at(0), 1);
  EXPECT_EQ(up.at(3), 5);
  EXPECT_EQ(up.at(15), 2);
}

}  // namespace
}  // namespace meshrt::ops::testing
