// Quantization kernels, computing in f32 as the device's SFPU does:
//
//   quantize_unrolled(x, scale, zp)    q  = clamp(rint(x / scale) + zp, storage range)
//   dequantize_unrolled(q, scale, zp)  y  = (q - zp) * scale
//   requantize(q)                      q' = clamp(rint((q - zp_in) * (s_in / s_out)) + zp_out)
//
// quantize(x) and dequantize(q) are the same maps with their parameters from the quantized type
// (scale / zero_point attributes from the parser); requantize_unrolled(q, s_in, zp_in, s_out,
// zp_out) is requantize with its parameters as operands.
//
// rint rounds half to even. With an `axis` attribute the parameters are per-axis: the element
// at index k along `axis` uses entry k of each parameter that has more than one entry (a
// one-entry parameter applies to every element). requantize reads its parameters from the
// attributes the parser derives from its quantized types (in_scale, in_zero_point, out_scale,
// out_zero_point); the storage range comes from storage_min / storage_max, else from the
// result's dtype.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// Maps a flat element index to its index along the quantization axis.
struct ChannelOf {
  int64_t inner = 1;  // elements per step along the axis
  int64_t size = 1;   // size of the axis (1 when per-tensor)
  int64_t operator()(int64_t flat) const { return size == 1 ? 0 : (flat / inner) % size; }
};

ChannelOf channel_of(const binary::Op& op, const Shape& shape) {
  ChannelOf c;
  if (!op.has_attr("axis")) return c;
  const int64_t axis = normalize_dim(op, op.int_attr("axis"), shape.size());
  c.inner = row_major_strides(shape)[axis];
  c.size = shape[axis];
  return c;
}

// Checks a parameter's entry count: one, or one per index of the axis.
void expect_count(const binary::Op& op, size_t count, const ChannelOf& channel, const char* what) {
  const auto n = static_cast<int64_t>(count);
  if (n == 1 || (op.has_attr("axis") && n == channel.size)) return;
  if (op.has_attr("axis"))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("{} has {} entries, expected 1 or {} (the size of the axis)", what, n,
                     channel.size));
  fail(ErrorCode::kInvalidArgument, op,
       fmt::format("{} has {} entries, expected 1 (per-tensor: no axis attribute)", what, n));
}

std::vector<float> scales_of(const binary::Op& op, const HostTensor& t, const ChannelOf& channel,
                             const char* what) {
  expect_count(op, static_cast<size_t>(t.volume()), channel, what);
  return to_f32(t);
}

std::vector<double> zero_points_of(const binary::Op& op, const HostTensor& t,
                                   const ChannelOf& channel) {
  expect_count(op, static_cast<size_t>(t.volume()), channel, "zero point");
  return t.to_doubles();
}

// Float array attribute (also accepted as a single number or an int array).
std::vector<double> floats_attr(const binary::Op& op, const std::string& key) {
  auto it = op.attrs.find(key);
  if (it == op.attrs.end())
    fail(ErrorCode::kInvalidArgument, op, fmt::format("missing attribute '{}'", key));
  if (auto* v = std::get_if<std::vector<double>>(&it->second)) return *v;
  if (auto* d = std::get_if<double>(&it->second)) return {*d};
  if (auto* i = std::get_if<int64_t>(&it->second)) return {static_cast<double>(*i)};
  if (auto* iv = std::get_if<std::vector<int64_t>>(&it->second))
    return std::vector<double>(iv->begin(), iv->end());
  fail(ErrorCode::kInvalidArgument, op, fmt::format("attribute '{}' is not a number list", key));
}

std::pair<double, double> storage_range(const binary::Op& op, DataType dtype) {
  double lo = 0, hi = 0;
  switch (dtype) {
    case DataType::kInt32:
      lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
      break;
    case DataType::kInt16:
      lo = -32768, hi = 32767;
      break;
    case DataType::kUInt32:
      hi = std::numeric_limits<uint32_t>::max();
      break;
    case DataType::kUInt16:
      hi = 65535;
      break;
    case DataType::kUInt8:
      hi = 255;
      break;
    default:
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("quantized values must be i32, i16, u32, u16 or u8, not {}",
                       mlir_name(dtype)));
  }
  lo = std::max(lo, static_cast<double>(op.int_attr_or("storage_min", static_cast<int64_t>(lo))));
  hi = std::min(hi, static_cast<double>(op.int_attr_or("storage_max", static_cast<int64_t>(hi))));
  return {lo, hi};
}

double entry(const std::vector<double>& v, int64_t channel) {
  return v.size() == 1 ? v[0] : v[channel];
}
float entry(const std::vector<float>& v, int64_t channel) {
  return v.size() == 1 ? v[0] : v[channel];
}

// The three affine maps, each with its parameters already read (one entry, or one per channel).
void quantize_values(const binary::Op& op, const HostTensor& x, const std::vector<float>& scale,
                     const std::vector<double>& zp, const ChannelOf& channel, HostTensor& o) {
  const auto [lo, hi] = storage_range(op, o.dtype());
  const std::vector<float> xs = to_f32(x);
  for (int64_t i = 0; i < x.volume(); ++i) {
    const int64_t c = channel(i);
    const float scaled = xs[i] / entry(scale, c);
    const double q = static_cast<double>(std::nearbyint(scaled)) + entry(zp, c);
    o.set(i, std::isnan(q) ? lo : std::clamp(q, lo, hi));
  }
}

void dequantize_values(const binary::Op& op, const HostTensor& q, const std::vector<float>& scale,
                       const std::vector<double>& zp, const ChannelOf& channel, HostTensor& o) {
  if (!is_float(o.dtype()))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("result must be a float tensor, not {}", mlir_name(o.dtype())));
  const std::vector<double> qs = q.to_doubles();
  std::vector<float> ys(qs.size());
  for (int64_t i = 0; i < q.volume(); ++i) {
    const int64_t c = channel(i);
    ys[i] = static_cast<float>(qs[i] - entry(zp, c)) * entry(scale, c);
  }
  from_f32(ys, o);
}

void requantize_values(const binary::Op& op, const HostTensor& q,
                       const std::vector<double>& in_scale, const std::vector<double>& in_zp,
                       const std::vector<double>& out_scale, const std::vector<double>& out_zp,
                       const ChannelOf& channel, HostTensor& o) {
  expect_count(op, in_scale.size(), channel, "in_scale");
  expect_count(op, out_scale.size(), channel, "out_scale");
  expect_count(op, in_zp.size(), channel, "in_zero_point");
  expect_count(op, out_zp.size(), channel, "out_zero_point");
  const auto [lo, hi] = storage_range(op, o.dtype());
  // One f32 ratio per channel, as the device folds the two scales into one multiplier.
  std::vector<float> ratio(static_cast<size_t>(channel.size));
  for (int64_t c = 0; c < channel.size; ++c)
    ratio[c] = static_cast<float>(entry(in_scale, c)) / static_cast<float>(entry(out_scale, c));
  const std::vector<double> qs = q.to_doubles();
  for (int64_t i = 0; i < q.volume(); ++i) {
    const int64_t c = channel(i);
    const float scaled = static_cast<float>(qs[i] - entry(in_zp, c)) * ratio[c];
    const double r = static_cast<double>(std::nearbyint(scaled)) + entry(out_zp, c);
    o.set(i, std::clamp(r, lo, hi));
  }
}

std::vector<float> f32_list(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// quantize_unrolled(x, scale, zp) / quantize(x), its parameters from its result type.
void quantize_kernel(const binary::Op& op, Inputs in, Outputs out) {
  const bool unrolled = op.name == "quantize_unrolled";
  expect_arity(op, in, unrolled ? 3 : 1, unrolled ? 3 : 1, out);
  const HostTensor& x = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), x.shape(), "result");
  const ChannelOf channel = channel_of(op, x.shape());
  if (unrolled) {
    const std::vector<float> scale = scales_of(op, *in[1], channel, "scale");
    const std::vector<double> zp = zero_points_of(op, *in[2], channel);
    quantize_values(op, x, scale, zp, channel, o);
    return;
  }
  const std::vector<double> scale = floats_attr(op, "scale"), zp = floats_attr(op, "zero_point");
  expect_count(op, scale.size(), channel, "scale");
  expect_count(op, zp.size(), channel, "zero point");
  quantize_values(op, x, f32_list(scale), zp, channel, o);
}

// dequantize_unrolled(q, scale, zp) / dequantize(q), its parameters from its operand type.
void dequantize_kernel(const binary::Op& op, Inputs in, Outputs out) {
  const bool unrolled = op.name == "dequantize_unrolled";
  expect_arity(op, in, unrolled ? 3 : 1, unrolled ? 3 : 1, out);
  const HostTensor& q = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), q.shape(), "result");
  const ChannelOf channel = channel_of(op, q.shape());
  if (unrolled) {
    const std::vector<float> scale = scales_of(op, *in[1], channel, "scale");
    const std::vector<double> zp = zero_points_of(op, *in[2], channel);
    dequantize_values(op, q, scale, zp, channel, o);
    return;
  }
  const std::vector<double> scale = floats_attr(op, "scale"), zp = floats_attr(op, "zero_point");
  expect_count(op, scale.size(), channel, "scale");
  expect_count(op, zp.size(), channel, "zero point");
  dequantize_values(op, q, f32_list(scale), zp, channel, o);
}

// requantize(q), its parameters from its types / requantize_unrolled(q, in_scale, in_zp,
// out_scale, out_zp).
void requantize_kernel(const binary::Op& op, Inputs in, Outputs out) {
  const bool unrolled = op.name == "requantize_unrolled";
  expect_arity(op, in, unrolled ? 5 : 1, unrolled ? 5 : 1, out);
  const HostTensor& q = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), q.shape(), "result");
  const ChannelOf channel = channel_of(op, q.shape());
  if (unrolled) {
    // Scales are f32 on the device: read them through f32.
    auto f32_doubles = [](const HostTensor& t) {
      const std::vector<float> f = to_f32(t);
      return std::vector<double>(f.begin(), f.end());
    };
    requantize_values(op, q, f32_doubles(*in[1]), in[2]->to_doubles(), f32_doubles(*in[3]),
                      in[4]->to_doubles(), channel, o);
    return;
  }
  const std::vector<double> in_scale = floats_attr(op, "in_scale");
  const std::vector<double> out_scale = floats_attr(op, "out_scale");
  const std::vector<double> in_zp = floats_attr(op, "in_zero_point");
  const std::vector<double> out_zp = floats_attr(op, "out_zero_point");
  requantize_values(op, q, in_scale, in_zp, out_scale, out_zp, channel, o);
}

}  // namespace

void register_quantization(KernelTable& t) {
  t["quantize_unrolled"] = quantize_kernel;
  t["dequantize_unrolled"] = dequantize_kernel;
  t["requantize"] = requantize_kernel;
  t["quantize"] = quantize_kernel;
  t["dequantize"] = dequantize_kernel;
  t["requantize_unrolled"] = requantize_kernel;
}

}  // namespace meshrt::ops::detail
