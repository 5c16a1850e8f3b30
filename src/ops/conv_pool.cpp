// Convolution and pooling kernels: conv2d, max_pool2d, max_pool2d_with_indices, avg_pool2d,
// global_avg_pool2d, upsample2d. Activations are NHWC by default (conv2d honours batch_dim / height_dim /
// width_dim / channel_dim); conv2d weights are [O, I/groups, KH, KW] and the optional bias
// has O elements. padding is one value, [pH, pW] or [top, left, bottom, right].
// conv2d lowers to im2col + sgemm (f32 accumulation), rounded once into the result dtype.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <variant>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

struct Window {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;
};

Window read_window(const binary::Op& op, int64_t kh, int64_t kw) {
  Window w;
  w.kh = kh;
  w.kw = kw;
  const auto stride = ints_or_scalar(op, "stride", 2, 1);
  const auto dilation = ints_or_scalar(op, "dilation", 2, 1);
  const auto padding = ints_or_scalar(op, "padding", 2, 0);
  if (stride.size() != 2 || dilation.size() != 2)
    fail(ErrorCode::kInvalidArgument, op, "stride and dilation need 1 or 2 values");
  w.sh = stride[0], w.sw = stride[1], w.dh = dilation[0], w.dw = dilation[1];
  if (padding.size() == 2) {
    w.pt = w.pb = padding[0];
    w.pl = w.pr = padding[1];
  } else if (padding.size() == 4) {
    w.pt = padding[0], w.pl = padding[1], w.pb = padding[2], w.pr = padding[3];
  } else {
    fail(ErrorCode::kInvalidArgument, op, "padding needs 1, 2 or 4 values");
  }
  if (w.sh <= 0 || w.sw <= 0 || w.dh <= 0 || w.dw <= 0)
    fail(ErrorCode::kInvalidArgument, op, "stride and dilation must be positive");
  return w;
}

int64_t out_extent(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1,
                   bool ceil_mode) {
  const int64_t span = in + p0 + p1 - d * (k - 1) - 1;
  if (span < 0) return 0;
  int64_t n = ceil_mode ? (span + s - 1) / s + 1 : span / s + 1;
  // A ceil-mode window must start inside the input or the left padding.
  if (ceil_mode && (n - 1) * s >= in + p0) --n;
  return n;
}

// Permutation taking the op's layout to NHWC, from the *_dim attributes.
std::vector<int64_t> to_nhwc_perm(const binary::Op& op) {
  return {op.int_attr_or("batch_dim", 0), op.int_attr_or("height_dim", 1),
          op.int_attr_or("width_dim", 2), op.int_attr_or("channel_dim", 3)};
}

// Reads a rank-4 tensor as f32 in NHWC order given `perm` (NHWC dim i = tensor dim perm[i]).
std::vector<float> load_nhwc(const HostTensor& t, const std::vector<int64_t>& perm, Shape& nhwc) {
  const std::vector<float> v = to_f32(t);
  const std::vector<int64_t> st = row_major_strides(t.shape());
  nhwc = {t.shape()[perm[0]], t.shape()[perm[1]], t.shape()[perm[2]], t.shape()[perm[3]]};
  if (perm == std::vector<int64_t>{0, 1, 2, 3}) return v;
  std::vector<float> out(v.size());
  std::array<std::vector<int64_t>, 1> s = {{{st[perm[0]], st[perm[1]], st[perm[2]], st[perm[3]]}}};
  walk_broadcast<1>(nhwc, s,
                    [&](int64_t i, const std::array<int64_t, 1>& off) { out[i] = v[off[0]]; });
  return out;
}

// Stores an NHWC f32 buffer into `o` whose layout is given by `perm`.
void store_nhwc(const std::vector<float>& v, const std::vector<int64_t>& perm, HostTensor& o) {
  if (perm == std::vector<int64_t>{0, 1, 2, 3}) {
    from_f32(v, o);
    return;
  }
  const std::vector<int64_t> st = row_major_strides(o.shape());
  const Shape nhwc = {o.shape()[perm[0]], o.shape()[perm[1]], o.shape()[perm[2]],
                      o.shape()[perm[3]]};
  std::vector<float> out(v.size());
  std::array<std::vector<int64_t>, 1> s = {{{st[perm[0]], st[perm[1]], st[perm[2]], st[perm[3]]}}};
  walk_broadcast<1>(nhwc, s,
                    [&](int64_t i, const std::array<int64_t, 1>& off) { out[off[0]] = v[i]; });
  from_f32(out, o);
}

void conv2d_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 3, out);
  const HostTensor& x = *in[0];
  const HostTensor& w = *in[1];
  HostTensor& o = *out[0];
  if (x.shape().size() != 4 || w.shape().size() != 4 || o.shape().size() != 4)
    fail(ErrorCode::kInvalidArgument, op, "conv2d needs rank-4 input, weight and result");
  const std::vector<int64_t> perm = to_nhwc_perm(op);
  Shape xs;
  const std::vector<float> xv = load_nhwc(x, perm, xs);
  const int64_t n = xs[0], h = xs[1], wd = xs[2], c = xs[3];
  const int64_t oc = w.shape()[0], cg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
  const int64_t groups = op.int_attr_or("groups", 1);
  if (groups <= 0 || c != cg * groups || oc % groups != 0)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("input channels {} / weight {} / groups {} are inconsistent", c,
                     shape_to_string(w.shape()), groups));
  const Window win = read_window(op, kh, kw);
  const int64_t oh = out_extent(h, kh, win.sh, win.dh, win.pt, win.pb, false);
  const int64_t ow = out_extent(wd, kw, win.sw, win.dw, win.pl, win.pr, false);
  Shape expected(4);
  expected[perm[0]] = n, expected[perm[1]] = oh, expected[perm[2]] = ow, expected[perm[3]] = oc;
  expect_shape(op, o.shape(), expected, "result");
  // Weights as [O][kh][kw][cg] so a row matches an im2col row.
  const std::vector<float> wv = to_f32(w);
  const int64_t kdim = kh * kw * cg;
  std::vector<float> wt(static_cast<size_t>(oc * kdim));
  for (int64_t o_ = 0; o_ < oc; ++o_)
    for (int64_t ci = 0; ci < cg; ++ci)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b)
          wt[((o_ * kh + a) * kw + b) * cg + ci] = wv[((o_ * cg + ci) * kh + a) * kw + b];
  const int64_t og = oc / groups;
  std::vector<float> result(static_cast<size_t>(n * oh * ow * oc), 0.0f);
  std::vector<float> cols(static_cast<size_t>(oh * ow * kdim));
  for (int64_t b_ = 0; b_ < n; ++b_)
    for (int64_t g = 0; g < groups; ++g) {
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t z = 0; z < ow; ++z) {
          float* row = cols.data() + (y * ow + z) * kdim;
          for (int64_t a = 0; a < kh; ++a)
            for (int64_t b = 0; b < kw; ++b) {
              const int64_t iy = y * win.sh - win.pt + a * win.dh;
              const int64_t ix = z * win.sw - win.pl + b * win.dw;
              float* dst = row + (a * kw + b) * cg;
              if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                std::fill(dst, dst + cg, 0.0f);
              } else {
                const float* src = xv.data() + ((b_ * h + iy) * wd + ix) * c + g * cg;
                std::copy(src, src + cg, dst);
              }
            }
        }
      if (oh * ow == 0 || og == 0) continue;
      single_threaded_blas();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(oh * ow),
                  static_cast<int>(og), static_cast<int>(kdim), 1.0f, cols.data(),
                  static_cast<int>(kdim), wt.data() + g * og * kdim, static_cast<int>(kdim), 0.0f,
                  result.data() + b_ * oh * ow * oc + g * og, static_cast<int>(oc));
    }
  if (in.size() == 3) {
    if (in[2]->volume() != oc)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("bias has {} elements, expected {}", in[2]->volume(), oc));
    const std::vector<float> bias = to_f32(*in[2]);
    for (size_t i = 0; i < result.size(); ++i) result[i] += bias[i % static_cast<size_t>(oc)];
  }
  store_nhwc(result, perm, o);
}

// `key = <int>` inside the text of a flattened_compat_info attribute.
int64_t compat_field(const binary::Op& op, const std::string& text, const std::string& key) {
  size_t at = text.find(key);
  if (at != std::string::npos) at = text.find('=', at);
  const char* begin = at == std::string::npos ? nullptr : text.c_str() + at + 1;
  char* end = nullptr;
  const long long value = begin ? std::strtoll(begin, &end, 10) : 0;
  if (!begin || end == begin)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("flattened_compat_info '{}' has no {} = <integer>", text, key));
  return value;
}

// The NHWC extents of a pooling input: its own shape, or, with flattened_compat_info, the
// [N, H, W, C] that a [1, 1, N*H*W, C] input holds.
Shape pool_input_nhwc(const binary::Op& op, const Shape& s) {
  if (s.size() != 4) fail(ErrorCode::kInvalidArgument, op, "pooling needs rank 4 (NHWC)");
  if (!op.has_attr("flattened_compat_info")) return s;
  const auto* text = std::get_if<std::string>(&op.attrs.at("flattened_compat_info"));
  if (!text) fail(ErrorCode::kInvalidArgument, op, "flattened_compat_info is not text");
  const Shape nhwc = {compat_field(op, *text, "batch_size"),
                      compat_field(op, *text, "input_height"),
                      compat_field(op, *text, "input_width"), s[3]};
  if (volume(nhwc) != volume(s))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("input {} does not hold the {} pixels flattened_compat_info names",
                     shape_to_string(s), shape_to_string(nhwc)));
  return nhwc;
}

template <bool kMax>
void pool2d_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& x = *in[0];
  HostTensor& o = *out[0];
  const Shape xs = pool_input_nhwc(op, x.shape());
  const std::vector<int64_t> k = ints_or_scalar(op, "kernel", 2, 1);
  const Window win = read_window(op, k[0], k[1]);
  const bool ceil_mode = op.bool_attr_or("ceil_mode", false);
  const bool include_pad = op.bool_attr_or("count_include_pad", true);
  const int64_t n = xs[0], h = xs[1], wd = xs[2], c = xs[3];
  const int64_t oh = out_extent(h, win.kh, win.sh, win.dh, win.pt, win.pb, ceil_mode);
  const int64_t ow = out_extent(wd, win.kw, win.sw, win.dw, win.pl, win.pr, ceil_mode);
  if (op.has_attr("flattened_compat_info")) {  // the result is [1, 1, N*OH*OW, C]
    if (o.shape().size() != 4 || o.shape()[3] != c || o.volume() != n * oh * ow * c)
      expect_shape(op, o.shape(), Shape{1, 1, n * oh * ow, c}, "result");
  } else {
    expect_shape(op, o.shape(), Shape{n, oh, ow, c}, "result");
  }
  const std::vector<float> xv = to_f32(x);
  std::vector<float> r(static_cast<size_t>(n * oh * ow * c));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t z = 0; z < ow; ++z)
        for (int64_t ch = 0; ch < c; ++ch) {
          float acc = kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
          int64_t count = 0;
          for (int64_t a = 0; a < win.kh; ++a)
            for (int64_t e = 0; e < win.kw; ++e) {
              const int64_t iy = y * win.sh - win.pt + a * win.dh;
              const int64_t ix = z * win.sw - win.pl + e * win.dw;
              const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
              const bool in_padded =
                  iy >= -win.pt && iy < h + win.pb && ix >= -win.pl && ix < wd + win.pr;
              if (inside) {
                const float v = xv[((b * h + iy) * wd + ix) * c + ch];
                acc = kMax ? std::max(acc, v) : acc + v;
              }
              if (inside || (include_pad && in_padded)) ++count;
            }
          if (!kMax) acc = count ? acc / static_cast<float>(count) : 0.0f;
          r[((b * oh + y) * ow + z) * c + ch] = acc;
        }
  from_f32(r, o);
}

void global_avg_pool2d_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& x = *in[0];
  HostTensor& o = *out[0];
  if (x.shape().size() != 4) fail(ErrorCode::kInvalidArgument, op, "needs rank 4 (NHWC)");
  const int64_t n = x.shape()[0], h = x.shape()[1], wd = x.shape()[2], c = x.shape()[3];
  expect_shape(op, o.shape(), Shape{n, 1, 1, c}, "result");
  const std::vector<float> xv = to_f32(x);
  std::vector<float> r(static_cast<size_t>(n * c), 0.0f);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t p = 0; p < h * wd; ++p)
      for (int64_t ch = 0; ch < c; ++ch) r[b * c + ch] += xv[(b * h * wd + p) * c + ch];
  for (float& v : r) v /= static_cast<float>(std::max<int64_t>(h * wd, 1));
  from_f32(r, o);
}

void upsample2d_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& x = *in[0];
  HostTensor& o = *out[0];
  if (x.shape().size() != 4) fail(ErrorCode::kInvalidArgument, op, "needs rank 4 (NHWC)");
  const std::vector<int64_t> scale = ints_or_scalar(op, "scale_factor", 2, 1);
  const std::string mode = op.has_attr("mode") ? op.string_attr("mode") : "nearest";
  const int64_t n = x.shape()[0], h = x.shape()[1], wd = x.shape()[2], c = x.shape()[3];
  const int64_t oh = h * scale[0], ow = wd * scale[1];
  expect_shape(op, o.shape(), Shape{n, oh, ow, c}, "result");
  const std::vector<float> xv = to_f32(x);
  std::vector<float> r(static_cast<size_t>(n * oh * ow * c));
  auto at = [&](int64_t b, int64_t y, int64_t z, int64_t ch) {
    return xv[((b * h + y) * wd + z) * c + ch];
  };
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t z = 0; z < ow; ++z)
        for (int64_t ch = 0; ch < c; ++ch) {
          float v;
          if (mode == "nearest") {
            v = at(b, y / scale[0], z / scale[1], ch);
          } else if (mode == "bilinear") {  // align_corners = false
            const float fy = std::max(0.0f, (y + 0.5f) / scale[0] - 0.5f);
            const float fz = std::max(0.0f, (z + 0.5f) / scale[1] - 0.5f);
            const int64_t y0 = std::min<int64_t>(static_cast<int64_t>(fy), h - 1);
            const int64_t z0 = std::min<int64_t>(static_cast<int64_t>(fz), wd - 1);
            const int64_t y1 = std::min<int64_t>(y0 + 1, h - 1),
                          z1 = std::min<int64_t>(z0 + 1, wd - 1);
            const float ty = fy - y0, tz = fz - z0;
            v = (1 - ty) * ((1 - tz) * at(b, y0, z0, ch) + tz * at(b, y0, z1, ch)) +
                ty * ((1 - tz) * at(b, y1, z0, ch) + tz * at(b, y1, z1, ch));
          } else {
            fail(ErrorCode::kUnsupported, op, fmt::format("upsample mode '{}'", mode));
          }
          r[((b * oh + y) * ow + z) * c + ch] = v;
        }
  from_f32(r, o);
}

void max_pool2d_with_indices_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out, 2);
  const HostTensor& x = *in[0];
  if (x.shape().size() != 4) fail(ErrorCode::kInvalidArgument, op, "input needs rank 4 (NHWC)");
  const int64_t n = x.shape()[0], h = x.shape()[1], w = x.shape()[2], c = x.shape()[3];
  const auto k = ints_or_scalar(op, "kernel", 2, 1), s = ints_or_scalar(op, "stride", 2, 1);
  const auto dil = ints_or_scalar(op, "dilation", 2, 1);
  auto pad = ints_or_scalar(op, "padding", 2, 0);
  if (pad.size() == 2) pad = {pad[0], pad[1], pad[0], pad[1]};
  if (k.size() != 2 || s.size() != 2 || dil.size() != 2 || pad.size() != 4)
    fail(ErrorCode::kInvalidArgument, op, "kernel/stride/dilation need 2 values, padding 2 or 4");
  const bool ceil_mode = op.bool_attr_or("ceil_mode", false);
  auto extent = [&](int64_t size, int64_t i) {
    const int64_t span = size + pad[i] + pad[i + 2] - dil[i] * (k[i] - 1) - 1;
    if (span < 0) return int64_t{0};
    int64_t count = (ceil_mode ? (span + s[i] - 1) / s[i] : span / s[i]) + 1;
    if (ceil_mode && (count - 1) * s[i] >= size + pad[i]) --count;
    return count;
  };
  const Shape& os = out[0]->shape();
  expect_shape(op, os, Shape{n, extent(h, 0), extent(w, 1), c}, "values result");
  expect_shape(op, out[1]->shape(), os, "indices result");
  const int64_t oh = os[1], ow = os[2];
  const std::vector<float> xv = to_f32(x);
  std::vector<float> best_v(static_cast<size_t>(volume(os)));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t z = 0; z < ow; ++z)
        for (int64_t ch = 0; ch < c; ++ch) {
          float best = -std::numeric_limits<float>::infinity();
          int64_t where = -1;
          for (int64_t a = 0; a < k[0]; ++a) {
            const int64_t iy = y * s[0] - pad[0] + a * dil[0];
            if (iy < 0 || iy >= h) continue;
            for (int64_t e = 0; e < k[1]; ++e) {
              const int64_t ix = z * s[1] - pad[1] + e * dil[1];
              if (ix < 0 || ix >= w) continue;
              const float v = xv[static_cast<size_t>(((b * h + iy) * w + ix) * c + ch)];
              if (where < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
                best = v;
                where = iy * w + ix;
              }
            }
          }
          const int64_t flat = ((b * oh + y) * ow + z) * c + ch;
          best_v[static_cast<size_t>(flat)] = best;
          out[1]->set(flat, static_cast<double>(std::max<int64_t>(where, 0)));
        }
  from_f32(best_v, *out[0]);
}

}  // namespace

void register_conv_pool(KernelTable& t) {
  t["max_pool2d_with_indices"] = max_pool2d_with_indices_kernel;
  t["conv2d"] = conv2d_kernel;
  t["max_pool2d"] = pool2d_kernel<true>;
  t["avg_pool2d"] = pool2d_kernel<false>;
  t["global_avg_pool2d"] = global_avg_pool2d_kernel;
  t["upsample2d"] = upsample2d_kernel;
}

}  // namespace meshrt::ops::detail
