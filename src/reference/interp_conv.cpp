// Convolution, pooling and normalisation kernels of the reference interpreter: conv2d,
// max_pool2d, max_pool2d_with_indices, avg_pool2d, global_avg_pool2d, batch_norm_inference,
// batch_norm_training, upsample2d.
//
// TTIR's default image layout is NHWC; conv2d weights are [out_channels, in_channels / groups,
// kernel_h, kernel_w]. conv2d also accepts batch_dim/height_dim/width_dim/channel_dim.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string>
#include <variant>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

void expect_rank(const OpContext& ctx, const Tensor& t, int64_t rank, const char* what) {
  if (t.rank() != rank) {
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("{} must have rank {}, has shape {}", what,
                                                      rank, shape_to_string(t.shape)));
  }
}

// Output size of a sliding window along one spatial dim.
int64_t window_count(int64_t size, int64_t pad_lo, int64_t pad_hi, int64_t kernel, int64_t stride,
                     int64_t dilation, bool ceil_mode) {
  const int64_t span = size + pad_lo + pad_hi - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  int64_t count = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // A last window that would start inside the trailing padding is dropped (as torch does).
  if (ceil_mode && (count - 1) * stride >= size + pad_lo) --count;
  return count;
}

// Reads `key = <int>` out of the text of a flattened_compat_info attribute.
int64_t flattened_field(const OpContext& ctx, const std::string& text, const std::string& key) {
  size_t at = text.find(key);
  if (at == std::string::npos || (at = text.find('=', at)) == std::string::npos) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("flattened_compat_info '{}' lacks {}", text, key));
  }
  return std::stoll(text.substr(at + 1));
}

// Ops with flattened_compat_info take [1, 1, N*H*W, C] and declare a result of the same form:
// unflatten the input to NHWC here; the result is flattened back by `reflatten`.
Tensor unflatten(const OpContext& ctx, const Tensor& x) {
  if (!ctx.op.has_attr("flattened_compat_info")) return x;
  const auto* text = std::get_if<std::string>(&ctx.op.attrs.at("flattened_compat_info"));
  if (!text) ctx.fail(ErrorCode::kInvalidArgument, "flattened_compat_info is not text");
  const int64_t n = flattened_field(ctx, *text, "batch_size");
  const int64_t h = flattened_field(ctx, *text, "input_height");
  const int64_t w = flattened_field(ctx, *text, "input_width");
  if (x.rank() != 4 || n * h * w * x.shape[3] != x.numel()) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("input {} does not hold {}x{}x{} flattened pixels",
                         shape_to_string(x.shape), n, h, w));
  }
  Tensor out = x;
  out.shape = {n, h, w, x.shape[3]};
  return out;
}

Tensor reflatten(const OpContext& ctx, Tensor t) {
  if (ctx.op.has_attr("flattened_compat_info") && t.numel() == volume(ctx.result_shape())) {
    t.shape = ctx.result_shape();
  }
  return t;
}

std::vector<Tensor> conv2d(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  const Tensor input_any = unflatten(ctx, *in[0]);
  const Tensor& weight = *in[1];
  expect_rank(ctx, input_any, 4, "input");
  expect_rank(ctx, weight, 4, "weight");
  // Canonical NHWC order of the input's dims.
  const std::vector<int64_t> pos = {
      ctx.op.int_attr_or("batch_dim", 0), ctx.op.int_attr_or("height_dim", 1),
      ctx.op.int_attr_or("width_dim", 2), ctx.op.int_attr_or("channel_dim", 3)};
  const Tensor input = permute_tensor(input_any, pos);
  const int64_t n = input.shape[0], h = input.shape[1], w = input.shape[2], c = input.shape[3];
  const int64_t groups = ctx.op.int_attr_or("groups", 1);
  const int64_t oc = weight.shape[0], icg = weight.shape[1], kh = weight.shape[2],
                kw = weight.shape[3];
  if (groups < 1 || c % groups != 0 || oc % groups != 0 || icg != c / groups) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("weight {} does not fit {} input channels in {} groups",
                         shape_to_string(weight.shape), c, groups));
  }
  const std::vector<int64_t> stride = pair_attr(ctx, "stride", 1);
  const std::vector<int64_t> dilation = pair_attr(ctx, "dilation", 1);
  const std::vector<int64_t> pad = padding4_attr(ctx, "padding");  // top, left, bottom, right
  const int64_t oh = window_count(h, pad[0], pad[2], kh, stride[0], dilation[0], false);
  const int64_t ow = window_count(w, pad[1], pad[3], kw, stride[1], dilation[1], false);
  Tensor out({n, oh, ow, oc}, ctx.result_dtype());
  const int64_t ocg = oc / groups;
  // Weights as [O, kh, kw, I/groups] so the innermost loop reads both operands contiguously.
  const Tensor wt = permute_tensor(weight, {0, 2, 3, 1});
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t y = 0; y < oh; ++y) {
      for (int64_t x = 0; x < ow; ++x) {
        for (int64_t o = 0; o < oc; ++o) {
          const int64_t g = o / ocg;
          double acc = 0;
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int64_t iy = y * stride[0] - pad[0] + ky * dilation[0];
            if (iy < 0 || iy >= h) continue;
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t ix = x * stride[1] - pad[1] + kx * dilation[1];
              if (ix < 0 || ix >= w) continue;
              const double* px =
                  &input.v[static_cast<size_t>(((b * h + iy) * w + ix) * c + g * icg)];
              const double* pw = &wt.v[static_cast<size_t>(((o * kh + ky) * kw + kx) * icg)];
              for (int64_t i = 0; i < icg; ++i) {
                acc += px[i] * pw[i];
              }
            }
          }
          out.v[static_cast<size_t>(((b * oh + y) * ow + x) * oc + o)] = acc;
        }
      }
    }
  }
  // Back to the input's layout: result dim pos[q] holds canonical dim q.
  std::vector<int64_t> back(4);
  for (int64_t q = 0; q < 4; ++q) back[static_cast<size_t>(pos[static_cast<size_t>(q)])] = q;
  Tensor result = permute_tensor(out, back);
  if (in.size() > 2) {
    const Tensor& bias = *in[2];
    Shape shape = broadcast_shapes(ctx, result.shape, bias.shape);
    if (shape != result.shape) ctx.fail(ErrorCode::kInvalidArgument, "bias does not broadcast");
    std::vector<int64_t> map = broadcast_index_map(bias.shape, shape);
    for (size_t i = 0; i < result.v.size(); ++i) result.v[i] += bias.v[static_cast<size_t>(map[i])];
  }
  return single(reflatten(ctx, std::move(result)));
}

std::vector<Tensor> pool2d(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor x = unflatten(ctx, *in[0]);
  expect_rank(ctx, x, 4, "input");
  const bool is_max = ctx.op.name == "max_pool2d";
  const int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  const std::vector<int64_t> kernel = pair_attr(ctx, "kernel", 1);
  const std::vector<int64_t> stride = pair_attr(ctx, "stride", 1);
  const std::vector<int64_t> dilation = pair_attr(ctx, "dilation", 1);
  const std::vector<int64_t> pad = padding4_attr(ctx, "padding");  // top, left, bottom, right
  const bool ceil_mode = ctx.op.bool_attr_or("ceil_mode", false);
  const bool include_pad = ctx.op.bool_attr_or("count_include_pad", true);
  const int64_t oh = window_count(h, pad[0], pad[2], kernel[0], stride[0], dilation[0], ceil_mode);
  const int64_t ow = window_count(w, pad[1], pad[3], kernel[1], stride[1], dilation[1], ceil_mode);
  Tensor out({n, oh, ow, c}, ctx.result_dtype());
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t y = 0; y < oh; ++y) {
      for (int64_t xo = 0; xo < ow; ++xo) {
        for (int64_t ch = 0; ch < c; ++ch) {
          double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
          int64_t valid = 0, in_padded = 0;
          for (int64_t ky = 0; ky < kernel[0]; ++ky) {
            const int64_t iy = y * stride[0] - pad[0] + ky * dilation[0];
            if (iy >= h + pad[2]) continue;
            for (int64_t kx = 0; kx < kernel[1]; ++kx) {
              const int64_t ix = xo * stride[1] - pad[1] + kx * dilation[1];
              if (ix >= w + pad[3]) continue;
              ++in_padded;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              ++valid;
              const double v = x.v[static_cast<size_t>(((b * h + iy) * w + ix) * c + ch)];
              if (is_max) {
                if (v > acc || std::isnan(v)) acc = v;
              } else {
                acc += v;
              }
            }
          }
          if (!is_max) acc /= static_cast<double>(include_pad ? in_padded : valid);
          out.v[static_cast<size_t>(((b * oh + y) * ow + xo) * c + ch)] = acc;
        }
      }
    }
  }
  return single(reflatten(ctx, std::move(out)));
}

std::vector<Tensor> global_avg_pool2d(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  expect_rank(ctx, x, 4, "input");
  const int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  Tensor out({n, 1, 1, c}, ctx.result_dtype());
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t i = 0; i < h * w; ++i) {
      for (int64_t ch = 0; ch < c; ++ch) {
        out.v[static_cast<size_t>(b * c + ch)] +=
            x.v[static_cast<size_t>((b * h * w + i) * c + ch)];
      }
    }
  }
  for (double& v : out.v) v /= static_cast<double>(h * w);
  return single(std::move(out));
}

// (x - mean) / sqrt(variance + epsilon) * scale + offset, per channel along `dimension`.
std::vector<Tensor> batch_norm_inference(const OpContext& ctx,
                                         const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 5);
  const Tensor& x = *in[0];
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr_or("dimension", 1), x.rank());
  const double eps = ctx.op.float_attr_or("epsilon", 1e-5);
  const int64_t channels = x.shape[static_cast<size_t>(dim)];
  for (size_t k = 1; k < 5; ++k) {
    if (in[k]->numel() != channels) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("operand {} has {} elements, expected {} channels", k, in[k]->numel(),
                           channels));
    }
  }
  const Tensor &scale = *in[1], &offset = *in[2], &mean = *in[3], &var = *in[4];
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(dim) + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  Tensor out(x.shape, ctx.result_dtype());
  for (int64_t i = 0; i < x.numel(); ++i) {
    const size_t ch = static_cast<size_t>((i / inner) % channels);
    out.v[static_cast<size_t>(i)] =
        (x.v[static_cast<size_t>(i)] - mean.v[ch]) / std::sqrt(var.v[ch] + eps) * scale.v[ch] +
        offset.v[ch];
  }
  return single(std::move(out));
}

// NHWC upsampling by an integer factor; mode "nearest" (default) or "bilinear"
// (half-pixel centres, not aligned corners).
std::vector<Tensor> upsample2d(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  expect_rank(ctx, x, 4, "input");
  const std::vector<int64_t> scale = pair_attr(ctx, "scale_factor", 1);
  const std::string mode = ctx.op.has_attr("mode") ? ctx.op.string_attr("mode") : "nearest";
  if (mode != "nearest" && mode != "bilinear") {
    ctx.fail(ErrorCode::kUnsupported, fmt::format("mode '{}' is not supported", mode));
  }
  const int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  const int64_t oh = h * scale[0], ow = w * scale[1];
  Tensor out({n, oh, ow, c}, ctx.result_dtype());
  auto at = [&](int64_t b, int64_t y, int64_t xx, int64_t ch) {
    return x.v[static_cast<size_t>(((b * h + y) * w + xx) * c + ch)];
  };
  // Source coordinate of an output coordinate (bilinear): lower index and weight of the upper.
  auto source = [](int64_t dst, int64_t factor, int64_t size, int64_t* lo, int64_t* hi) {
    double s = (static_cast<double>(dst) + 0.5) / static_cast<double>(factor) - 0.5;
    if (s < 0) s = 0;
    *lo = std::min<int64_t>(static_cast<int64_t>(std::floor(s)), size - 1);
    *hi = std::min<int64_t>(*lo + 1, size - 1);
    return s - static_cast<double>(*lo);
  };
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t y = 0; y < oh; ++y) {
      for (int64_t xo = 0; xo < ow; ++xo) {
        for (int64_t ch = 0; ch < c; ++ch) {
          double v;
          if (mode == "nearest") {
            v = at(b, y / scale[0], xo / scale[1], ch);
          } else {
            int64_t y0, y1, x0, x1;
            const double fy = source(y, scale[0], h, &y0, &y1);
            const double fx = source(xo, scale[1], w, &x0, &x1);
            v = (1 - fy) * ((1 - fx) * at(b, y0, x0, ch) + fx * at(b, y0, x1, ch)) +
                fy * ((1 - fx) * at(b, y1, x0, ch) + fx * at(b, y1, x1, ch));
          }
          out.v[static_cast<size_t>(((b * oh + y) * ow + xo) * c + ch)] = v;
        }
      }
    }
  }
  return single(std::move(out));
}

// Normalises with the batch statistics of each channel along `dimension` (biased variance) and
// returns the running statistics moved towards them by `momentum`.
std::vector<Tensor> batch_norm_training(const OpContext& ctx,
                                        const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 5);
  const Tensor& x = *in[0];
  const int64_t dim = normalize_dim(ctx, ctx.op.int_attr_or("dimension", 1), x.rank());
  const double eps = ctx.op.float_attr_or("epsilon", 1e-5);
  const double momentum = ctx.op.float_attr_or("momentum", 0.1);
  const int64_t channels = x.shape[static_cast<size_t>(dim)];
  for (size_t k = 1; k < 5; ++k) {
    if (in[k]->numel() != channels)
      ctx.fail(ErrorCode::kInvalidArgument, fmt::format("operand {} needs {} values", k, channels));
  }
  std::vector<double> sum(static_cast<size_t>(channels), 0.0), sq(sum), count(sum);
  for_each_index(x.shape, [&](int64_t flat, const std::vector<int64_t>& idx) {
    const size_t ch = static_cast<size_t>(idx[static_cast<size_t>(dim)]);
    sum[ch] += x.v[static_cast<size_t>(flat)];
    count[ch] += 1;
  });
  std::vector<double> mean(sum.size());
  for (size_t ch = 0; ch < sum.size(); ++ch) mean[ch] = sum[ch] / count[ch];
  for_each_index(x.shape, [&](int64_t flat, const std::vector<int64_t>& idx) {
    const size_t ch = static_cast<size_t>(idx[static_cast<size_t>(dim)]);
    const double d = x.v[static_cast<size_t>(flat)] - mean[ch];
    sq[ch] += d * d;
  });
  Tensor out(x.shape, ctx.result_dtype(0));
  Tensor run_mean(ctx.result_shape(1), ctx.result_dtype(1));
  Tensor run_var(ctx.result_shape(2), ctx.result_dtype(2));
  const Tensor &scale = *in[1], &offset = *in[2], &old_mean = *in[3], &old_var = *in[4];
  for_each_index(x.shape, [&](int64_t flat, const std::vector<int64_t>& idx) {
    const size_t ch = static_cast<size_t>(idx[static_cast<size_t>(dim)]);
    const double var = sq[ch] / count[ch];
    out.v[static_cast<size_t>(flat)] =
        (x.v[static_cast<size_t>(flat)] - mean[ch]) / std::sqrt(var + eps) * scale.v[ch] +
        offset.v[ch];
  });
  for (size_t ch = 0; ch < mean.size(); ++ch) {
    run_mean.v[ch] = momentum * mean[ch] + (1 - momentum) * old_mean.v[ch];
    run_var.v[ch] = momentum * (sq[ch] / count[ch]) + (1 - momentum) * old_var.v[ch];
  }
  std::vector<Tensor> results;
  results.push_back(std::move(out));
  results.push_back(std::move(run_mean));
  results.push_back(std::move(run_var));
  return results;
}

// NHWC max pooling that also returns, per output, the position y * W + x of the maximum in its
// input plane (the first one on ties; padding never wins).
std::vector<Tensor> max_pool2d_with_indices(const OpContext& ctx,
                                            const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 1);
  const Tensor& x = *in[0];
  expect_rank(ctx, x, 4, "input");
  const int64_t h = x.shape[1], w = x.shape[2], c = x.shape[3];
  const std::vector<int64_t> kernel = pair_attr(ctx, "kernel", 1);
  const std::vector<int64_t> stride = pair_attr(ctx, "stride", 1);
  const std::vector<int64_t> dilation = pair_attr(ctx, "dilation", 1);
  const std::vector<int64_t> pad = padding4_attr(ctx, "padding");  // top, left, bottom, right
  const Shape& os = ctx.result_shape(0);
  if (os.size() != 4) ctx.fail(ErrorCode::kInvalidArgument, "result must have rank 4");
  Tensor values(os, ctx.result_dtype(0));
  Tensor where(os, ctx.result_dtype(1));
  for_each_index(os, [&](int64_t flat, const std::vector<int64_t>& p) {
    double best = -std::numeric_limits<double>::infinity();
    int64_t best_at = -1;
    for (int64_t a = 0; a < kernel[0]; ++a) {
      const int64_t iy = p[1] * stride[0] - pad[0] + a * dilation[0];
      if (iy < 0 || iy >= h) continue;
      for (int64_t e = 0; e < kernel[1]; ++e) {
        const int64_t ix = p[2] * stride[1] - pad[1] + e * dilation[1];
        if (ix < 0 || ix >= w) continue;
        const double v = x.v[static_cast<size_t>(((p[0] * h + iy) * w + ix) * c + p[3])];
        if (best_at < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
          best = v;
          best_at = iy * w + ix;
        }
      }
    }
    values.v[static_cast<size_t>(flat)] = best;
    where.v[static_cast<size_t>(flat)] = static_cast<double>(std::max<int64_t>(best_at, 0));
  });
  std::vector<Tensor> results;
  results.push_back(std::move(values));
  results.push_back(std::move(where));
  return results;
}

}  // namespace

void register_conv_pool_kernels(KernelTable& table) {
  table.device["batch_norm_training"] = batch_norm_training;
  table.device["max_pool2d_with_indices"] = max_pool2d_with_indices;
  table.device["conv2d"] = conv2d;
  table.device["max_pool2d"] = pool2d;
  table.device["avg_pool2d"] = pool2d;
  table.device["global_avg_pool2d"] = global_avg_pool2d;
  table.device["batch_norm_inference"] = batch_norm_inference;
  table.device["upsample2d"] = upsample2d;
}

}  // namespace meshrt::reference::interp
