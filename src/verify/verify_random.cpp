// Verifier rule for ttir.rand: no operands, one float result whose shape is the `size`
// attribute, an optional `dtype` equal to the result's element type, finite `low` < `high`
// (defaults 0 and 1) with at least one value of the result dtype in [low, high), and a ui32
// `seed` (default 0). Errors name the op, its loc and what is wrong.
#include <fmt/format.h>

#include <cmath>

#include "meshrt/tensor/dtype_range.hpp"
#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

void check_rand(const OpChecker& c) {
  c.expect_operands(0);
  c.expect_results(1);
  const DataType dtype = c.result(0).dtype;
  if (!is_float(dtype)) {
    c.fail(
        fmt::format("result element type {} is not a float type (rand makes f32, bf16, f16 or "
                    "f64 values)",
                    mlir_name(dtype)));
  }
  if (c.has("dtype")) {
    const std::string name = c.string_attr("dtype");
    if (dtype_from_mlir(name) != dtype) {
      c.fail(fmt::format("dtype {} does not match the result element type {}", name,
                         mlir_name(dtype)));
    }
  }
  if (!c.has("size")) c.fail("attribute 'size' is missing");
  const std::vector<int64_t> size = c.ints_attr("size");
  if (size != c.out()) {
    c.fail(fmt::format("size {} does not match the result shape {}", shape_to_string(size),
                       shape_to_string(c.out())));
  }
  const double low = c.has("low") ? c.float_attr("low") : 0.0;
  const double high = c.has("high") ? c.float_attr("high") : 1.0;
  if (!std::isfinite(low) || !std::isfinite(high))
    c.fail(fmt::format("low ({}) and high ({}) must be finite", low, high));
  if (!(low < high)) c.fail(fmt::format("low ({}) must be less than high ({})", low, high));
  if (!dtype_values_in(low, high, dtype)) {
    c.fail(fmt::format("no {} value lies in [low, high) = [{}, {})", mlir_name(dtype), low, high));
  }
  const int64_t seed = c.int_attr_or("seed", 0);
  if (seed < 0 || seed > int64_t{0xFFFFFFFF})
    c.fail(fmt::format("seed {} is out of range for ui32", seed));
}

}  // namespace

void check_dropout(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  c.expect_result_shape(c.in(0));
  const double prob = c.op.has_attr("prob") ? c.float_attr("prob") : 0.5;
  if (!(prob >= 0 && prob < 1)) c.fail(fmt::format("prob {} is outside [0, 1)", prob));
  const int64_t seed = c.int_attr_or("seed", 0);
  if (seed < 0 || seed > 0xffffffffll) c.fail(fmt::format("seed {} is not a ui32", seed));
  if (c.bool_attr_or("use_per_device_seed", false))
    c.fail("use_per_device_seed = true is not supported: every chip draws the same mask");
}

// sampling(input_values [B, C], input_indices [B, C], k [B], p [B], temp [B]; seed?) -> [B]
// integer token ids.
void check_sampling(const OpChecker& c) {
  c.expect_operands(5);
  c.expect_results(1);
  const Shape& values = c.in(0);
  if (values.size() != 2)
    c.fail(fmt::format("input_values {} must be [batch, candidates]", shape_to_string(values)));
  if (c.in(1) != values)
    c.fail(fmt::format("input_indices {} must match input_values {}", shape_to_string(c.in(1)),
                       shape_to_string(values)));
  const char* names[] = {"k", "p", "temp"};
  for (size_t i = 2; i < 5; ++i)
    if (volume(c.in(i)) != values[0])
      c.fail(fmt::format("{} {} must hold one value per request ({})", names[i - 2],
                         shape_to_string(c.in(i)), values[0]));
  if (!is_float(c.operand(0).dtype) || is_float(c.operand(1).dtype))
    c.fail("input_values must be a float tensor and input_indices an integer tensor");
  c.expect_result_shape({values[0]});
  if (is_float(c.result(0).dtype) || c.result(0).dtype == DataType::kBool)
    c.fail(fmt::format("result must be integer token ids, has {}", mlir_name(c.result(0).dtype)));
  const int64_t seed = c.int_attr_or("seed", 0);
  if (seed < 0 || seed > 0xffffffffll) c.fail(fmt::format("seed {} is not a ui32", seed));
}

void add_random_checks(CheckTable& table) {
  table["sampling"] = check_sampling;
  table["rand"] = check_rand;
  table["dropout"] = check_dropout;
}

}  // namespace meshrt::verify::detail
