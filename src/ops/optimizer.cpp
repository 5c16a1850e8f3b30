// Optimizer step kernels: adamw (ttml's fused AdamW), in f32 as the device computes it:
//
//   m'  = beta1 * m + (1 - beta1) * g            v' = beta2 * v + (1 - beta2) * g^2
//   v^  = max(v_max, v') with max_exp_avg_sq (AMSGrad), else v'
//   p'  = p - lr * (m' / (1 - beta1_pow)) / (sqrt(v^ / (1 - beta2_pow)) + epsilon)
//         - lr * weight_decay * p
//
// Results: p', m', v' and, with max_exp_avg_sq, v^. Stochastic rounding is refused: it would make
// the result depend on a random draw the program does not describe.
#include <algorithm>
#include <cmath>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

void adamw_kernel(const binary::Op& op, Inputs in, Outputs out) {
  const bool amsgrad = in.size() == 5;
  expect_arity(op, in, 4, 5, out, amsgrad ? 4 : 3);
  if (op.bool_attr_or("stochastic_rounding", false))
    fail(ErrorCode::kUnsupported, op, "stochastic_rounding = true");
  for (size_t k = 1; k < in.size(); ++k)
    expect_shape(op, in[k]->shape(), in[0]->shape(), fmt::format("operand {}", k));
  for (HostTensor* o : out) expect_shape(op, o->shape(), in[0]->shape(), "result");
  const float lr = static_cast<float>(op.float_attr("lr"));
  const float beta1 = static_cast<float>(op.float_attr("beta1"));
  const float beta2 = static_cast<float>(op.float_attr("beta2"));
  const float correction1 = 1.0f - static_cast<float>(op.float_attr("beta1_pow"));
  const float correction2 = 1.0f - static_cast<float>(op.float_attr("beta2_pow"));
  const float eps = static_cast<float>(op.float_attr("epsilon"));
  const float decay = lr * static_cast<float>(op.float_attr("weight_decay"));
  std::vector<float> p = to_f32(*in[0]);
  const std::vector<float> g = to_f32(*in[1]);
  std::vector<float> m = to_f32(*in[2]), v = to_f32(*in[3]);
  std::vector<float> vmax = amsgrad ? to_f32(*in[4]) : std::vector<float>();
  for (size_t i = 0; i < p.size(); ++i) {
    m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
    v[i] = beta2 * v[i] + (1.0f - beta2) * (g[i] * g[i]);
    float second = v[i];
    if (amsgrad) second = vmax[i] = std::max(vmax[i], v[i]);
    const float denom = std::sqrt(second / correction2) + eps;
    p[i] = p[i] - lr * (m[i] / correction1) / denom - decay * p[i];
  }
  from_f32(p, *out[0]);
  from_f32(m, *out[1]);
  from_f32(v, *out[2]);
  if (amsgrad) from_f32(vmax, *out[3]);
}

}  // namespace

void register_optimizer(KernelTable& t) { t["adamw"] = adamw_kernel; }

}  // namespace meshrt::ops::detail
