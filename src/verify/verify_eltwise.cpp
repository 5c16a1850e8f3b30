// Element-wise ops: unary, binary (numpy broadcasting), ternary, typecast and clamps.
#include <fmt/format.h>

#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

void check_unary(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  c.expect_result_shape(c.in(0));
}

void check_binary(const OpChecker& c) {
  c.expect_operands(2);
  c.expect_results(1);
  c.expect_result_shape(c.broadcast(c.in(0), c.in(1)));
}

void check_ternary(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(1);
  c.expect_result_shape(c.broadcast(c.broadcast(c.in(0), c.in(1)), c.in(2)));
}

void check_leaky_relu(const OpChecker& c) {
  check_unary(c);
  c.float_attr("parameter");
}

void check_clamp_scalar(const OpChecker& c) {
  check_unary(c);
  double lo = c.float_attr("min");
  double hi = c.float_attr("max");
  if (lo > hi) c.fail(fmt::format("min {} is greater than max {}", lo, hi));
}

}  // namespace

void check_bitcast_convert(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  c.expect_result_shape(c.in(0));
  const DataType from = c.operand(0).dtype, to = c.result(0).dtype;
  if (element_size(from) != element_size(to))
    c.fail(fmt::format("{} ({} bits) and {} ({} bits) differ in width", mlir_name(from),
                       8 * element_size(from), mlir_name(to), 8 * element_size(to)));
}

void add_eltwise_checks(CheckTable& table) {
  table["bitcast_convert"] = check_bitcast_convert;
  for (const char* name :
       {"neg",    "abs",      "exp",         "log",         "log1p",    "expm1",
        "sqrt",   "rsqrt",    "cbrt",        "reciprocal",  "relu",     "sigmoid",
        "tanh",   "tan",      "sin",         "cos",         "atan",     "asin",
        "acos",   "gelu",     "erf",         "erfc",        "floor",    "ceil",
        "sign",   "isfinite", "logical_not", "bitwise_not", "typecast", "to_layout",
        "relu6",  "silu",     "asinh",       "exp2",        "trunc",    "frac",
        "square", "softsign", "hardsigmoid", "mish",        "signbit",  "selu"}) {
    table[name] = check_unary;
  }
  for (const char* name : {"add",
                           "subtract",
                           "multiply",
                           "div",
                           "maximum",
                           "minimum",
                           "pow",
                           "remainder",
                           "atan2",
                           "eq",
                           "ne",
                           "gt",
                           "ge",
                           "lt",
                           "le",
                           "logical_and",
                           "logical_or",
                           "logical_xor",
                           "bitwise_and",
                           "bitwise_or",
                           "bitwise_xor",
                           "logical_left_shift",
                           "logical_right_shift",
                           "right_shift",
                           "gelu_bw"}) {
    table[name] = check_binary;
  }
  table["where"] = check_ternary;
  table["clamp_tensor"] = check_ternary;
  table["clamp_scalar"] = check_clamp_scalar;
  table["leaky_relu"] = check_leaky_relu;
}

}  // namespace meshrt::verify::detail
