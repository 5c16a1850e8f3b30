// Device kernels for index, slice_dynamic, scatter, embedding_backward, batch_norm_training,
// sort and max_pool2d_with_indices.
//
// Data movement copies raw elements (no rounding); arithmetic runs in f32 and rounds once into
// the result dtype, as the chip's f32 destination registers do. Integer results (sort and pool
// indices) are exact.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// Element offsets into `in` of a strided window: dim d starts at begin[d] and advances by
// step[d], `count[d]` times. Row-major over the window.
std::vector<int64_t> window_offsets(const Shape& in, const std::vector<int64_t>& begin,
                                    const std::vector<int64_t>& step, const Shape& count) {
  const std::vector<int64_t> strides = row_major_strides(in);
  std::array<std::vector<int64_t>, 1> walk_strides;
  int64_t base = 0;
  for (size_t d = 0; d < in.size(); ++d) {
    base += begin[d] * strides[d];
    walk_strides[0].push_back(step[d] * strides[d]);
  }
  std::vector<int64_t> offsets;
  offsets.reserve(static_cast<size_t>(volume(count)));
  walk_broadcast<1>(count, walk_strides, [&](int64_t, const std::array<int64_t, 1>& off) {
    offsets.push_back(base + off[0]);
  });
  return offsets;
}

int64_t count_of(int64_t begin, int64_t end, int64_t step) {
  return end <= begin ? 0 : (end - begin + step - 1) / step;
}

void copy_window(const binary::Op& op, const HostTensor& x, HostTensor& o,
                 const std::vector<int64_t>& begin, const std::vector<int64_t>& step,
                 const Shape& count) {
  expect_shape(op, o.shape(), count, "result");
  const std::vector<int64_t> offsets = window_offsets(x.shape(), begin, step, count);
  gather_elements(x, o, [&](int64_t i) { return offsets[static_cast<size_t>(i)]; });
}

void index_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& x = *in[0];
  const size_t d = static_cast<size_t>(normalize_dim(op, op.int_attr("dim"), x.shape().size()));
  const int64_t size = x.shape()[d];
  int64_t begin = op.int_attr("begin"), end = op.int_attr("end");
  const int64_t step = op.int_attr_or("step", 1);
  begin = begin < 0 ? begin + size : begin;
  end = std::min(end < 0 ? end + size : end, size);
  if (step <= 0 || begin < 0 || begin > size)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("range {}:{}:{} does not fit dim {} of size {}", begin, end, step, d, size));
  std::vector<int64_t> starts(x.shape().size(), 0), steps(x.shape().size(), 1);
  starts[d] = begin;
  steps[d] = step;
  Shape count = x.shape();
  count[d] = count_of(begin, end, step);
  copy_window(op, x, *out[0], starts, steps, count);
}

void slice_dynamic_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 3, out);
  const HostTensor& x = *in[0];
  const size_t rank = x.shape().size();
  if (in[1]->volume() != static_cast<int64_t>(rank) ||
      in[2]->volume() != static_cast<int64_t>(rank))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("begins {} / ends {} need {} values", shape_to_string(in[1]->shape()),
                     shape_to_string(in[2]->shape()), rank));
  std::vector<int64_t> step =
      op.has_attr("step") ? op.ints_attr("step") : std::vector<int64_t>(rank, 1);
  if (step.size() != rank) fail(ErrorCode::kInvalidArgument, op, "step needs one value per dim");
  std::vector<int64_t> begin(rank);
  Shape count(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t size = x.shape()[d];
    begin[d] = static_cast<int64_t>(in[1]->at(static_cast<int64_t>(d)));
    const int64_t end =
        std::min<int64_t>(static_cast<int64_t>(in[2]->at(static_cast<int64_t>(d))), size);
    if (begin[d] < 0 || begin[d] > size || step[d] <= 0)
      fail(
          ErrorCode::kInvalidArgument, op,
          fmt::format("dim {}: begin {} / step {} do not fit size {}", d, begin[d], step[d], size));
    count[d] = count_of(begin[d], end, step[d]);
  }
  copy_window(op, x, *out[0], begin, step, count);
}

int64_t checked_index(const binary::Op& op, double v, int64_t size) {
  if (!(v >= 0) || v >= static_cast<double>(size))
    fail(ErrorCode::kInvalidArgument, op, fmt::format("index {} is out of range [0, {})", v, size));
  return static_cast<int64_t>(v);
}

void scatter_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 3, out);
  const HostTensor &x = *in[0], &index = *in[1], &src = *in[2];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), x.shape(), "result");
  const size_t rank = x.shape().size();
  if (index.shape().size() != rank || src.shape().size() != rank)
    fail(ErrorCode::kInvalidArgument, op, "input, index and source need the same rank");
  const size_t dim = static_cast<size_t>(normalize_dim(op, op.int_attr("dim"), rank));
  const std::string kind =
      op.has_attr("scatter_reduce_type") ? op.string_attr("scatter_reduce_type") : "invalid";
  const bool replace = kind == "invalid";
  if (!replace && kind != "sum" && kind != "prod" && kind != "max" && kind != "min")
    fail(ErrorCode::kUnsupported, op, fmt::format("scatter_reduce_type '{}'", kind));
  gather_elements(x, o, [](int64_t i) { return i; });
  const std::vector<int64_t> out_strides = row_major_strides(x.shape());
  std::array<std::vector<int64_t>, 2> walk = {row_major_strides(x.shape()),
                                              row_major_strides(src.shape())};
  walk[0][dim] = 0;  // the index value picks the position along dim
  const int64_t elem = static_cast<int64_t>(element_size(o.dtype()));
  const bool same_dtype = src.dtype() == o.dtype();
  walk_broadcast<2>(index.shape(), walk, [&](int64_t i, const std::array<int64_t, 2>& off) {
    const int64_t target =
        off[0] + checked_index(op, index.at(i), x.shape()[dim]) * out_strides[dim];
    if (replace && same_dtype) {
      std::memcpy(o.data() + target * elem, src.data() + off[1] * elem, static_cast<size_t>(elem));
      return;
    }
    const double cur = o.at(target), v = src.at(off[1]);
    const bool fp = is_float(o.dtype());
    double r = v;
    if (kind == "sum") r = fp ? static_cast<float>(cur) + static_cast<float>(v) : cur + v;
    if (kind == "prod") r = fp ? static_cast<float>(cur) * static_cast<float>(v) : cur * v;
    if (kind == "max") r = std::max(cur, v);
    if (kind == "min") r = std::min(cur, v);
    o.set(target, r);
  });
}

void embedding_backward_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 3, out);
  const HostTensor &indices = *in[0], &weight = *in[1], &grad = *in[2];
  HostTensor& o = *out[0];
  if (weight.shape().size() != 2) fail(ErrorCode::kInvalidArgument, op, "weight needs rank 2");
  expect_shape(op, o.shape(), weight.shape(), "result");
  const int64_t rows = weight.shape()[0], width = weight.shape()[1];
  if (grad.volume() != indices.volume() * width)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("gradient {} does not hold {} rows of {}", shape_to_string(grad.shape()),
                     indices.volume(), width));
  const std::vector<float> g = to_f32(grad);
  std::vector<float> acc(static_cast<size_t>(rows * width), 0.0f);
  for (int64_t i = 0; i < indices.volume(); ++i) {
    float* row = acc.data() + checked_index(op, indices.at(i), rows) * width;
    const float* src = g.data() + i * width;
    for (int64_t j = 0; j < width; ++j) row[j] += src[j];
  }
  from_f32(acc, o);
}

// Per-channel sums over every dim but `dim`, in f32: element i belongs to channel
// (i / inner) % channels.
void batch_norm_training_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 5, 5, out, 3);
  const HostTensor& x = *in[0];
  const Shape& s = x.shape();
  const size_t dim =
      static_cast<size_t>(normalize_dim(op, op.int_attr_or("dimension", 1), s.size()));
  const int64_t channels = s[dim];
  for (size_t k = 1; k < 5; ++k)
    if (in[k]->volume() != channels)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("operand {} has {} values, expected {}", k, in[k]->volume(), channels));
  expect_shape(op, out[0]->shape(), s, "result 0");
  const int64_t inner = row_major_strides(s)[dim];
  const float eps = static_cast<float>(op.float_attr_or("epsilon", 1e-5));
  const float momentum = static_cast<float>(op.float_attr_or("momentum", 0.1));
  const std::vector<float> xv = to_f32(x);
  const float per_channel = static_cast<float>(channels ? x.volume() / channels : 0);
  std::vector<float> mean(static_cast<size_t>(channels), 0.0f), var(mean);
  auto channel = [&](size_t i) { return (static_cast<int64_t>(i) / inner) % channels; };
  for (size_t i = 0; i < xv.size(); ++i) mean[channel(i)] += xv[i];
  for (float& m : mean) m /= per_channel;
  for (size_t i = 0; i < xv.size(); ++i) {
    const float d = xv[i] - mean[channel(i)];
    var[channel(i)] += d * d;
  }
  for (float& v : var) v /= per_channel;
  const std::vector<float> scale = to_f32(*in[1]), offset = to_f32(*in[2]);
  const std::vector<float> run_mean = to_f32(*in[3]), run_var = to_f32(*in[4]);
  std::vector<float> y(xv.size());
  for (size_t i = 0; i < xv.size(); ++i) {
    const int64_t c = channel(i);
    y[i] = (xv[i] - mean[c]) / std::sqrt(var[c] + eps) * scale[c] + offset[c];
  }
  from_f32(y, *out[0]);
  std::vector<float> new_mean(mean.size()), new_var(var.size());
  for (size_t c = 0; c < mean.size(); ++c) {
    new_mean[c] = momentum * mean[c] + (1.0f - momentum) * run_mean[c];
    new_var[c] = momentum * var[c] + (1.0f - momentum) * run_var[c];
  }
  for (size_t r = 1; r < 3; ++r)
    if (out[r]->volume() != channels)
      fail(ErrorCode::kInvalidArgument, op, fmt::format("result {} needs {} values", r, channels));
  from_f32(new_mean, *out[1]);
  from_f32(new_var, *out[2]);
}

// Stable sort of every line along `dim` (ties keep their order); values are copied raw.
// The first k entries of every line along `dim` of in[0] in sorted order (descending: largest
// first; ties keep the lower position first) into out[0], their positions into out[1].
void sorted_prefix(const binary::Op& op, Inputs in, Outputs out, int64_t k, bool descending) {
  const HostTensor& x = *in[0];
  const size_t dim =
      static_cast<size_t>(normalize_dim(op, op.int_attr_or("dim", -1), x.shape().size()));
  const int64_t len = x.shape()[dim];
  if (k < 0 || k > len)
    fail(ErrorCode::kInvalidArgument, op, fmt::format("k {} is outside [0, {}]", k, len));
  Shape expected = x.shape();
  expected[dim] = k;
  expect_shape(op, out[0]->shape(), expected, "values result");
  expect_shape(op, out[1]->shape(), expected, "indices result");
  const int64_t inner = row_major_strides(x.shape())[dim];
  const int64_t outer = len == 0 ? 0 : x.volume() / (len * inner);
  const std::vector<float> key = to_f32(x);
  std::vector<int64_t> source(static_cast<size_t>(out[0]->volume()));
  std::vector<int32_t> perm(static_cast<size_t>(len));
  for (int64_t ob = 0; ob < outer; ++ob)
    for (int64_t ib = 0; ib < inner; ++ib) {
      const int64_t base = ob * len * inner + ib, out_base = ob * k * inner + ib;
      std::iota(perm.begin(), perm.end(), 0);
      std::stable_sort(perm.begin(), perm.end(), [&](int32_t a, int32_t b) {
        const float ka = key[static_cast<size_t>(base + a * inner)];
        const float kb = key[static_cast<size_t>(base + b * inner)];
        return descending ? kb < ka : ka < kb;
      });
      for (int64_t j = 0; j < k; ++j) {
        source[static_cast<size_t>(out_base + j * inner)] =
            base + perm[static_cast<size_t>(j)] * inner;
        out[1]->set(out_base + j * inner, perm[static_cast<size_t>(j)]);
      }
    }
  gather_elements(x, *out[0], [&](int64_t i) { return source[static_cast<size_t>(i)]; });
}

void sort_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out, 2);
  const HostTensor& x = *in[0];
  if (x.shape().empty()) {
    expect_shape(op, out[0]->shape(), x.shape(), "values result");
    gather_elements(x, *out[0], [](int64_t i) { return i; });
    return;
  }
  const int64_t dim = normalize_dim(op, op.int_attr_or("dim", -1), x.shape().size());
  sorted_prefix(op, in, out, x.shape()[dim], op.bool_attr_or("descending", false));
}

// topk(k, dim, largest, sorted): the k largest (smallest) entries along dim and their
// positions, always in sorted order, which also satisfies sorted = false.
void topk_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out, 2);
  if (in[0]->shape().empty()) fail(ErrorCode::kInvalidArgument, op, "input needs a dim");
  sorted_prefix(op, in, out, op.int_attr("k"), op.bool_attr_or("largest", true));
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

void register_extra_ops(KernelTable& t) {
  t["index"] = index_kernel;
  t["slice_dynamic"] = slice_dynamic_kernel;
  t["scatter"] = scatter_kernel;
  t["embedding_backward"] = embedding_backward_kernel;
  t["batch_norm_training"] = batch_norm_training_kernel;
  t["sort"] = sort_kernel;
  t["topk"] = topk_kernel;
  t["max_pool2d_with_indices"] = max_pool2d_with_indices_kernel;
  register_conv_extra(t);
}

}  // namespace meshrt::ops::detail
