// Device kernels for conv_transpose2d and conv3d (f32 accumulation through sgemm, rounded once
// into the result dtype).
//
// conv_transpose2d: NHWC input, weight [in_channels, out_channels / groups, kh, kw]; computed as
// one gemm per image and group (input pixels x weight taps) whose rows are scattered onto the
// output grid (col2im). conv3d: NDHWC input, weight [out_channels, in_channels / groups, kd, kh,
// kw], zero padding [pd, ph, pw]; computed as im2col + gemm. Biases hold one value per output
// channel.
#include <cblas.h>

#include <algorithm>
#include <array>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// `n` values of an attribute spelled as one value or `n` values.
std::vector<int64_t> spatial(const binary::Op& op, const std::string& key, size_t n,
                             int64_t fallback) {
  std::vector<int64_t> v = ints_or_scalar(op, key, n, fallback);
  if (v.size() != n)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("{} has {} values, expected 1 or {}", key, v.size(), n));
  return v;
}

void add_bias(const binary::Op& op, Inputs in, size_t operand, std::vector<float>& out,
              int64_t channels) {
  if (in.size() <= operand) return;
  if (in[operand]->volume() != channels)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("bias has {} values, expected {}", in[operand]->volume(), channels));
  const std::vector<float> bias = to_f32(*in[operand]);
  for (size_t i = 0; i < out.size(); ++i) out[i] += bias[i % static_cast<size_t>(channels)];
}

void conv_transpose2d_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 3, out);
  const HostTensor &x = *in[0], &w = *in[1];
  HostTensor& o = *out[0];
  if (x.shape().size() != 4 || w.shape().size() != 4)
    fail(ErrorCode::kInvalidArgument, op, "conv_transpose2d needs rank-4 input and weight");
  const int64_t n = x.shape()[0], h = x.shape()[1], wd = x.shape()[2], c = x.shape()[3];
  const int64_t ocg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
  const int64_t groups = op.int_attr_or("groups", 1);
  if (groups <= 0 || w.shape()[0] != c || c % groups != 0)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("input channels {} / weight {} / groups {} are inconsistent", c,
                     shape_to_string(w.shape()), groups));
  const int64_t icg = c / groups, oc = ocg * groups;
  const auto s = spatial(op, "stride", 2, 1), d = spatial(op, "dilation", 2, 1);
  const auto op_pad = spatial(op, "output_padding", 2, 0);
  auto pad = ints_or_scalar(op, "padding", 2, 0);  // [top, left, bottom, right]
  if (pad.size() == 2) pad = {pad[0], pad[1], pad[0], pad[1]};
  if (pad.size() != 4) fail(ErrorCode::kInvalidArgument, op, "padding needs 1, 2 or 4 values");
  const int64_t oh = (h - 1) * s[0] - pad[0] - pad[2] + d[0] * (kh - 1) + op_pad[0] + 1;
  const int64_t ow = (wd - 1) * s[1] - pad[1] - pad[3] + d[1] * (kw - 1) + op_pad[1] + 1;
  expect_shape(op, o.shape(), Shape{n, oh, ow, oc}, "result");
  // Weights per group as [icg][kh][kw][ocg]: one gemm row per input pixel gives every tap.
  const std::vector<float> wv = to_f32(w);
  const int64_t taps = kh * kw * ocg;
  std::vector<float> wt(static_cast<size_t>(c * taps));
  for (int64_t i = 0; i < c; ++i)
    for (int64_t j = 0; j < ocg; ++j)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b)
          wt[static_cast<size_t>(((i * kh + a) * kw + b) * ocg + j)] =
              wv[static_cast<size_t>(((i * ocg + j) * kh + a) * kw + b)];
  const std::vector<float> xv = to_f32(x);
  std::vector<float> result(static_cast<size_t>(n * oh * ow * oc), 0.0f);
  std::vector<float> cols(static_cast<size_t>(h * wd * taps));
  for (int64_t b_ = 0; b_ < n; ++b_)
    for (int64_t g = 0; g < groups; ++g) {
      if (h * wd == 0 || taps == 0 || icg == 0) continue;
      single_threaded_blas();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(h * wd),
                  static_cast<int>(taps), static_cast<int>(icg), 1.0f,
                  xv.data() + b_ * h * wd * c + g * icg, static_cast<int>(c),
                  wt.data() + g * icg * taps, static_cast<int>(taps), 0.0f, cols.data(),
                  static_cast<int>(taps));
      for (int64_t iy = 0; iy < h; ++iy)
        for (int64_t ix = 0; ix < wd; ++ix)
          for (int64_t a = 0; a < kh; ++a) {
            const int64_t y = iy * s[0] - pad[0] + a * d[0];
            if (y < 0 || y >= oh) continue;
            for (int64_t e = 0; e < kw; ++e) {
              const int64_t z = ix * s[1] - pad[1] + e * d[1];
              if (z < 0 || z >= ow) continue;
              const float* src = cols.data() + ((iy * wd + ix) * kh * kw + a * kw + e) * ocg;
              float* dst = result.data() + ((b_ * oh + y) * ow + z) * oc + g * ocg;
              for (int64_t j = 0; j < ocg; ++j) dst[j] += src[j];
            }
          }
    }
  add_bias(op, in, 2, result, oc);
  from_f32(result, o);
}

// A 3-D convolution: NDHWC input `xv` of shape xs, weight [O, C / groups, kd, kh, kw], zero
// padding lo/hi per spatial dim. Returns the NDHWC result (shape in `os`), bias not added.
struct Conv3dGeometry {
  int64_t groups = 1;
  std::array<int64_t, 3> stride{1, 1, 1}, dilation{1, 1, 1}, pad_lo{}, pad_hi{};
};

std::vector<float> conv3d_ndhwc(const binary::Op& op, const std::vector<float>& xv,
                                const Shape& xs, const std::vector<float>& wv, const Shape& ws,
                                const Conv3dGeometry& g_, Shape& os_out) {
  const int64_t n = xs[0], c = xs[4], oc = ws[0], cg = ws[1], groups = g_.groups;
  if (groups <= 0 || c != cg * groups || oc % groups != 0)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("input channels {} / weight {} / groups {} are inconsistent", c,
                     shape_to_string(ws), groups));
  const auto &s = g_.stride, &dl = g_.dilation, &pl = g_.pad_lo;
  const int64_t k[3] = {ws[2], ws[3], ws[4]};
  int64_t os[3];
  for (size_t i = 0; i < 3; ++i) {
    const int64_t span = xs[i + 1] + pl[i] + g_.pad_hi[i] - dl[i] * (k[i] - 1) - 1;
    os[i] = span < 0 ? 0 : span / s[i] + 1;
  }
  os_out = Shape{n, os[0], os[1], os[2], oc};
  // Weights as [O][kd][kh][kw][cg] to match an im2col row.
  const int64_t kdim = k[0] * k[1] * k[2] * cg;
  std::vector<float> wt(static_cast<size_t>(oc * kdim));
  for (int64_t o_ = 0; o_ < oc; ++o_)
    for (int64_t ci = 0; ci < cg; ++ci)
      for (int64_t t = 0; t < k[0] * k[1] * k[2]; ++t)
        wt[static_cast<size_t>((o_ * k[0] * k[1] * k[2] + t) * cg + ci)] =
            wv[static_cast<size_t>((o_ * cg + ci) * k[0] * k[1] * k[2] + t)];
  const int64_t pixels = os[0] * os[1] * os[2], og = oc / groups;
  std::vector<float> result(static_cast<size_t>(n * pixels * oc), 0.0f);
  std::vector<float> cols(static_cast<size_t>(pixels * kdim));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      float* row = cols.data();
      for (int64_t z = 0; z < os[0]; ++z)
        for (int64_t y = 0; y < os[1]; ++y)
          for (int64_t x_ = 0; x_ < os[2]; ++x_)
            for (int64_t a = 0; a < k[0]; ++a)
              for (int64_t e = 0; e < k[1]; ++e)
                for (int64_t f = 0; f < k[2]; ++f, row += cg) {
                  const int64_t iz = z * s[0] - pl[0] + a * dl[0];
                  const int64_t iy = y * s[1] - pl[1] + e * dl[1];
                  const int64_t ix = x_ * s[2] - pl[2] + f * dl[2];
                  if (iz < 0 || iz >= xs[1] || iy < 0 || iy >= xs[2] || ix < 0 || ix >= xs[3]) {
                    std::fill(row, row + cg, 0.0f);
                  } else {
                    const float* src =
                        xv.data() + (((b * xs[1] + iz) * xs[2] + iy) * xs[3] + ix) * c + g * cg;
                    std::copy(src, src + cg, row);
                  }
                }
      if (pixels == 0 || og == 0) continue;
      single_threaded_blas();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(pixels),
                  static_cast<int>(og), static_cast<int>(kdim), 1.0f, cols.data(),
                  static_cast<int>(kdim), wt.data() + g * og * kdim, static_cast<int>(kdim), 0.0f,
                  result.data() + b * pixels * oc + g * og, static_cast<int>(oc));
    }
  return result;
}

void conv3d_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 3, out);
  const HostTensor &x = *in[0], &w = *in[1];
  HostTensor& o = *out[0];
  if (x.shape().size() != 5 || w.shape().size() != 5)
    fail(ErrorCode::kInvalidArgument, op, "conv3d needs rank-5 input and weight");
  if (op.has_attr("padding_mode") && op.string_attr("padding_mode") != "zeros")
    fail(ErrorCode::kUnsupported, op,
         fmt::format("padding_mode '{}'", op.string_attr("padding_mode")));
  Conv3dGeometry geo;
  geo.groups = op.int_attr_or("groups", 1);
  const auto s = spatial(op, "stride", 3, 1), dl = spatial(op, "dilation", 3, 1);
  const auto p = spatial(op, "padding", 3, 0);
  for (size_t i = 0; i < 3; ++i) {
    geo.stride[i] = s[i], geo.dilation[i] = dl[i], geo.pad_lo[i] = p[i], geo.pad_hi[i] = p[i];
  }
  Shape os;
  std::vector<float> result = conv3d_ndhwc(op, to_f32(x), x.shape(), to_f32(w), w.shape(), geo, os);
  expect_shape(op, o.shape(), os, "result");
  add_bias(op, in, 2, result, os[4]);
  from_f32(result, o);
}

// conv1d: input with batch, length and channel dims where batch_dim / length_dim / channel_dim
// say (default N, L, C), weight [O, C / groups, K], padding one value or [left, right], bias one
// value per output channel; the result in the input's layout. Computed as a conv3d over
// [N, 1, 1, L, C].
void conv1d_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 3, out);
  const HostTensor &x = *in[0], &w = *in[1];
  HostTensor& o = *out[0];
  if (x.shape().size() != 3 || w.shape().size() != 3)
    fail(ErrorCode::kInvalidArgument, op, "conv1d needs rank-3 input and weight");
  const std::array<int64_t, 3> dims = {op.int_attr_or("batch_dim", 0),
                                       op.int_attr_or("length_dim", 1),
                                       op.int_attr_or("channel_dim", 2)};
  const Shape& xs = x.shape();
  for (int64_t d : dims)
    if (d < 0 || d > 2 || std::count(dims.begin(), dims.end(), d) != 1)
      fail(ErrorCode::kInvalidArgument, op, "batch_dim, length_dim, channel_dim must be 0, 1, 2");
  // The input as N, L, C.
  const std::vector<int64_t> st = row_major_strides(xs);
  const int64_t n = xs[dims[0]], len = xs[dims[1]], c = xs[dims[2]];
  const std::vector<float> xv = to_f32(x);
  std::vector<float> nlc(xv.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t l = 0; l < len; ++l)
      for (int64_t ch = 0; ch < c; ++ch)
        nlc[static_cast<size_t>((b * len + l) * c + ch)] =
            xv[static_cast<size_t>(b * st[dims[0]] + l * st[dims[1]] + ch * st[dims[2]])];
  Conv3dGeometry geo;
  geo.groups = op.int_attr_or("groups", 1);
  geo.stride[2] = spatial(op, "stride", 1, 1)[0];
  geo.dilation[2] = spatial(op, "dilation", 1, 1)[0];
  const std::vector<int64_t> pad = ints_or_scalar(op, "padding", 1, 0);
  if (pad.size() != 1 && pad.size() != 2)
    fail(ErrorCode::kInvalidArgument, op, "padding needs 1 or 2 values");
  geo.pad_lo[2] = pad[0];
  geo.pad_hi[2] = pad.back();
  const Shape ws = {w.shape()[0], w.shape()[1], 1, 1, w.shape()[2]};
  Shape os;
  std::vector<float> result =
      conv3d_ndhwc(op, nlc, Shape{n, 1, 1, len, c}, to_f32(w), ws, geo, os);
  add_bias(op, in, 2, result, os[4]);
  // Back to the input's layout.
  Shape expected(3);
  expected[dims[0]] = n, expected[dims[1]] = os[3], expected[dims[2]] = os[4];
  expect_shape(op, o.shape(), expected, "result");
  const std::vector<int64_t> ost = row_major_strides(expected);
  std::vector<float> placed(result.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t l = 0; l < os[3]; ++l)
      for (int64_t ch = 0; ch < os[4]; ++ch)
        placed[static_cast<size_t>(b * ost[dims[0]] + l * ost[dims[1]] + ch * ost[dims[2]])] =
            result[static_cast<size_t>((b * os[3] + l) * os[4] + ch)];
  from_f32(placed, o);
}

}  // namespace

void register_conv_transpose_3d(KernelTable& t) {
  t["conv_transpose2d"] = conv_transpose2d_kernel;
  t["conv3d"] = conv3d_kernel;
  t["conv1d"] = conv1d_kernel;
}

}  // namespace meshrt::ops::detail
