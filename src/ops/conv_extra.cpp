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

void conv3d_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 3, out);
  const HostTensor &x = *in[0], &w = *in[1];
  HostTensor& o = *out[0];
  if (x.shape().size() != 5 || w.shape().size() != 5)
    fail(ErrorCode::kInvalidArgument, op, "conv3d needs rank-5 input and weight");
  const Shape& xs = x.shape();
  const int64_t n = xs[0], c = xs[4], oc = w.shape()[0], cg = w.shape()[1];
  const int64_t groups = op.int_attr_or("groups", 1);
  if (groups <= 0 || c != cg * groups || oc % groups != 0)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("input channels {} / weight {} / groups {} are inconsistent", c,
                     shape_to_string(w.shape()), groups));
  if (op.has_attr("padding_mode") && op.string_attr("padding_mode") != "zeros")
    fail(ErrorCode::kUnsupported, op,
         fmt::format("padding_mode '{}'", op.string_attr("padding_mode")));
  const auto s = spatial(op, "stride", 3, 1), dl = spatial(op, "dilation", 3, 1);
  const auto p = spatial(op, "padding", 3, 0);
  const int64_t k[3] = {w.shape()[2], w.shape()[3], w.shape()[4]};
  int64_t os[3];
  for (size_t i = 0; i < 3; ++i) {
    const int64_t span = xs[i + 1] + 2 * p[i] - dl[i] * (k[i] - 1) - 1;
    os[i] = span < 0 ? 0 : span / s[i] + 1;
  }
  expect_shape(op, o.shape(), Shape{n, os[0], os[1], os[2], oc}, "result");
  // Weights as [O][kd][kh][kw][cg] to match an im2col row.
  const std::vector<float> wv = to_f32(w);
  const int64_t kdim = k[0] * k[1] * k[2] * cg;
  std::vector<float> wt(static_cast<size_t>(oc * kdim));
  for (int64_t o_ = 0; o_ < oc; ++o_)
    for (int64_t ci = 0; ci < cg; ++ci)
      for (int64_t t = 0; t < k[0] * k[1] * k[2]; ++t)
        wt[static_cast<size_t>((o_ * k[0] * k[1] * k[2] + t) * cg + ci)] =
            wv[static_cast<size_t>((o_ * cg + ci) * k[0] * k[1] * k[2] + t)];
  const std::vector<float> xv = to_f32(x);
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
                  const int64_t iz = z * s[0] - p[0] + a * dl[0];
                  const int64_t iy = y * s[1] - p[1] + e * dl[1];
                  const int64_t ix = x_ * s[2] - p[2] + f * dl[2];
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
  add_bias(op, in, 2, result, oc);
  from_f32(result, o);
}

}  // namespace

void register_conv_extra(KernelTable& t) {
  t["conv_transpose2d"] = conv_transpose2d_kernel;
  t["conv3d"] = conv3d_kernel;
}

}  // namespace meshrt::ops::detail
