// Spatial ops on 4-D tensors: conv2d, max_pool2d, avg_pool2d, global_avg_pool2d, upsample2d.
// TTIR's default layout is NHWC; conv2d may name its dims (batch_dim, height_dim, ...).
#include <fmt/format.h>

#include <array>
#include <limits>

#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

struct Layout4d {
  int64_t n = 0, h = 1, w = 2, c = 3;
};

Layout4d layout_of(const OpChecker& c) {
  Layout4d l;
  l.n = c.int_attr_or("batch_dim", 0);
  l.h = c.int_attr_or("height_dim", 1);
  l.w = c.int_attr_or("width_dim", 2);
  l.c = c.int_attr_or("channel_dim", 3);
  for (int64_t d : {l.n, l.h, l.w, l.c}) {
    if (d < 0 || d > 3) c.fail(fmt::format("layout dim {} is out of range for rank 4", d));
  }
  return l;
}

// Kernel, stride, dilation, padding and scale values beyond this are refused (real ones are
// tiny); it keeps every product of them with a dim inside 128-bit arithmetic.
constexpr int64_t kMaxWindowAttr = int64_t{1} << 32;

void expect_rank4(const OpChecker& c, const Shape& s, const char* what) {
  if (s.size() != 4) c.fail(fmt::format("{} {} must have rank 4", what, shape_to_string(s)));
}

// Padding as (top, bottom, left, right) from 1, 2 or 4 values ([top, left, bottom, right]).
std::array<int64_t, 4> padding_of(const OpChecker& c) {
  std::vector<int64_t> p = c.has("padding") ? c.ints_attr("padding") : std::vector<int64_t>{0};
  for (int64_t x : p) {
    if (x < 0 || x > kMaxWindowAttr)
      c.fail(fmt::format("padding value {} is out of range [0, {}]", x, kMaxWindowAttr));
  }
  if (p.size() == 1) return {p[0], p[0], p[0], p[0]};
  if (p.size() == 2) return {p[0], p[0], p[1], p[1]};
  if (p.size() == 4) return {p[0], p[2], p[1], p[3]};
  c.fail(fmt::format("padding has {} values, expected 1, 2 or 4", p.size()));
}

std::vector<int64_t> pair_attr(const OpChecker& c, const std::string& key, int64_t fallback) {
  std::vector<int64_t> v = c.ints_or_scalar(key, 2, fallback);
  if (v.size() != 2) c.fail(fmt::format("{} has {} values, expected 1 or 2", key, v.size()));
  for (int64_t x : v) {
    if (x < 1 && key != "padding")
      c.fail(fmt::format("{} values must be positive, got {}", key, x));
    if (x > kMaxWindowAttr)
      c.fail(fmt::format("{} value {} is out of range (at most {})", key, x, kMaxWindowAttr));
  }
  return v;
}

// A result extent computed wide (a kernel is a weight dim, up to 2^48, times a dilation):
// what does not fit an int64 is reported as INT64_MAX, which no result shape matches.
int64_t narrow(__int128 v) {
  return v > std::numeric_limits<int64_t>::max() ? std::numeric_limits<int64_t>::max()
                                                 : static_cast<int64_t>(v);
}

int64_t window_count(int64_t size, int64_t pad_lo, int64_t pad_hi, int64_t kernel, int64_t stride,
                     int64_t dilation, bool ceil_mode) {
  const __int128 span = __int128{size} + pad_lo + pad_hi - __int128{dilation} * (kernel - 1) - 1;
  if (span < 0) return 0;
  __int128 out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= __int128{size} + pad_lo) --out;  // starts inside
  return narrow(out);
}

void check_conv2d(const OpChecker& c) {
  c.expect_operands(2, 3);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const Shape& weight = c.in(1);
  expect_rank4(c, in, "input");
  expect_rank4(c, weight, "weight");
  if (!c.inferring()) expect_rank4(c, c.out(), "result");
  Layout4d l = layout_of(c);
  int64_t groups = c.int_attr_or("groups", 1);
  if (groups < 1 || in[l.c] % groups != 0)
    c.fail(fmt::format("groups {} does not divide {} input channels", groups, in[l.c]));
  if (weight[1] * groups != in[l.c]) {
    c.fail(
        fmt::format("weight {} expects {} input channels per group but the input has {} channels "
                    "in {} group(s)",
                    shape_to_string(weight), weight[1], in[l.c], groups));
  }
  auto stride = pair_attr(c, "stride", 1);
  auto dilation = pair_attr(c, "dilation", 1);
  auto pad = padding_of(c);
  Shape expected(4);
  expected[l.n] = in[l.n];
  expected[l.c] = weight[0];
  expected[l.h] = window_count(in[l.h], pad[0], pad[1], weight[2], stride[0], dilation[0], false);
  expected[l.w] = window_count(in[l.w], pad[2], pad[3], weight[3], stride[1], dilation[1], false);
  c.expect_result_shape(expected);
  if (c.num_operands() == 3 && volume(c.in(2)) != weight[0]) {
    c.fail(fmt::format("bias {} must hold {} values", shape_to_string(c.in(2)), weight[0]));
  }
}

void check_pool2d(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  expect_rank4(c, in, "input");
  auto kernel = pair_attr(c, "kernel", 1);
  auto stride = pair_attr(c, "stride", 1);
  auto dilation = pair_attr(c, "dilation", 1);
  auto pad = padding_of(c);
  if (!c.inferring()) {
    expect_rank4(c, c.out(), "result");
    if (c.out()[3] != in[3])
      c.fail(fmt::format("result channels {} differ from input channels {}", c.out()[3], in[3]));
  }
  if (c.has("flattened_compat_info"))
    return;  // N*H*W flattened into one dim; sizes come from the info
  bool ceil_mode = c.bool_attr_or("ceil_mode", false);
  Shape expected = {
      in[0], window_count(in[1], pad[0], pad[1], kernel[0], stride[0], dilation[0], ceil_mode),
      window_count(in[2], pad[2], pad[3], kernel[1], stride[1], dilation[1], ceil_mode), in[3]};
  c.expect_result_shape(expected);
}

void check_global_avg_pool2d(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  expect_rank4(c, in, "input");
  c.expect_result_shape({in[0], 1, 1, in[3]});
}

void check_upsample2d(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  expect_rank4(c, in, "input");
  auto scale = pair_attr(c, "scale_factor", 1);
  c.expect_result_shape({in[0], narrow(__int128{in[1]} * scale[0]),
                         narrow(__int128{in[2]} * scale[1]), in[3]});
}

}  // namespace

void add_conv_checks(CheckTable& table) {
  table["conv2d"] = check_conv2d;
  table["max_pool2d"] = check_pool2d;
  table["avg_pool2d"] = check_pool2d;
  table["global_avg_pool2d"] = check_global_avg_pool2d;
  table["upsample2d"] = check_upsample2d;
}

}  // namespace meshrt::verify::detail
