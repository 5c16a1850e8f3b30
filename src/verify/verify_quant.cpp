// Verifier rules for the quantization ops: quantize_unrolled (float -> storage integers),
// dequantize_unrolled (storage integers -> float) and requantize (one quantization to another).
// Per-axis parameters (an `axis` attribute) have one entry per index of that dim, or one entry
// for all; per-tensor parameters have exactly one entry.
#include <fmt/format.h>

#include <optional>

#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

bool is_integer(DataType dtype) { return !is_float(dtype) && dtype != DataType::kBool; }

// The normalised `axis` attribute, if any, checked against `shape`.
std::optional<int64_t> quant_axis(const OpChecker& c, const Shape& shape) {
  if (!c.has("axis")) return std::nullopt;
  return c.dim_index(c.int_attr("axis"), shape.size(), "quantization axis");
}

void expect_param_count(const OpChecker& c, int64_t count, const Shape& shape,
                        std::optional<int64_t> axis, const std::string& what) {
  if (count == 1) return;
  if (!axis) {
    c.fail(fmt::format("{} has {} entries but a per-tensor quantization (no axis) takes 1", what,
                       count));
  }
  if (count != shape[*axis]) {
    c.fail(fmt::format("{} has {} entries but dim {} (the quantization axis) of {} has size {}",
                       what, count, *axis, shape_to_string(shape), shape[*axis]));
  }
}

// scale (operand 1, float) and zero point (operand 2, integer) of the unrolled ops.
void check_param_operands(const OpChecker& c, const Shape& shape) {
  const std::optional<int64_t> axis = quant_axis(c, shape);
  if (!is_float(c.operand(1).dtype))
    c.fail(fmt::format("scale must be a float tensor, has {}", mlir_name(c.operand(1).dtype)));
  if (!is_integer(c.operand(2).dtype))
    c.fail(
        fmt::format("zero point must be an integer tensor, has {}", mlir_name(c.operand(2).dtype)));
  if (c.in(1).size() > 1)
    c.fail(fmt::format("scale {} must have rank 1", shape_to_string(c.in(1))));
  if (c.in(2).size() > 1)
    c.fail(fmt::format("zero point {} must have rank 1", shape_to_string(c.in(2))));
  expect_param_count(c, volume(c.in(1)), shape, axis, "scale");
  expect_param_count(c, volume(c.in(2)), shape, axis, "zero point");
}

void check_storage_range(const OpChecker& c) {
  if (!c.has("storage_min") && !c.has("storage_max")) return;
  const int64_t lo = c.int_attr("storage_min"), hi = c.int_attr("storage_max");
  if (lo > hi) c.fail(fmt::format("storage range [{}, {}] is empty", lo, hi));
}

// Entry count of a number-list attribute (int, float, or a list of either); fails if missing.
int64_t attr_count(const OpChecker& c, const std::string& key, bool positive) {
  if (!c.has(key))
    c.fail(
        fmt::format("missing attribute '{}' (it comes from the quantized operand and result "
                    "types)",
                    key));
  const binary::AttrValue& v = c.op.attrs.at(key);
  std::vector<double> values;
  if (auto* f = std::get_if<std::vector<double>>(&v)) values = *f;
  if (auto* i = std::get_if<std::vector<int64_t>>(&v)) values.assign(i->begin(), i->end());
  if (auto* d = std::get_if<double>(&v)) values = {*d};
  if (auto* n = std::get_if<int64_t>(&v)) values = {static_cast<double>(*n)};
  if (values.empty()) c.fail(fmt::format("attribute '{}' must be a non-empty number list", key));
  for (double x : values) {
    if (positive && !(x > 0 && x < 1e300))
      c.fail(fmt::format("attribute '{}' holds {}, scales must be positive and finite", key, x));
  }
  return static_cast<int64_t>(values.size());
}

// The parameters of (de)quantize: operands 1 and 2 when unrolled, else the scale and zero_point
// attributes the parser took from the quantized type.
void check_params(const OpChecker& c, bool unrolled) {
  if (unrolled) {
    check_param_operands(c, c.in(0));
    return;
  }
  const std::optional<int64_t> axis = quant_axis(c, c.in(0));
  expect_param_count(c, attr_count(c, "scale", true), c.in(0), axis, "scale");
  expect_param_count(c, attr_count(c, "zero_point", false), c.in(0), axis, "zero_point");
}

// quantize_unrolled(x, scale, zp) / quantize(x) with scale and zero_point from its result type.
void check_quantize(const OpChecker& c) {
  const bool unrolled = c.op.name == "quantize_unrolled";
  c.expect_operands(unrolled ? 3 : 1);
  c.expect_results(1);
  if (!is_float(c.operand(0).dtype))
    c.fail(fmt::format("input must be a float tensor, has {}", mlir_name(c.operand(0).dtype)));
  if (!is_integer(c.result(0).dtype))
    c.fail(fmt::format("result must have an integer (storage) type, has {}",
                       mlir_name(c.result(0).dtype)));
  c.expect_result_shape(c.in(0));
  check_params(c, unrolled);
  check_storage_range(c);
}

// dequantize_unrolled(q, scale, zp) / dequantize(q) with scale and zero_point from its operand
// type.
void check_dequantize(const OpChecker& c) {
  const bool unrolled = c.op.name == "dequantize_unrolled";
  c.expect_operands(unrolled ? 3 : 1);
  c.expect_results(1);
  if (!is_integer(c.operand(0).dtype))
    c.fail(fmt::format("input must have an integer (storage) type, has {}",
                       mlir_name(c.operand(0).dtype)));
  if (!is_float(c.result(0).dtype))
    c.fail(fmt::format("result must be a float tensor, has {}", mlir_name(c.result(0).dtype)));
  c.expect_result_shape(c.in(0));
  check_params(c, unrolled);
}

// requantize(q) with its parameters from its types / requantize_unrolled(q, in_scale,
// in_zero_point, out_scale, out_zero_point): scales float, zero points integer, each rank <= 1
// with 1 entry or one per index of `axis`.
void check_requantize(const OpChecker& c) {
  const bool unrolled = c.op.name == "requantize_unrolled";
  c.expect_operands(unrolled ? 5 : 1);
  c.expect_results(1);
  if (!is_integer(c.operand(0).dtype) || !is_integer(c.result(0).dtype))
    c.fail(fmt::format("operand and result must have integer (storage) types, have {} and {}",
                       mlir_name(c.operand(0).dtype), mlir_name(c.result(0).dtype)));
  c.expect_result_shape(c.in(0));
  const std::optional<int64_t> axis = quant_axis(c, c.in(0));
  if (unrolled) {
    const char* names[] = {"in_scale", "in_zero_point", "out_scale", "out_zero_point"};
    for (size_t k = 1; k <= 4; ++k) {
      const bool scale = k % 2 == 1;
      const DataType dtype = c.operand(k).dtype;
      if (scale ? !is_float(dtype) : !is_integer(dtype))
        c.fail(fmt::format("{} must be {} tensor, has {}", names[k - 1],
                           scale ? "a float" : "an integer", mlir_name(dtype)));
      if (c.in(k).size() > 1)
        c.fail(fmt::format("{} {} must have rank 0 or 1", names[k - 1], shape_to_string(c.in(k))));
      expect_param_count(c, volume(c.in(k)), c.in(0), axis, names[k - 1]);
    }
  } else {
    for (const char* key : {"in_scale", "out_scale"})
      expect_param_count(c, attr_count(c, key, true), c.in(0), axis, key);
    for (const char* key : {"in_zero_point", "out_zero_point"})
      expect_param_count(c, attr_count(c, key, false), c.in(0), axis, key);
  }
  check_storage_range(c);
}

}  // namespace

void add_quantization_checks(CheckTable& table) {
  table["quantize_unrolled"] = check_quantize;
  table["dequantize_unrolled"] = check_dequantize;
  table["requantize"] = check_requantize;
  table["quantize"] = check_quantize;
  table["dequantize"] = check_dequantize;
  table["requantize_unrolled"] = check_requantize;
}

}  // namespace meshrt::verify::detail
