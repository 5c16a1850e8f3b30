// Normalization kernels: softmax, rms_norm, batch_norm_inference, batch_norm_training. Computed in f32, rounded
// once into the result dtype.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

void softmax_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), a.shape(), "result");
  if (a.volume() == 0) return;
  const size_t rank = a.shape().size();
  const int64_t dim = rank == 0 ? 0 : normalize_dim(op, op.int_attr_or("dimension", -1), rank);
  const int64_t len = rank == 0 ? 1 : a.shape()[dim];
  const int64_t inner = rank == 0 ? 1 : row_major_strides(a.shape())[dim];
  const int64_t outer = a.volume() / (len * inner);
  std::vector<float> x = to_f32(a);
  for (int64_t ob = 0; ob < outer; ++ob)
    for (int64_t ib = 0; ib < inner; ++ib) {
      float* base = x.data() + ob * len * inner + ib;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < len; ++j) mx = std::max(mx, base[j * inner]);
      float sum = 0;
      for (int64_t j = 0; j < len; ++j) {
        base[j * inner] = std::exp(base[j * inner] - mx);
        sum += base[j * inner];
      }
      for (int64_t j = 0; j < len; ++j) base[j * inner] /= sum;
    }
  from_f32(x, o);
}

// rms_norm / layer_norm (input, weight?, bias?), over the trailing normalized_shape; layer_norm
// also subtracts the mean (its variance is the biased one, as torch's). Which optional operands are
// present comes from operandSegmentSizes when the parser kept it, else from the operand count
// (weight first).
void norm_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 3, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), a.shape(), "result");
  const HostTensor* weight = nullptr;
  const HostTensor* bias = nullptr;
  if (op.has_attr("operandSegmentSizes")) {
    const std::vector<int64_t> seg = op.ints_attr("operandSegmentSizes");
    size_t next = 1;
    if (seg.size() > 1 && seg[1] > 0 && next < in.size()) weight = in[next++];
    if (seg.size() > 2 && seg[2] > 0 && next < in.size()) bias = in[next++];
  } else {
    if (in.size() > 1) weight = in[1];
    if (in.size() > 2) bias = in[2];
  }
  const std::vector<int64_t> norm_shape =
      op.has_attr("normalized_shape")
          ? op.ints_attr("normalized_shape")
          : std::vector<int64_t>{a.shape().empty() ? 1 : a.shape().back()};
  const int64_t row = volume(norm_shape);
  if (norm_shape.size() > a.shape().size() ||
      !std::equal(norm_shape.begin(), norm_shape.end(), a.shape().end() - norm_shape.size()))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("normalized_shape {} is not a suffix of input shape {}",
                     shape_to_string(norm_shape), shape_to_string(a.shape())));
  for (const HostTensor* t : {weight, bias})
    if (t != nullptr && t->volume() != row)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("weight/bias shape {} does not match normalized_shape {}",
                       shape_to_string(t->shape()), shape_to_string(norm_shape)));
  const float eps = static_cast<float>(op.float_attr_or("epsilon", 1e-5));
  std::vector<float> x = to_f32(a);
  const std::vector<float> w = weight ? to_f32(*weight) : std::vector<float>();
  const std::vector<float> b = bias ? to_f32(*bias) : std::vector<float>();
  if (row == 0) return;
  const bool centred = op.name == "layer_norm";
  for (int64_t base = 0; base < a.volume(); base += row) {
    float* r = x.data() + base;
    float mean = 0;
    if (centred) {
      for (int64_t j = 0; j < row; ++j) mean += r[j];
      mean /= static_cast<float>(row);
    }
    float ss = 0;
    for (int64_t j = 0; j < row; ++j) ss += (r[j] - mean) * (r[j] - mean);
    const float scale = 1.0f / std::sqrt(ss / static_cast<float>(row) + eps);
    for (int64_t j = 0; j < row; ++j) {
      float y = (r[j] - mean) * scale;
      if (weight) y *= w[j];
      if (bias) y += b[j];
      r[j] = y;
    }
  }
  from_f32(x, o);
}

// group_norm(input, input_mask?, weight?, bias?): statistics per batch entry and group of
// channels (channel_dim; every other dim but the batch is spatial), in f32: a sum pass, then the
// squared deviations from the mean (two passes, as the device's two-stage reduction does). The
// mask is ttnn's tile-membership helper and does not change the result.
void group_norm_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 4, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), a.shape(), "result");
  const std::vector<int> seg = op.segment_operands(4);
  const HostTensor* weight = seg[2] >= 0 ? in[seg[2]] : nullptr;
  const HostTensor* bias = seg[3] >= 0 ? in[seg[3]] : nullptr;
  const Shape& s = a.shape();
  const int64_t dim = normalize_dim(op, op.int_attr_or("channel_dim", 3), s.size());
  const int64_t channels = s[dim], groups = op.int_attr("num_groups");
  if (groups < 1 || channels % groups != 0)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("num_groups {} does not divide {} channels", groups, channels));
  for (const HostTensor* t : {weight, bias})
    if (t != nullptr && t->volume() != channels)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("weight/bias {} must hold {} values", shape_to_string(t->shape()),
                       channels));
  if (a.volume() == 0) return;
  const float eps = static_cast<float>(op.float_attr_or("epsilon", 1e-12));
  const int64_t per_group = channels / groups;
  const int64_t inner = row_major_strides(s)[dim];           // elements per channel step
  const int64_t outer = a.volume() / s[0] / (channels * inner);  // dims between batch and channel
  std::vector<float> x = to_f32(a);
  const std::vector<float> w = weight ? to_f32(*weight) : std::vector<float>();
  const std::vector<float> b = bias ? to_f32(*bias) : std::vector<float>();
  const int64_t per_batch = a.volume() / s[0];
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      float* base = x.data() + n * per_batch;
      auto each = [&](auto&& fn) {  // every element of (n, g), with its channel
        for (int64_t ob = 0; ob < outer; ++ob)
          for (int64_t ch = g * per_group; ch < (g + 1) * per_group; ++ch) {
            float* row = base + (ob * channels + ch) * inner;
            for (int64_t i = 0; i < inner; ++i) fn(row[i], ch);
          }
      };
      const float count = static_cast<float>(outer * per_group * inner);
      float sum = 0;
      each([&](float v, int64_t) { sum += v; });
      const float mean = sum / count;
      float ss = 0;
      each([&](float v, int64_t) { ss += (v - mean) * (v - mean); });
      const float scale = 1.0f / std::sqrt(ss / count + eps);
      each([&](float& v, int64_t ch) {
        v = (v - mean) * scale;
        if (weight) v *= w[ch];
        if (bias) v += b[ch];
      });
    }
  from_f32(x, o);
}

// batch_norm_inference(input, scale, offset, mean, variance; dimension, epsilon).
void batch_norm_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 5, 5, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), a.shape(), "result");
  const int64_t dim = normalize_dim(op, op.int_attr_or("dimension", 1), a.shape().size());
  const int64_t channels = a.shape()[dim];
  for (size_t k = 1; k < 5; ++k)
    if (in[k]->volume() != channels)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("operand {} has {} elements, expected {} (channels)", k, in[k]->volume(),
                       channels));
  const float eps = static_cast<float>(op.float_attr_or("epsilon", 1e-5));
  const std::vector<float> scale = to_f32(*in[1]), offset = to_f32(*in[2]), mean = to_f32(*in[3]),
                           var = to_f32(*in[4]);
  std::vector<float> x = to_f32(a);
  const int64_t inner = row_major_strides(a.shape())[dim];
  for (int64_t i = 0; i < a.volume(); ++i) {
    const int64_t c = (i / inner) % channels;
    x[i] = (x[i] - mean[c]) / std::sqrt(var[c] + eps) * scale[c] + offset[c];
  }
  from_f32(x, o);
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

}  // namespace

void register_normalization(KernelTable& t) {
  t["batch_norm_training"] = batch_norm_training_kernel;
  t["softmax"] = softmax_kernel;
  t["rms_norm"] = norm_kernel;
  t["layer_norm"] = norm_kernel;
  t["group_norm"] = group_norm_kernel;
  t["batch_norm_inference"] = batch_norm_kernel;
}

}  // namespace meshrt::ops::detail
