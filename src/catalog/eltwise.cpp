// Elementwise ops: unary math and activations, binary arithmetic, comparisons, logical and
// bitwise ops, ternary select and clamps, typecast. All are DRAM bound.
#include "families.hpp"

namespace meshrt::catalog::detail {

void add_eltwise_ops(Ops& ops) {
  constexpr CostFamily kCost = CostFamily::kEltwise;
  add_plain(ops, "eltwise_unary", kCost,
            {"abs",         "acos",         "asin",        "asinh",
             "atan",        "cbrt",         "ceil",        "cos",
             "erf",         "erfc",         "exp",         "exp2",
             "expm1",       "floor",        "frac",        "gelu",
             "hardsigmoid", "isfinite",     "leaky_relu",  "log",
             "log1p",       "logical_not",  "mish",        "neg",
             "reciprocal",  "relu",         "relu6",       "rsqrt",
             "selu",        "sigmoid",      "sign",        "signbit",
             "silu",        "sin",          "softsign",    "sqrt",
             "square",      "tan",          "tanh",        "trunc",
             "typecast",    "clamp_scalar", "bitwise_not", "bitcast_convert"});
  add_plain(ops, "eltwise_binary", kCost, {"add",         "atan2",
                                           "bitwise_and", "bitwise_or",
                                           "bitwise_xor", "div",
                                           "eq",          "ge",
                                           "gt",          "le",
                                           "logical_and", "logical_left_shift",
                                           "logical_or",  "logical_right_shift",
                                           "logical_xor", "lt",
                                           "maximum",     "minimum",
                                           "multiply",    "ne",
                                           "pow",         "remainder",
                                           "right_shift", "subtract",
                                           "gelu_bw"});
  add_plain(ops, "eltwise_ternary", kCost, {"where", "clamp_tensor"});
  // An optimizer step is elementwise over its parameter, gradient and moments.
  add_plain(ops, "optimizer", kCost, {"adamw"});
}

}  // namespace meshrt::catalog::detail
