// Reference-interpreter kernels (f64) for conv_transpose2d, conv3d and conv1d (a conv3d).
//
// conv_transpose2d: NHWC input, weight [in_channels, out_channels / groups, kh, kw]; each output
// pixel gathers the input pixels whose stride grid lands on it. conv3d: NDHWC input, weight
// [out_channels, in_channels / groups, kd, kh, kw], zero padding. Biases broadcast over the
// channel (last) dim.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

std::vector<int64_t> triple_attr(const OpContext& ctx, const std::string& key, int64_t fallback) {
  if (!ctx.op.has_attr(key)) return {fallback, fallback, fallback};
  std::vector<int64_t> v = ctx.op.ints_attr(key);
  if (v.size() == 1) return {v[0], v[0], v[0]};
  if (v.size() != 3) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("attribute '{}' has {} entries, expected 1 or 3", key, v.size()));
  }
  return v;
}

void expect_rank(const OpContext& ctx, const Tensor& t, int64_t rank, const char* what) {
  if (t.rank() != rank) {
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("{} must have rank {}, has shape {}", what,
                                                      rank, shape_to_string(t.shape)));
  }
}

// Adds a bias holding one value per channel (the last dim of `out`).
void add_channel_bias(const OpContext& ctx, Tensor& out, const std::vector<const Tensor*>& in,
                      size_t operand) {
  if (in.size() <= operand) return;
  const Tensor& bias = *in[operand];
  const int64_t channels = out.shape.back();
  if (bias.numel() != channels) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("bias {} must hold {} values", shape_to_string(bias.shape), channels));
  }
  for (int64_t i = 0; i < out.numel(); ++i) {
    out.v[static_cast<size_t>(i)] += bias.v[static_cast<size_t>(i % channels)];
  }
}

std::vector<Tensor> conv_transpose2d(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  const Tensor &x = *in[0], &w = *in[1];
  expect_rank(ctx, x, 4, "input");
  expect_rank(ctx, w, 4, "weight");
  const int64_t n = x.shape[0], h = x.shape[1], wd = x.shape[2], c = x.shape[3];
  const int64_t groups = ctx.op.int_attr_or("groups", 1);
  const int64_t ocg = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  if (groups < 1 || w.shape[0] != c || c % groups != 0) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("weight {} does not fit {} input channels in {} groups",
                         shape_to_string(w.shape), c, groups));
  }
  const int64_t icg = c / groups, oc = ocg * groups;
  const std::vector<int64_t> stride = pair_attr(ctx, "stride", 1);
  const std::vector<int64_t> dilation = pair_attr(ctx, "dilation", 1);
  const std::vector<int64_t> pad = padding4_attr(ctx, "padding");  // top, left, bottom, right
  const std::vector<int64_t> out_pad = pair_attr(ctx, "output_padding", 0);
  const int64_t oh =
      (h - 1) * stride[0] - pad[0] - pad[2] + dilation[0] * (kh - 1) + out_pad[0] + 1;
  const int64_t ow =
      (wd - 1) * stride[1] - pad[1] - pad[3] + dilation[1] * (kw - 1) + out_pad[1] + 1;
  Tensor out({n, oh, ow, oc}, ctx.result_dtype());
  auto weight = [&](int64_t i, int64_t o, int64_t a, int64_t b) {
    return w.v[static_cast<size_t>(((i * ocg + o) * kh + a) * kw + b)];
  };
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t y = 0; y < oh; ++y) {
      for (int64_t z = 0; z < ow; ++z) {
        for (int64_t o = 0; o < oc; ++o) {
          const int64_t g = o / ocg, og = o % ocg;
          double acc = 0;
          for (int64_t a = 0; a < kh; ++a) {
            const int64_t ty = y + pad[0] - a * dilation[0];
            if (ty < 0 || ty % stride[0] != 0 || ty / stride[0] >= h) continue;
            const int64_t iy = ty / stride[0];
            for (int64_t e = 0; e < kw; ++e) {
              const int64_t tz = z + pad[1] - e * dilation[1];
              if (tz < 0 || tz % stride[1] != 0 || tz / stride[1] >= wd) continue;
              const int64_t ix = tz / stride[1];
              for (int64_t i = 0; i < icg; ++i) {
                const int64_t ci = g * icg + i;
                acc += x.v[static_cast<size_t>(((b * h + iy) * wd + ix) * c + ci)] *
                       weight(ci, og, a, e);
              }
            }
          }
          out.v[static_cast<size_t>(((b * oh + y) * ow + z) * oc + o)] = acc;
        }
      }
    }
  }
  add_channel_bias(ctx, out, in, 2);
  return single(std::move(out));
}

// A 3-D convolution of an NDHWC input with weight [O, C / groups, kd, kh, kw], zero padding
// lo / hi per spatial dim; bias not added.
Tensor conv3d_ndhwc(const OpContext& ctx, const Tensor& x, const Tensor& w, int64_t groups,
                    const std::vector<int64_t>& stride, const std::vector<int64_t>& dilation,
                    const std::vector<int64_t>& pad_lo, const std::vector<int64_t>& pad_hi) {
  const Shape& xs = x.shape;
  const int64_t c = xs[4], oc = w.shape[0], icg = w.shape[1];
  if (groups < 1 || icg * groups != c || oc % groups != 0) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("weight {} does not fit {} input channels in {} groups",
                         shape_to_string(w.shape), c, groups));
  }
  const int64_t ocg = oc / groups;
  const Shape k = {w.shape[2], w.shape[3], w.shape[4]};
  Shape os = {xs[0], 0, 0, 0, oc};
  for (size_t i = 0; i < 3; ++i) {
    const int64_t span = xs[i + 1] + pad_lo[i] + pad_hi[i] - dilation[i] * (k[i] - 1) - 1;
    os[i + 1] = span < 0 ? 0 : span / stride[i] + 1;
  }
  Tensor out(os, ctx.result_dtype());
  const std::vector<int64_t> xst = row_major_strides(xs), wst = row_major_strides(w.shape);
  for_each_index(os, [&](int64_t flat, const std::vector<int64_t>& p) {
    const int64_t o = p[4], g = o / ocg;
    double acc = 0;
    for (int64_t a = 0; a < k[0]; ++a) {
      const int64_t iz = p[1] * stride[0] - pad_lo[0] + a * dilation[0];
      if (iz < 0 || iz >= xs[1]) continue;
      for (int64_t b = 0; b < k[1]; ++b) {
        const int64_t iy = p[2] * stride[1] - pad_lo[1] + b * dilation[1];
        if (iy < 0 || iy >= xs[2]) continue;
        for (int64_t e = 0; e < k[2]; ++e) {
          const int64_t ix = p[3] * stride[2] - pad_lo[2] + e * dilation[2];
          if (ix < 0 || ix >= xs[3]) continue;
          const int64_t xbase = p[0] * xst[0] + iz * xst[1] + iy * xst[2] + ix * xst[3] + g * icg;
          const int64_t wbase = o * wst[0] + a * wst[2] + b * wst[3] + e * wst[4];
          for (int64_t i = 0; i < icg; ++i) {
            acc +=
                x.v[static_cast<size_t>(xbase + i)] * w.v[static_cast<size_t>(wbase + i * wst[1])];
          }
        }
      }
    }
    out.v[static_cast<size_t>(flat)] = acc;
  });
  return out;
}

std::vector<Tensor> conv3d(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  const Tensor &x = *in[0], &w = *in[1];
  expect_rank(ctx, x, 5, "input");
  expect_rank(ctx, w, 5, "weight");
  const std::vector<int64_t> pad = triple_attr(ctx, "padding", 0);
  Tensor out = conv3d_ndhwc(ctx, x, w, ctx.op.int_attr_or("groups", 1),
                            triple_attr(ctx, "stride", 1), triple_attr(ctx, "dilation", 1), pad,
                            pad);
  add_channel_bias(ctx, out, in, 2);
  return single(std::move(out));
}

// conv1d: batch / length / channel dims where batch_dim, length_dim, channel_dim say (default
// N, L, C), weight [O, C / groups, K], padding p or [left, right]; a conv3d over [N, 1, 1, L, C]
// whose result goes back to the input's layout.
std::vector<Tensor> conv1d(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  const Tensor &x = *in[0], &w = *in[1];
  expect_rank(ctx, x, 3, "input");
  expect_rank(ctx, w, 3, "weight");
  const std::vector<int64_t> dims = {ctx.op.int_attr_or("batch_dim", 0),
                                     ctx.op.int_attr_or("length_dim", 1),
                                     ctx.op.int_attr_or("channel_dim", 2)};
  std::vector<bool> seen(3, false);
  for (int64_t d : dims) {
    if (d < 0 || d > 2 || seen[static_cast<size_t>(d)])
      ctx.fail(ErrorCode::kInvalidArgument, "batch_dim, length_dim, channel_dim must be 0, 1, 2");
    seen[static_cast<size_t>(d)] = true;
  }
  Tensor nlc = permute_tensor(x, dims);
  nlc.shape = {nlc.shape[0], 1, 1, nlc.shape[1], nlc.shape[2]};
  Tensor w5 = w;
  w5.shape = {w.shape[0], w.shape[1], 1, 1, w.shape[2]};
  auto one = [&](const char* key, int64_t fallback) {
    if (!ctx.op.has_attr(key)) return fallback;
    const std::vector<int64_t> v = ctx.op.ints_attr(key);
    if (v.size() != 1)
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("attribute '{}' has {} entries, expected 1", key, v.size()));
    return v[0];
  };
  std::vector<int64_t> pad = ctx.op.has_attr("padding") ? ctx.op.ints_attr("padding")
                                                        : std::vector<int64_t>{0};
  if (pad.size() != 1 && pad.size() != 2)
    ctx.fail(ErrorCode::kInvalidArgument, "padding needs 1 or 2 entries");
  Tensor out = conv3d_ndhwc(ctx, nlc, w5, ctx.op.int_attr_or("groups", 1),
                            {1, 1, one("stride", 1)}, {1, 1, one("dilation", 1)}, {0, 0, pad[0]},
                            {0, 0, pad.back()});
  add_channel_bias(ctx, out, in, 2);
  out.shape = {out.shape[0], out.shape[3], out.shape[4]};
  std::vector<int64_t> back(3);
  for (size_t i = 0; i < 3; ++i) back[static_cast<size_t>(dims[i])] = static_cast<int64_t>(i);
  return single(permute_tensor(out, back));
}

}  // namespace

void register_conv_transpose_3d_kernels(KernelTable& table) {
  table.device["conv_transpose2d"] = conv_transpose2d;
  table.device["conv3d"] = conv3d;
  table.device["conv1d"] = conv1d;
}

}  // namespace meshrt::reference::interp
