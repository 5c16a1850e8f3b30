// Reference interpreter: conv2d, pooling, batch norm, upsampling (NHWC).
#include <cmath>

#include "reference/interp_test_util.hpp"

namespace meshrt::reference::testing {
namespace {

using DT = DataType;

TEST(InterpConv, Conv2dSumsWindowWithPaddingAndBias) {
  // 1x3x3x1 input of 1..9, one 2x2 all-ones filter, padding 0, stride 1.
  HostTensor x = iota_tensor({1, 3, 3, 1}, DT::kFloat32, 1);
  HostTensor w = make_tensor({1, 1, 2, 2}, {1, 1, 1, 1});
  HostTensor bias = make_tensor({1, 1, 1, 1}, {0.5});
  Attrs attrs = {{"stride", int64_t{1}},
                 {"padding", int64_t{0}},
                 {"dilation", int64_t{1}},
                 {"groups", int64_t{1}}};
  expect_values(run_op("conv2d", {x, w, bias}, {1, 2, 2, 1}, DT::kFloat32, attrs), {1, 2, 2, 1},
                {12.5, 16.5, 24.5, 28.5});
  // Padding 1 and stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1).
  Attrs padded = {{"stride", ints({2, 2})}, {"padding", ints({1, 1, 1, 1})}};
  expect_values(run_op("conv2d", {x, w}, {1, 2, 2, 1}, DT::kFloat32, padded), {1, 2, 2, 1},
                {1, 5, 11, 28});
}

TEST(InterpConv, Conv2dChannelsAndGroups) {
  // 1x1x1x2 input [2, 3]; two output channels.
  HostTensor x = make_tensor({1, 1, 1, 2}, {2, 3});
  HostTensor full = make_tensor({2, 2, 1, 1}, {1, 10, -1, 1});  // [O, I, 1, 1]
  expect_values(run_op("conv2d", {x, full}, {1, 1, 1, 2}), {1, 1, 1, 2}, {32, 1});
  HostTensor depthwise = make_tensor({2, 1, 1, 1}, {5, 7});  // groups = 2
  expect_values(
      run_op("conv2d", {x, depthwise}, {1, 1, 1, 2}, DT::kFloat32, {{"groups", int64_t{2}}}),
      {1, 1, 1, 2}, {10, 21});
}

TEST(InterpConv, Conv2dChannelFirstLayoutAttributes) {
  // NCHW input 1x2x1x1 = [2, 3] with the same weights as above.
  HostTensor x = make_tensor({1, 2, 1, 1}, {2, 3});
  HostTensor w = make_tensor({2, 2, 1, 1}, {1, 10, -1, 1});
  Attrs nchw = {{"batch_dim", int64_t{0}},
                {"channel_dim", int64_t{1}},
                {"height_dim", int64_t{2}},
                {"width_dim", int64_t{3}}};
  expect_values(run_op("conv2d", {x, w}, {1, 2, 1, 1}, DT::kFloat32, nchw), {1, 2, 1, 1}, {32, 1});
}

TEST(InterpConv, MaxAndAvgPool) {
  HostTensor x = iota_tensor({1, 4, 4, 1});
  Attrs attrs = {{"kernel", ints({2, 2})},
                 {"stride", ints({2, 2})},
                 {"dilation", ints({1, 1})},
                 {"padding", ints({0, 0, 0, 0})},
                 {"ceil_mode", false}};
  expect_values(run_op("max_pool2d", {x}, {1, 2, 2, 1}, DT::kFloat32, attrs), {1, 2, 2, 1},
                {5, 7, 13, 15});
  expect_values(run_op("avg_pool2d", {x}, {1, 2, 2, 1}, DT::kFloat32, attrs), {1, 2, 2, 1},
                {2.5, 4.5, 10.5, 12.5});
  // Padding 1 on top/left with a 2x2 window and stride 2 on a 2x2 input: corners.
  HostTensor y = make_tensor({1, 2, 2, 1}, {1, 2, 3, 4});
  Attrs padded = {
      {"kernel", ints({2, 2})}, {"stride", ints({2, 2})}, {"padding", ints({1, 1, 1, 1})}};
  expect_values(run_op("max_pool2d", {y}, {1, 2, 2, 1}, DT::kFloat32, padded), {1, 2, 2, 1},
                {1, 2, 3, 4});
  // count_include_pad (default): each window covers one real value out of four.
  expect_values(run_op("avg_pool2d", {y}, {1, 2, 2, 1}, DT::kFloat32, padded), {1, 2, 2, 1},
                {0.25, 0.5, 0.75, 1});
}

TEST(InterpConv, FlattenedCompatPoolReadsAndWritesFlatPixels) {
  // [1, 1, N*H*W, C] with N=1, H=2, W=2, C=1; 2x2 max pool -> one pixel.
  HostTensor x = make_tensor({1, 1, 4, 1}, {3, 9, -1, 4});
  Attrs attrs = {{"kernel", ints({2, 2})},
                 {"stride", ints({1, 1})},
                 {"flattened_compat_info",
                  std::string("#ttir<flattened_compat batch_size = 1, input_height = 2, "
                              "input_width = 2>")}};
  expect_values(run_op("max_pool2d", {x}, {1, 1, 1, 1}, DT::kFloat32, attrs), {1, 1, 1, 1}, {9});
  expect_values(run_op("avg_pool2d", {x}, {1, 1, 1, 1}, DT::kFloat32, attrs), {1, 1, 1, 1}, {3.75});
}

TEST(InterpConv, GlobalAvgPoolAndBatchNorm) {
  HostTensor x = make_tensor({1, 2, 1, 2}, {1, 10, 3, 20});
  expect_values(run_op("global_avg_pool2d", {x}, {1, 1, 1, 2}), {1, 1, 1, 2}, {2, 15});
  // Channels along dim 3: (x - mean) / sqrt(var + eps) * scale + offset.
  HostTensor scale = make_tensor({2}, {2, 1});
  HostTensor offset = make_tensor({2}, {0, 100});
  HostTensor mean = make_tensor({2}, {1, 10});
  HostTensor var = make_tensor({2}, {4, 25});
  expect_values(run_op("batch_norm_inference", {x, scale, offset, mean, var}, {1, 2, 1, 2},
                       DT::kFloat32, {{"dimension", int64_t{3}}, {"epsilon", 0.0}}),
                {1, 2, 1, 2}, {0, 100, 2, 102});
}

TEST(InterpConv, UpsampleNearestAndBilinear) {
  HostTensor x = make_tensor({1, 1, 2, 1}, {0, 4});
  expect_values(run_op("upsample2d", {x}, {1, 2, 4, 1}, DT::kFloat32,
                       {{"scale_factor", int64_t{2}}, {"mode", std::string("nearest")}}),
                {1, 2, 4, 1}, {0, 0, 4, 4, 0, 0, 4, 4});
  // Bilinear, half-pixel: source x = (dst + 0.5) / 2 - 0.5 -> -0.25(->0), 0.25, 0.75, 1.25(->1).
  expect_values(run_op("upsample2d", {x}, {1, 1, 4, 1}, DT::kFloat32,
                       {{"scale_factor", ints({1, 2})}, {"mode", std::string("bilinear")}}),
                {1, 1, 4, 1}, {0, 1, 3, 4});
}

}  // namespace
}  // namespace meshrt::reference::testing
