// Verifier rules for the sliding-window ops beyond conv2d and the plain pools: conv_transpose2d,
// conv3d, conv1d and max_pool2d_with_indices. Each rule checks operand/result counts, result
// shapes and dtypes, and fails naming the op and its loc (through OpChecker).
#include <fmt/format.h>

#include <array>

#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

std::string text(const Shape& s) { return shape_to_string(s); }

// Sliding-window output extent (floor or ceil mode), as for max_pool2d.
int64_t window_count(int64_t size, int64_t lo, int64_t hi, int64_t k, int64_t s, int64_t d,
                     bool ceil_mode) {
  const int64_t span = size + lo + hi - d * (k - 1) - 1;
  if (span < 0) return 0;
  int64_t n = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (n - 1) * s >= size + lo) --n;
  return n;
}

// `n` positive values from an attribute given as one value or n values.
std::vector<int64_t> spatial_attr(const OpChecker& c, const std::string& key, size_t n,
                                  int64_t fallback, bool allow_zero) {
  std::vector<int64_t> v = c.ints_or_scalar(key, n, fallback);
  if (v.size() != n) c.fail(fmt::format("{} has {} values, expected 1 or {}", key, v.size(), n));
  for (int64_t x : v) {
    if (x < 0 || (x == 0 && !allow_zero))
      c.fail(fmt::format("{} values must be {}, got {}", key,
                         allow_zero ? "non-negative" : "positive", x));
  }
  return v;
}

// Padding as [lo_0, lo_1, hi_0, hi_1] from 1, 2 or 4 values ([top, left, bottom, right]).
std::array<int64_t, 4> padding2d(const OpChecker& c) {
  std::vector<int64_t> p = c.has("padding") ? c.ints_attr("padding") : std::vector<int64_t>{0};
  if (p.size() == 1) return {p[0], p[0], p[0], p[0]};
  if (p.size() == 2) return {p[0], p[1], p[0], p[1]};
  if (p.size() == 4) return {p[0], p[1], p[2], p[3]};
  c.fail(fmt::format("padding has {} values, expected 1, 2 or 4", p.size()));
}

void check_max_pool2d_with_indices(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(2);
  const Shape& in = c.in(0);
  expect_rank(c, in, 4, "input");
  auto kernel = spatial_attr(c, "kernel", 2, 1, false);
  auto stride = spatial_attr(c, "stride", 2, 1, false);
  auto dilation = spatial_attr(c, "dilation", 2, 1, false);
  auto pad = padding2d(c);
  const bool ceil_mode = c.bool_attr_or("ceil_mode", false);
  const Shape expected = {
      in[0], window_count(in[1], pad[0], pad[2], kernel[0], stride[0], dilation[0], ceil_mode),
      window_count(in[2], pad[1], pad[3], kernel[1], stride[1], dilation[1], ceil_mode), in[3]};
  c.expect_result_shape(expected, 0);
  c.expect_result_shape(expected, 1);
  expect_integer(c, c.result(1).dtype, "indices result");
}

void expect_bias(const OpChecker& c, size_t operand, int64_t channels) {
  if (c.num_operands() > operand && volume(c.in(operand)) != channels)
    c.fail(fmt::format("bias {} must hold {} values", text(c.in(operand)), channels));
}

// conv_transpose2d: NHWC input, weight [in_channels, out_channels / groups, kh, kw].
void check_conv_transpose2d(const OpChecker& c) {
  c.expect_operands(2, 3);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const Shape& w = c.in(1);
  expect_rank(c, in, 4, "input");
  expect_rank(c, w, 4, "weight");
  const int64_t groups = c.int_attr_or("groups", 1);
  if (groups < 1 || in[3] % groups != 0)
    c.fail(fmt::format("groups {} does not divide {} input channels", groups, in[3]));
  if (w[0] != in[3])
    c.fail(
        fmt::format("weight {} expects {} input channels, the input has {}", text(w), w[0], in[3]));
  auto stride = spatial_attr(c, "stride", 2, 1, false);
  auto dilation = spatial_attr(c, "dilation", 2, 1, false);
  auto out_pad = spatial_attr(c, "output_padding", 2, 0, true);
  auto pad = padding2d(c);
  Shape expected = {in[0], 0, 0, w[1] * groups};
  for (size_t i = 0; i < 2; ++i) {
    expected[i + 1] = (in[i + 1] - 1) * stride[i] - pad[i] - pad[i + 2] +
                      dilation[i] * (w[i + 2] - 1) + out_pad[i] + 1;
  }
  c.expect_result_shape(expected);
  expect_bias(c, 2, expected[3]);
}

// conv3d: NDHWC input, weight [out_channels, in_channels / groups, kd, kh, kw].
void check_conv3d(const OpChecker& c) {
  c.expect_operands(2, 3);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const Shape& w = c.in(1);
  expect_rank(c, in, 5, "input");
  expect_rank(c, w, 5, "weight");
  const int64_t groups = c.int_attr_or("groups", 1);
  if (groups < 1 || in[4] % groups != 0 || w[1] * groups != in[4] || w[0] % groups != 0)
    c.fail(fmt::format("weight {} does not fit {} input channels in {} group(s)", text(w), in[4],
                       groups));
  if (c.has("padding_mode") && c.string_attr("padding_mode") != "zeros")
    c.fail(fmt::format("padding_mode '{}' is not supported", c.string_attr("padding_mode")));
  auto stride = spatial_attr(c, "stride", 3, 1, false);
  auto dilation = spatial_attr(c, "dilation", 3, 1, false);
  auto pad = spatial_attr(c, "padding", 3, 0, true);
  Shape expected = {in[0], 0, 0, 0, w[0]};
  for (size_t i = 0; i < 3; ++i) {
    expected[i + 1] =
        window_count(in[i + 1], pad[i], pad[i], w[i + 2], stride[i], dilation[i], false);
  }
  c.expect_result_shape(expected);
  expect_bias(c, 2, w[0]);
}

// conv1d: input and result with batch / length / channel dims where batch_dim, length_dim and
// channel_dim say (default N, L, C), weight [out_channels, in_channels / groups, kernel],
// padding one value or [left, right].
void check_conv1d(const OpChecker& c) {
  c.expect_operands(2, 3);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const Shape& w = c.in(1);
  expect_rank(c, in, 3, "input");
  expect_rank(c, w, 3, "weight");
  const int64_t dims[3] = {c.int_attr_or("batch_dim", 0), c.int_attr_or("length_dim", 1),
                           c.int_attr_or("channel_dim", 2)};
  bool seen[3] = {false, false, false};
  for (int64_t d : dims) {
    if (d < 0 || d > 2 || seen[d])
      c.fail(
          fmt::format("batch_dim, length_dim, channel_dim are {}, {}, {}: they must be 0, 1 "
                      "and 2 in some order",
                      dims[0], dims[1], dims[2]));
    seen[d] = true;
  }
  const int64_t groups = c.int_attr_or("groups", 1);
  const int64_t channels = in[dims[2]];
  if (groups < 1 || channels % groups != 0 || w[1] * groups != channels || w[0] % groups != 0)
    c.fail(fmt::format("weight {} does not fit {} input channels in {} group(s)", text(w), channels,
                       groups));
  const int64_t stride = spatial_attr(c, "stride", 1, 1, false)[0];
  const int64_t dilation = spatial_attr(c, "dilation", 1, 1, false)[0];
  std::vector<int64_t> pad = c.has("padding") ? c.ints_attr("padding") : std::vector<int64_t>{0};
  if (pad.size() != 1 && pad.size() != 2)
    c.fail(fmt::format("padding has {} values, expected 1 or 2", pad.size()));
  for (int64_t p : pad)
    if (p < 0) c.fail(fmt::format("padding values must be non-negative, got {}", p));
  Shape expected(3);
  expected[dims[0]] = in[dims[0]];
  expected[dims[1]] = window_count(in[dims[1]], pad[0], pad.back(), w[2], stride, dilation, false);
  expected[dims[2]] = w[0];
  c.expect_result_shape(expected);
  expect_bias(c, 2, w[0]);
}

}  // namespace

void add_window_checks(CheckTable& table) {
  table["max_pool2d_with_indices"] = check_max_pool2d_with_indices;
  table["conv_transpose2d"] = check_conv_transpose2d;
  table["conv3d"] = check_conv3d;
  table["conv1d"] = check_conv1d;
}

}  // namespace meshrt::verify::detail
