// Reference-interpreter kernels (f64) of ttml's training attention, sdpa_fw and sdpa_bw (the
// formulas are at the top of src/ops/attention_training.cpp). Written from tt-mlir's op
// definitions: a fixed 1/sqrt(D) scale, mask_type none / causal / arbitrary, grouped KV heads.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

struct Attention {
  int64_t b, hq, hkv, s, d, dv;
  std::string mask_type;
  const Tensor* mask = nullptr;
};

Attention attention_of(const OpContext& ctx, const Tensor& q, const Tensor& k, const Tensor& v,
                       const Tensor* mask, const char* default_mask) {
  if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
    ctx.fail(ErrorCode::kInvalidArgument, "query, key and value must have rank 4");
  Attention a{q.shape[0],
              q.shape[1],
              k.shape[1],
              q.shape[2],
              q.shape[3],
              v.shape[3],
              ctx.op.has_attr("mask_type") ? ctx.op.string_attr("mask_type") : default_mask,
              mask};
  if (a.hkv < 1 || a.hq % a.hkv != 0)
    ctx.fail(ErrorCode::kInvalidArgument, "query heads must be a multiple of the KV heads");
  if (a.mask_type != "none" && a.mask_type != "causal" && a.mask_type != "arbitrary")
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("unknown mask_type '{}'", a.mask_type));
  if ((a.mask_type == "arbitrary") != (mask != nullptr))
    ctx.fail(ErrorCode::kInvalidArgument,
             "mask_type arbitrary needs attention_mask, none and causal forbid it");
  if (ctx.op.float_attr_or("dropout_probability", 0.0) != 0.0)
    ctx.fail(ErrorCode::kUnsupported, "dropout_probability other than 0 is not supported");
  return a;
}

double q_at(const Tensor& t, int64_t b, int64_t h, int64_t i, int64_t e) {
  const Shape& s = t.shape;
  return t.v[static_cast<size_t>(((b * s[1] + h) * s[2] + i) * s[3] + e)];
}

// The scaled, masked score of query row i against key row j.
double score(const Attention& a, const Tensor& q, const Tensor& k, int64_t b, int64_t h, int64_t i,
             int64_t j) {
  if (a.mask_type == "causal" && j > i) return -std::numeric_limits<double>::infinity();
  const int64_t kvh = h / (a.hq / a.hkv);
  double dot = 0;
  for (int64_t e = 0; e < a.d; ++e) dot += q_at(q, b, h, i, e) * q_at(k, b, kvh, j, e);
  double s = dot / std::sqrt(static_cast<double>(a.d));
  if (a.mask_type == "arbitrary") s += a.mask->v[static_cast<size_t>(i * a.s + j)];
  return s;
}

std::vector<Tensor> sdpa_fw(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 3);
  const Tensor &q = *in[0], &k = *in[1], &v = *in[2];
  const Attention a = attention_of(ctx, q, k, v, in.size() > 3 ? in[3] : nullptr, "causal");
  const bool with_lse = ctx.op.bool_attr_or("return_intermediates", false);
  std::vector<Tensor> out;
  out.emplace_back(Shape{a.b, a.hq, a.s, a.dv}, ctx.result_dtype(0));
  if (with_lse) out.emplace_back(Shape{a.b, a.hq, a.s, 32}, ctx.result_dtype(1));
  std::vector<double> row(static_cast<size_t>(a.s));
  for (int64_t b = 0; b < a.b; ++b)
    for (int64_t h = 0; h < a.hq; ++h)
      for (int64_t i = 0; i < a.s; ++i) {
        double peak = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < a.s; ++j) {
          row[static_cast<size_t>(j)] = score(a, q, k, b, h, i, j);
          peak = std::max(peak, row[static_cast<size_t>(j)]);
        }
        double total = 0;
        for (double& x : row) total += x = std::exp(x - peak);
        const int64_t kvh = h / (a.hq / a.hkv);
        for (int64_t e = 0; e < a.dv; ++e) {
          double acc = 0;
          for (int64_t j = 0; j < a.s; ++j)
            acc += row[static_cast<size_t>(j)] * q_at(v, b, kvh, j, e);
          out[0].v[static_cast<size_t>(((b * a.hq + h) * a.s + i) * a.dv + e)] = acc / total;
        }
        if (with_lse)
          for (int64_t c = 0; c < 32; ++c)
            out[1].v[static_cast<size_t>(((b * a.hq + h) * a.s + i) * 32 + c)] =
                peak + std::log(total);
      }
  return out;
}

std::vector<Tensor> sdpa_bw(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 6);
  const Tensor &dout = *in[0], &o = *in[1], &q = *in[2], &k = *in[3], &v = *in[4], &l = *in[5];
  const Attention a = attention_of(ctx, q, k, v, in.size() > 6 ? in[6] : nullptr, "arbitrary");
  std::vector<Tensor> out;
  out.emplace_back(q.shape, ctx.result_dtype(0));
  out.emplace_back(k.shape, ctx.result_dtype(1));
  out.emplace_back(v.shape, ctx.result_dtype(2));
  Tensor &dq = out[0], &dk = out[1], &dv = out[2];
  const double scale = 1.0 / std::sqrt(static_cast<double>(a.d));
  auto at = [](Tensor& t, int64_t b, int64_t h, int64_t i, int64_t e) -> double& {
    const Shape& s = t.shape;
    return t.v[static_cast<size_t>(((b * s[1] + h) * s[2] + i) * s[3] + e)];
  };
  for (int64_t b = 0; b < a.b; ++b)
    for (int64_t h = 0; h < a.hq; ++h) {
      const int64_t kvh = h / (a.hq / a.hkv);
      for (int64_t i = 0; i < a.s; ++i) {
        const double lse = q_at(l, b, h, i, 0);
        double u = 0;
        for (int64_t e = 0; e < a.dv; ++e) u += q_at(dout, b, h, i, e) * q_at(o, b, h, i, e);
        for (int64_t j = 0; j < a.s; ++j) {
          const double p = std::exp(score(a, q, k, b, h, i, j) - lse);
          double dp = 0;
          for (int64_t e = 0; e < a.dv; ++e) {
            at(dv, b, kvh, j, e) += p * q_at(dout, b, h, i, e);
            dp += q_at(dout, b, h, i, e) * q_at(v, b, kvh, j, e);
          }
          const double ds = p * (dp - u) * scale;
          for (int64_t e = 0; e < a.d; ++e) {
            at(dq, b, h, i, e) += ds * q_at(k, b, kvh, j, e);
            at(dk, b, kvh, j, e) += ds * q_at(q, b, h, i, e);
          }
        }
      }
    }
  return out;
}

}  // namespace

void register_attention_training_kernels(KernelTable& table) {
  table.device["sdpa_fw"] = sdpa_fw;
  table.device["sdpa_bw"] = sdpa_bw;
}

}  // namespace meshrt::reference::interp
