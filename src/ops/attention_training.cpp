// Device kernels of ttml's training attention, in f32 as the chip accumulates:
//
//   sdpa_fw(Q [B, Hq, S, D], K [B, Hkv, S, D], V [B, Hkv, S, Dv], mask?) -> O [B, Hq, S, Dv]
//           and, with return_intermediates, L [B, Hq, S, 32]
//     scores = Q.K^T / sqrt(D) + mask (mask_type causal: -inf above the diagonal; arbitrary:
//     the [1, 1, S, S] mask added; none), P = softmax(scores), O = P.V, L = logsumexp(scores)
//     in every one of the 32 columns (one f32 tile per row, as ttml stores it).
//   sdpa_bw(dO, O, Q, K, V, L, mask?) -> dQ, dK, dV
//     P = exp(scores - L[..., 0]), dV = P^T.dO, dP = dO.V^T, u = rowsum(dO * O),
//     dS = P * (dP - u) / sqrt(D), dQ = dS.K, dK = dS^T.Q; query heads sharing a KV head
//     (Hq / Hkv of them) add their dK and dV.
#include <cmath>
#include <limits>
#include <optional>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

enum class MaskType { kNone, kCausal, kArbitrary };

MaskType mask_type(const binary::Op& op, MaskType fallback) {
  if (!op.has_attr("mask_type")) return fallback;
  const std::string t = op.string_attr("mask_type");
  if (t == "none") return MaskType::kNone;
  if (t == "causal") return MaskType::kCausal;
  if (t == "arbitrary") return MaskType::kArbitrary;
  fail(ErrorCode::kInvalidArgument, op, fmt::format("unknown mask_type '{}'", t));
}

struct Dims {
  int64_t b, hq, hkv, s, d, dv;
};

Dims dims_of(const binary::Op& op, const HostTensor& q, const HostTensor& k, const HostTensor& v) {
  for (const HostTensor* t : {&q, &k, &v})
    if (t->shape().size() != 4)
      fail(ErrorCode::kInvalidArgument, op, "query, key and value must have rank 4");
  Dims d{q.shape()[0], q.shape()[1], k.shape()[1], q.shape()[2], q.shape()[3], v.shape()[3]};
  if (d.hkv == 0 || d.hq % d.hkv != 0 || k.shape()[3] != d.d || k.shape()[2] != d.s ||
      v.shape()[2] != d.s || v.shape()[1] != d.hkv)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("query {}, key {}, value {} do not fit", shape_to_string(q.shape()),
                     shape_to_string(k.shape()), shape_to_string(v.shape())));
  return d;
}

// Scaled, masked scores of one (batch, query head): [S, S].
std::vector<float> scores(const Dims& n, const std::vector<float>& q, const std::vector<float>& k,
                          const std::vector<float>* mask, MaskType type, int64_t b, int64_t h) {
  const int64_t kvh = h / (n.hq / n.hkv);
  const float scale = 1.0f / std::sqrt(static_cast<float>(n.d));
  const float* qb = q.data() + (b * n.hq + h) * n.s * n.d;
  const float* kb = k.data() + (b * n.hkv + kvh) * n.s * n.d;
  std::vector<float> sc(static_cast<size_t>(n.s * n.s));
  for (int64_t i = 0; i < n.s; ++i)
    for (int64_t j = 0; j < n.s; ++j) {
      float acc = 0;
      for (int64_t e = 0; e < n.d; ++e) acc += qb[i * n.d + e] * kb[j * n.d + e];
      float v = acc * scale;
      if (type == MaskType::kCausal && j > i) v = -std::numeric_limits<float>::infinity();
      if (type == MaskType::kArbitrary) v += (*mask)[i * n.s + j];
      sc[i * n.s + j] = v;
    }
  return sc;
}

const std::vector<float>* mask_values(const binary::Op& op, MaskType type, const HostTensor* mask,
                                      int64_t s, std::vector<float>& storage) {
  if ((type == MaskType::kArbitrary) != (mask != nullptr))
    fail(ErrorCode::kInvalidArgument, op,
         "mask_type arbitrary needs attention_mask, none and causal forbid it");
  if (!mask) return nullptr;
  if (mask->volume() != s * s)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("attention_mask {} must be [1, 1, {}, {}]", shape_to_string(mask->shape()), s,
                     s));
  storage = to_f32(*mask);
  return &storage;
}

void sdpa_fw_kernel(const binary::Op& op, Inputs in, Outputs out) {
  const bool lse = op.bool_attr_or("return_intermediates", false);
  expect_arity(op, in, 3, 4, out, lse ? 2 : 1);
  if (op.float_attr_or("dropout_probability", 0.0) != 0.0)
    fail(ErrorCode::kUnsupported, op, "dropout_probability other than 0");
  const Dims n = dims_of(op, *in[0], *in[1], *in[2]);
  const MaskType type = mask_type(op, MaskType::kCausal);
  std::vector<float> mask_storage;
  const std::vector<float>* mask =
      mask_values(op, type, in.size() == 4 ? in[3] : nullptr, n.s, mask_storage);
  expect_shape(op, out[0]->shape(), Shape{n.b, n.hq, n.s, n.dv}, "output");
  if (lse) expect_shape(op, out[1]->shape(), Shape{n.b, n.hq, n.s, 32}, "intermediates");
  const std::vector<float> q = to_f32(*in[0]), k = to_f32(*in[1]), v = to_f32(*in[2]);
  std::vector<float> o(static_cast<size_t>(n.b * n.hq * n.s * n.dv), 0.0f);
  std::vector<float> l(static_cast<size_t>(n.b * n.hq * n.s * 32), 0.0f);
  for (int64_t b = 0; b < n.b; ++b)
    for (int64_t h = 0; h < n.hq; ++h) {
      std::vector<float> sc = scores(n, q, k, mask, type, b, h);
      const float* vb = v.data() + (b * n.hkv + h / (n.hq / n.hkv)) * n.s * n.dv;
      for (int64_t i = 0; i < n.s; ++i) {
        float* row = sc.data() + i * n.s;
        float peak = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < n.s; ++j) peak = std::max(peak, row[j]);
        float total = 0;
        for (int64_t j = 0; j < n.s; ++j) total += row[j] = std::exp(row[j] - peak);
        float* orow = o.data() + ((b * n.hq + h) * n.s + i) * n.dv;
        for (int64_t j = 0; j < n.s; ++j)
          for (int64_t e = 0; e < n.dv; ++e) orow[e] += row[j] / total * vb[j * n.dv + e];
        float* lrow = l.data() + ((b * n.hq + h) * n.s + i) * 32;
        for (int64_t c = 0; c < 32; ++c) lrow[c] = peak + std::log(total);
      }
    }
  from_f32(o, *out[0]);
  if (lse) from_f32(l, *out[1]);
}

void sdpa_bw_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 6, 7, out, 3);
  if (op.float_attr_or("dropout_probability", 0.0) != 0.0)
    fail(ErrorCode::kUnsupported, op, "dropout_probability other than 0");
  const Dims n = dims_of(op, *in[2], *in[3], *in[4]);
  const MaskType type = mask_type(op, MaskType::kArbitrary);
  std::vector<float> mask_storage;
  const std::vector<float>* mask =
      mask_values(op, type, in.size() == 7 ? in[6] : nullptr, n.s, mask_storage);
  const Shape o_shape{n.b, n.hq, n.s, n.dv};
  expect_shape(op, in[0]->shape(), o_shape, "grad_output");
  expect_shape(op, in[1]->shape(), o_shape, "attn_output");
  expect_shape(op, in[5]->shape(), Shape{n.b, n.hq, n.s, 32}, "intermediates");
  expect_shape(op, out[0]->shape(), in[2]->shape(), "grad_query");
  expect_shape(op, out[1]->shape(), in[3]->shape(), "grad_key");
  expect_shape(op, out[2]->shape(), in[4]->shape(), "grad_value");
  const std::vector<float> dout = to_f32(*in[0]), o = to_f32(*in[1]), q = to_f32(*in[2]),
                           k = to_f32(*in[3]), v = to_f32(*in[4]), l = to_f32(*in[5]);
  std::vector<float> dq(q.size(), 0.0f), dk(k.size(), 0.0f), dv(v.size(), 0.0f);
  const float scale = 1.0f / std::sqrt(static_cast<float>(n.d));
  for (int64_t b = 0; b < n.b; ++b)
    for (int64_t h = 0; h < n.hq; ++h) {
      const int64_t kvh = h / (n.hq / n.hkv);
      std::vector<float> p = scores(n, q, k, mask, type, b, h);
      const int64_t qo = (b * n.hq + h) * n.s, ko = (b * n.hkv + kvh) * n.s;
      for (int64_t i = 0; i < n.s; ++i) {
        const float li = l[(qo + i) * 32];
        float u = 0;
        for (int64_t e = 0; e < n.dv; ++e) u += dout[(qo + i) * n.dv + e] * o[(qo + i) * n.dv + e];
        for (int64_t j = 0; j < n.s; ++j) {
          const float pij = std::exp(p[i * n.s + j] - li);
          float dp = 0;
          for (int64_t e = 0; e < n.dv; ++e) {
            dv[(ko + j) * n.dv + e] += pij * dout[(qo + i) * n.dv + e];
            dp += dout[(qo + i) * n.dv + e] * v[(ko + j) * n.dv + e];
          }
          const float ds = pij * (dp - u) * scale;
          for (int64_t e = 0; e < n.d; ++e) {
            dq[(qo + i) * n.d + e] += ds * k[(ko + j) * n.d + e];
            dk[(ko + j) * n.d + e] += ds * q[(qo + i) * n.d + e];
          }
        }
      }
    }
  from_f32(dq, *out[0]);
  from_f32(dk, *out[1]);
  from_f32(dv, *out[2]);
}

}  // namespace

void register_attention_training(KernelTable& t) {
  t["sdpa_fw"] = sdpa_fw_kernel;
  t["sdpa_bw"] = sdpa_bw_kernel;
}

}  // namespace meshrt::ops::detail
