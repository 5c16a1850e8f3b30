// Verifier rules for optimizer steps: adamw(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq?)
// with f32 attributes lr, beta1, beta2, beta1_pow, beta2_pow, epsilon, weight_decay; results
// param', exp_avg', exp_avg_sq' and max_exp_avg_sq' exactly when max_exp_avg_sq is given.
#include <fmt/format.h>

#include "verify_util.hpp"

namespace meshrt::verify::detail {
namespace {

void check_adamw(const OpChecker& c) {
  c.expect_operands(4, 5);
  const bool amsgrad = c.num_operands() == 5;
  c.expect_results(amsgrad ? 4 : 3);
  const Shape& p = c.in(0);
  const char* names[] = {"param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  for (size_t k = 0; k < c.num_operands(); ++k) {
    if (c.in(k) != p)
      c.fail(fmt::format("{} is {} but param is {}", names[k], shape_to_string(c.in(k)),
                         shape_to_string(p)));
    if (!is_float(c.operand(k).dtype))
      c.fail(fmt::format("{} must be a float tensor, has {}", names[k],
                         mlir_name(c.operand(k).dtype)));
  }
  for (size_t r = 0; r < (amsgrad ? 4u : 3u); ++r) c.expect_result_shape(p, r);
  for (const char* key :
       {"lr", "beta1", "beta2", "beta1_pow", "beta2_pow", "epsilon", "weight_decay"}) {
    if (!c.has(key)) c.fail(fmt::format("missing attribute '{}'", key));
  }
  for (const char* key : {"beta1_pow", "beta2_pow"}) {
    if (c.op.float_attr(key) == 1.0)
      c.fail(fmt::format("{} = 1 leaves no bias correction (1 - {} divides)", key, key));
  }
  if (c.op.bool_attr_or("stochastic_rounding", false))
    c.fail(
        "stochastic_rounding = true is not supported (the result would depend on a random "
        "draw the program does not describe)");
}

}  // namespace

void add_optimizer_checks(CheckTable& table) { table["adamw"] = check_adamw; }

}  // namespace meshrt::verify::detail
