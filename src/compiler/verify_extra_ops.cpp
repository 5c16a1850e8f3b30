// Verifier rules for the less common TTIR ops: cumprod, index, slice_dynamic, scatter,
// embedding_backward, batch_norm_training, max_pool2d_with_indices, sort, conv_transpose2d and
// conv3d. Each rule checks operand/result counts, result shapes and dtypes, and fails naming
// the op and its loc (through OpChecker).
#include <fmt/format.h>

#include <array>

#include "verify_util.hpp"

namespace meshrt::compiler::detail {

namespace {

std::string text(const Shape& s) { return shape_to_string(s); }

void expect_rank(const OpChecker& c, const Shape& s, size_t rank, const char* what) {
  if (s.size() != rank) c.fail(fmt::format("{} {} must have rank {}", what, text(s), rank));
}

void expect_integer(const OpChecker& c, DataType dtype, const char* what) {
  if (is_float(dtype) || dtype == DataType::kBool)
    c.fail(fmt::format("{} must have an integer element type, has {}", what, mlir_name(dtype)));
}

// Number of elements of begin:end:step (end exclusive, step > 0).
int64_t stepped_count(int64_t begin, int64_t end, int64_t step) {
  return end <= begin ? 0 : (end - begin + step - 1) / step;
}

void check_cumprod(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  c.dim_index(c.int_attr("dim"), c.in(0).size(), "dim");
  c.expect_result_shape(c.in(0));
}

// index: one strided slice `begin:end:step` along `dim`.
void check_index(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const int64_t dim = c.dim_index(c.int_attr("dim"), in.size(), "dim");
  const int64_t size = in[dim];
  int64_t begin = c.int_attr("begin"), end = c.int_attr("end");
  const int64_t step = c.int_attr_or("step", 1);
  if (begin < 0) begin += size;
  if (end < 0) end += size;
  if (step <= 0) c.fail(fmt::format("step must be positive, got {}", step));
  if (begin < 0 || begin > size || end > size)
    c.fail(fmt::format("range [{}, {}) is out of bounds for dim {} of size {}", begin, end, dim,
                       size));
  Shape expected = in;
  expected[dim] = stepped_count(begin, end, step);
  c.expect_result_shape(expected);
}

// slice_dynamic: begins/ends come as rank-1 integer tensors, so only ranks and dtypes are known
// before running; the result rank must match the input rank.
void check_slice_dynamic(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(1);
  const size_t rank = c.in(0).size();
  for (size_t k = 1; k < 3; ++k) {
    const char* what = k == 1 ? "begins" : "ends";
    expect_integer(c, c.operand(k).dtype, what);
    if (c.in(k).size() != 1 || c.in(k)[0] != static_cast<int64_t>(rank))
      c.fail(
          fmt::format("{} {} must hold one value per input dim ({})", what, text(c.in(k)), rank));
  }
  expect_rank(c, c.out(), rank, "result");
  if (c.has("step")) {
    std::vector<int64_t> step = c.ints_attr("step");
    if (step.size() != rank)
      c.fail(fmt::format("step has {} values for rank {}", step.size(), rank));
    for (int64_t s : step) {
      if (s <= 0) c.fail(fmt::format("step values must be positive, got {}", s));
    }
  }
  if (c.result(0).dtype != c.operand(0).dtype)
    c.fail(fmt::format("result dtype {} differs from input dtype {}", mlir_name(c.result(0).dtype),
                       mlir_name(c.operand(0).dtype)));
}

void check_scatter(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const Shape& index = c.in(1);
  const Shape& source = c.in(2);
  expect_integer(c, c.operand(1).dtype, "index");
  const int64_t dim = c.dim_index(c.int_attr("dim"), in.size(), "dim");
  if (index.size() != in.size() || source.size() != in.size())
    c.fail(fmt::format("input {}, index {} and source {} must have the same rank", text(in),
                       text(index), text(source)));
  for (size_t d = 0; d < in.size(); ++d) {
    if (index[d] > source[d] || (static_cast<int64_t>(d) != dim && index[d] > in[d]))
      c.fail(fmt::format("index {} does not fit dim {} of input {} / source {}", text(index), d,
                         text(in), text(source)));
  }
  if (c.has("scatter_reduce_type")) {
    const std::string kind = c.string_attr("scatter_reduce_type");
    if (kind != "invalid" && kind != "sum" && kind != "prod" && kind != "max" && kind != "min")
      c.fail(fmt::format("scatter_reduce_type '{}' is not supported", kind));
  }
  c.expect_result_shape(in);
}

void check_embedding_backward(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(1);
  const Shape& weight = c.in(1);
  const Shape& grad = c.in(2);
  expect_rank(c, weight, 2, "weight");
  if (grad.empty() || grad.back() != weight[1] || volume(grad) != volume(c.in(0)) * weight[1])
    c.fail(fmt::format("gradient {} must hold one row of {} values per index of {}", text(grad),
                       weight[1], text(c.in(0))));
  c.expect_result_shape(weight);
}

void check_batch_norm_training(const OpChecker& c) {
  c.expect_operands(5);
  c.expect_results(3);
  const Shape& in = c.in(0);
  const int64_t dim = c.dim_index(c.int_attr_or("dimension", 1), in.size(), "dimension");
  const char* names[] = {"scale", "offset", "running_mean", "running_variance"};
  for (size_t k = 1; k < 5; ++k) {
    if (volume(c.in(k)) != in[dim])
      c.fail(fmt::format("{} {} must hold {} values (channels)", names[k - 1], text(c.in(k)),
                         in[dim]));
  }
  c.expect_result_shape(in, 0);
  c.expect_result_shape(c.in(3), 1);
  c.expect_result_shape(c.in(4), 2);
}

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

void check_sort(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(2);
  c.dim_index(c.int_attr_or("dim", -1), c.in(0).size(), "dim");
  c.expect_result_shape(c.in(0), 0);
  c.expect_result_shape(c.in(0), 1);
  expect_integer(c, c.result(1).dtype, "indices result");
}

void check_topk(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(2);
  const int64_t dim = c.dim_index(c.int_attr_or("dim", -1), c.in(0).size(), "dim");
  const int64_t k = c.int_attr("k");
  if (k < 0 || k > c.in(0)[dim])
    c.fail(fmt::format("k {} is outside [0, {}] (dim {})", k, c.in(0)[dim], dim));
  Shape expected = c.in(0);
  expected[dim] = k;
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
      c.fail(fmt::format("batch_dim, length_dim, channel_dim are {}, {}, {}: they must be 0, 1 "
                         "and 2 in some order",
                         dims[0], dims[1], dims[2]));
    seen[d] = true;
  }
  const int64_t groups = c.int_attr_or("groups", 1);
  const int64_t channels = in[dims[2]];
  if (groups < 1 || channels % groups != 0 || w[1] * groups != channels || w[0] % groups != 0)
    c.fail(fmt::format("weight {} does not fit {} input channels in {} group(s)", text(w),
                       channels, groups));
  const int64_t stride = spatial_attr(c, "stride", 1, 1, false)[0];
  const int64_t dilation = spatial_attr(c, "dilation", 1, 1, false)[0];
  std::vector<int64_t> pad = c.has("padding") ? c.ints_attr("padding") : std::vector<int64_t>{0};
  if (pad.size() != 1 && pad.size() != 2)
    c.fail(fmt::format("padding has {} values, expected 1 or 2", pad.size()));
  for (int64_t p : pad)
    if (p < 0) c.fail(fmt::format("padding values must be non-negative, got {}", p));
  Shape expected(3);
  expected[dims[0]] = in[dims[0]];
  expected[dims[1]] =
      window_count(in[dims[1]], pad[0], pad.back(), w[2], stride, dilation, false);
  expected[dims[2]] = w[0];
  c.expect_result_shape(expected);
  expect_bias(c, 2, w[0]);
}

}  // namespace

void add_extra_op_checks(CheckTable& table) {
  table["cumprod"] = check_cumprod;
  table["index"] = check_index;
  table["slice_dynamic"] = check_slice_dynamic;
  table["scatter"] = check_scatter;
  table["embedding_backward"] = check_embedding_backward;
  table["batch_norm_training"] = check_batch_norm_training;
  table["max_pool2d_with_indices"] = check_max_pool2d_with_indices;
  table["sort"] = check_sort;
  table["topk"] = check_topk;
  table["conv_transpose2d"] = check_conv_transpose2d;
  table["conv3d"] = check_conv3d;
  table["conv1d"] = check_conv1d;
}

}  // namespace meshrt::compiler::detail
