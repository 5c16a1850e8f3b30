// Reference-interpreter kernel (f64) of adamw, ttml's fused AdamW step (the formulas are at the
// top of src/ops/optimizer.cpp): results p', m', v' and, with max_exp_avg_sq, max(v_max, v').
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

std::vector<Tensor> adamw(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 4);
  const bool amsgrad = in.size() == 5;
  if (ctx.op.bool_attr_or("stochastic_rounding", false))
    ctx.fail(ErrorCode::kUnsupported, "stochastic_rounding = true is not supported");
  for (const Tensor* t : in) expect_shape(ctx, *t, in[0]->shape, "every operand");
  // Attributes are f32 on the device: read them through f32.
  auto f32_attr = [&](const char* key) {
    return static_cast<double>(static_cast<float>(ctx.op.float_attr(key)));
  };
  const double lr = f32_attr("lr"), beta1 = f32_attr("beta1"), beta2 = f32_attr("beta2");
  const double correction1 = 1.0 - f32_attr("beta1_pow"), correction2 = 1.0 - f32_attr("beta2_pow");
  const double eps = f32_attr("epsilon"), weight_decay = f32_attr("weight_decay");
  std::vector<Tensor> out;
  for (size_t r = 0; r < (amsgrad ? 4u : 3u); ++r)
    out.emplace_back(in[0]->shape, ctx.result_dtype(r));
  for (size_t i = 0; i < in[0]->v.size(); ++i) {
    const double p = in[0]->v[i], g = in[1]->v[i];
    const double m = beta1 * in[2]->v[i] + (1.0 - beta1) * g;
    const double v = beta2 * in[3]->v[i] + (1.0 - beta2) * g * g;
    const double second = amsgrad ? std::max(in[4]->v[i], v) : v;
    const double denom = std::sqrt(second / correction2) + eps;
    out[0].v[i] = p - lr * (m / correction1) / denom - lr * weight_decay * p;
    out[1].v[i] = m;
    out[2].v[i] = v;
    if (amsgrad) out[3].v[i] = second;
  }
  return out;
}

}  // namespace

void register_optimizer_kernels(KernelTable& table) { table.device["adamw"] = adamw; }

}  // namespace meshrt::reference::interp
