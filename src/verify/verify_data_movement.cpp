// Data movement and creation ops: reshape, permute, transpose, concat, slice_static, broadcast,
// repeat, repeat_interleave, squeeze, unsqueeze, pad, embedding,
// get_dimension_size, constant, full, zeros, ones, arange.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

void expect_attr_shape(const OpChecker& c, const std::string& key) {
  if (!c.has(key)) return;
  std::vector<int64_t> shape = c.ints_attr(key);
  if (Shape(shape.begin(), shape.end()) != c.out()) {
    c.fail(fmt::format("attribute {} = [{}] does not match the result shape {}", key,
                       fmt::join(shape, ", "), shape_to_string(c.out())));
  }
}

void check_reshape(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  if (volume(c.in(0)) != volume(c.out())) {
    c.fail(fmt::format("cannot reshape {} ({} elements) to {} ({} elements)",
                       shape_to_string(c.in(0)), volume(c.in(0)), shape_to_string(c.out()),
                       volume(c.out())));
  }
  expect_attr_shape(c, "shape");
}

void check_permute(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  std::vector<int64_t> perm = c.ints_attr("permutation");
  const Shape& in = c.in(0);
  if (perm.size() != in.size())
    c.fail(fmt::format("permutation has {} entries for rank {}", perm.size(), in.size()));
  std::vector<bool> seen(in.size(), false);
  Shape expected(in.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    int64_t p = c.dim_index(perm[i], in.size(), "permutation entry");
    if (seen[p]) c.fail(fmt::format("permutation [{}] repeats dim {}", fmt::join(perm, ", "), p));
    seen[p] = true;
    expected[i] = in[p];
  }
  c.expect_result_shape(expected);
}

// rearrange: the parser resolves the pattern into axes_shape (the input's elementary axes) and
// axes_permutation (their order in the result); checked again here for binaries read from disk.
void check_rearrange(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const std::vector<int64_t> axes = c.ints_attr("axes_shape");
  const std::vector<int64_t> perm = c.ints_attr("axes_permutation");
  if (volume(axes) != volume(c.in(0)))
    c.fail(fmt::format("axes_shape {} does not hold the {} elements of the input {}",
                       shape_to_string(axes), volume(c.in(0)), shape_to_string(c.in(0))));
  if (perm.size() != axes.size())
    c.fail(fmt::format("axes_permutation has {} entries for {} axes", perm.size(), axes.size()));
  std::vector<bool> seen(axes.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(axes.size()) || seen[p])
      c.fail(fmt::format("axes_permutation [{}] is not a permutation of {} axes",
                         fmt::join(perm, ", "), axes.size()));
    seen[p] = true;
  }
  if (c.result(0).dtype != c.operand(0).dtype)
    c.fail(fmt::format("result dtype {} differs from the input's {}", mlir_name(c.result(0).dtype),
                       mlir_name(c.operand(0).dtype)));
  if (volume(c.out(0)) != volume(c.in(0)))
    c.fail(fmt::format("result {} does not hold the {} elements of the input",
                       shape_to_string(c.out(0)), volume(c.in(0))));
}

void check_transpose(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  Shape expected = c.in(0);
  int64_t a = c.dim_index(c.int_attr("dim0"), expected.size(), "dim0");
  int64_t b = c.dim_index(c.int_attr("dim1"), expected.size(), "dim1");
  std::swap(expected[a], expected[b]);
  c.expect_result_shape(expected);
}

void check_concat(const OpChecker& c) {
  c.expect_operands(1, 1u << 16);
  c.expect_results(1);
  Shape expected = c.in(0);
  int64_t dim = c.dim_index(c.int_attr("dim"), expected.size(), "dim");
  for (size_t i = 1; i < c.num_operands(); ++i) {
    const Shape& s = c.in(i);
    if (s.size() != expected.size())
      c.fail(fmt::format("operand #{} has rank {}, operand #0 has rank {}", i, s.size(),
                         expected.size()));
    for (size_t d = 0; d < s.size(); ++d) {
      if (static_cast<int64_t>(d) != dim && s[d] != expected[d]) {
        c.fail(fmt::format("operand #{} {} differs from operand #0 {} in dim {}", i,
                           shape_to_string(s), shape_to_string(c.in(0)), d));
      }
    }
    expected[dim] += s[dim];
  }
  c.expect_result_shape(expected);
}

void check_slice_static(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  std::vector<int64_t> begins = c.ints_attr("begins");
  std::vector<int64_t> ends = c.ints_attr("ends");
  std::vector<int64_t> steps =
      c.has("step") ? c.ints_attr("step") : std::vector<int64_t>(in.size(), 1);
  if (begins.size() != in.size() || ends.size() != in.size() || steps.size() != in.size()) {
    c.fail(fmt::format("begins/ends/step need {} entries each, got {}/{}/{}", in.size(),
                       begins.size(), ends.size(), steps.size()));
  }
  Shape expected(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    int64_t b = begins[d] < 0 ? begins[d] + in[d] : begins[d];
    int64_t e = ends[d] < 0 ? ends[d] + in[d] : ends[d];
    int64_t s = steps[d];
    if (s == 0) c.fail(fmt::format("step[{}] is 0", d));
    // Like Python slicing (and tt-mlir), out-of-range bounds clamp; an empty slice is allowed.
    b = std::clamp<int64_t>(b, s > 0 ? 0 : -1, s > 0 ? in[d] : in[d] - 1);
    e = std::clamp<int64_t>(e, s > 0 ? 0 : -1, s > 0 ? in[d] : in[d] - 1);
    int64_t span = s > 0 ? e - b : b - e;
    int64_t step = s > 0 ? s : -s;
    expected[d] = span <= 0 ? 0 : (span + step - 1) / step;
  }
  c.expect_result_shape(expected);
}

void check_broadcast(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  std::vector<int64_t> dims = c.ints_attr("broadcast_dimensions");
  if (dims.size() != in.size())
    c.fail(fmt::format("broadcast_dimensions has {} entries for rank {}", dims.size(), in.size()));
  Shape expected(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    if (in[d] != 1 && dims[d] != 1)
      c.fail(fmt::format("dim {} of size {} cannot be broadcast by {}", d, in[d], dims[d]));
    expected[d] = in[d] * dims[d];
  }
  c.expect_result_shape(expected);
}

void check_repeat(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  std::vector<int64_t> reps = c.ints_attr("repeat_dimensions");
  if (reps.size() != in.size())
    c.fail(fmt::format("repeat_dimensions has {} entries for rank {}", reps.size(), in.size()));
  Shape expected(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    if (reps[d] < 1) c.fail(fmt::format("repeat_dimensions[{}] = {} must be positive", d, reps[d]));
    expected[d] = in[d] * reps[d];
  }
  c.expect_result_shape(expected);
}

void check_repeat_interleave(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  Shape expected = c.in(0);
  int64_t dim = c.dim_index(c.int_attr("dim"), expected.size(), "dim");
  int64_t repeats = c.int_attr("repeats");
  if (repeats < 1) c.fail(fmt::format("repeats = {} must be positive", repeats));
  expected[dim] *= repeats;
  c.expect_result_shape(expected);
}

void check_reverse(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  std::vector<bool> seen(c.in(0).size(), false);
  for (int64_t d : c.ints_attr("dimensions")) {
    const int64_t k = c.dim_index(d, c.in(0).size(), "dimensions entry");
    if (seen[k]) c.fail(fmt::format("dimensions repeat dim {}", k));
    seen[k] = true;
  }
  c.expect_result_shape(c.in(0));
}

void check_index_select(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const int64_t dim = c.dim_index(c.int_attr("dim"), in.size(), "dim");
  const int64_t begin = c.int_attr("begin"), length = c.int_attr("length");
  const int64_t step = std::max<int64_t>(1, c.int_attr_or("stride", 0));
  if (begin < 0 || length < 0 || (length > 0 && begin + (length - 1) * step >= in[dim]))
    c.fail(fmt::format("begin {}, length {}, stride {} leave dim {} of size {}", begin, length,
                       step, dim, in[dim]));
  Shape expected = in;
  expected[dim] = length;
  c.expect_result_shape(expected);
}

void check_gather(const OpChecker& c) {
  c.expect_operands(2);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const Shape& index = c.in(1);
  const int64_t dim = c.dim_index(c.int_attr("dim"), in.size(), "dim");
  if (index.size() != in.size())
    c.fail(fmt::format("index {} must have the rank of the input {}", shape_to_string(index),
                       shape_to_string(in)));
  if (is_float(c.operand(1).dtype)) c.fail("index must hold integers");
  for (size_t d = 0; d < in.size(); ++d)
    if (static_cast<int64_t>(d) != dim && index[d] > in[d])
      c.fail(fmt::format("index dim {} ({}) exceeds the input's ({})", d, index[d], in[d]));
  c.expect_result_shape(index);
}

void check_empty(const OpChecker& c) {
  c.expect_operands(0, 0);
  c.expect_results(1);
}

void check_squeeze(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  Shape expected = c.in(0);
  int64_t dim = c.dim_index(c.int_attr("dim"), expected.size(), "dim");
  if (expected[dim] != 1)
    c.fail(fmt::format("cannot squeeze dim {} of size {}", dim, expected[dim]));
  expected.erase(expected.begin() + dim);
  c.expect_result_shape(expected);
}

void check_unsqueeze(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  Shape expected = c.in(0);
  int64_t dim = c.dim_index(c.int_attr("dim"), expected.size() + 1, "dim");
  expected.insert(expected.begin() + dim, 1);
  c.expect_result_shape(expected);
}

void check_pad(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  Shape expected = c.in(0);
  std::vector<int64_t> padding = c.ints_attr("padding");
  if (padding.size() != 2 * expected.size()) {
    c.fail(fmt::format("padding has {} entries, expected 2 per dim ({})", padding.size(),
                       2 * expected.size()));
  }
  for (size_t d = 0; d < expected.size(); ++d) {
    int64_t grown = 0;  // a crafted binary's padding may overflow int64
    if (__builtin_add_overflow(padding[2 * d], padding[2 * d + 1], &grown) ||
        __builtin_add_overflow(expected[d], grown, &expected[d]) || expected[d] < 0)
      c.fail(fmt::format("padding [{}, {}] of dim {} gives no valid size", padding[2 * d],
                         padding[2 * d + 1], d));
  }
  c.expect_result_shape(expected);
}

void check_embedding(const OpChecker& c) {
  c.expect_operands(2);
  c.expect_results(1);
  const Shape& weight = c.in(1);
  if (weight.size() < 2)
    c.fail(fmt::format("weight {} must have rank >= 2", shape_to_string(weight)));
  Shape expected = c.in(0);
  expected.push_back(weight.back());
  c.expect_result_shape(expected);
}

void check_get_dimension_size(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  c.dim_index(c.int_attr("dimension"), c.in(0).size(), "dimension");
  if (volume(c.out()) != 1)
    c.fail(fmt::format("result {} must hold one element", shape_to_string(c.out())));
}

void check_constant(const OpChecker& c) {
  c.expect_operands(0);
  c.expect_results(1);
  if (!c.has("value")) c.fail("attribute 'value' is missing");
  const auto* dense = std::get_if<binary::DenseElements>(&c.op.attrs.at("value"));
  if (!dense) c.fail("attribute 'value' is not a dense elements attribute");
  if (dense->shape != c.out()) {
    c.fail(fmt::format("value shape {} does not match the result shape {}",
                       shape_to_string(dense->shape), shape_to_string(c.out())));
  }
}

void check_full(const OpChecker& c) {
  c.expect_operands(0);
  c.expect_results(1);
  c.float_attr("fill_value");
  expect_attr_shape(c, "shape");
}

void check_zeros_ones(const OpChecker& c) {
  c.expect_operands(0);
  c.expect_results(1);
  expect_attr_shape(c, "shape");
}

void check_arange(const OpChecker& c) {
  c.expect_operands(0);
  c.expect_results(1);
  double start = c.float_attr("start");
  double end = c.float_attr("end");
  double step = c.float_attr("step");
  if (step == 0) c.fail("step is 0");
  int64_t dim =
      c.dim_index(c.int_attr_or("arange_dimension", 0), c.out().size(), "arange_dimension");
  auto count = static_cast<int64_t>(std::max(0.0, std::ceil((end - start) / step)));
  if (c.out()[dim] != count) {
    c.fail(fmt::format("arange({}, {}, {}) has {} elements but result dim {} is {}", start, end,
                       step, count, dim, c.out()[dim]));
  }
}

}  // namespace

void add_data_movement_checks(CheckTable& table) {
  table["reshape"] = check_reshape;
  table["reverse"] = check_reverse;
  table["index_select"] = check_index_select;
  table["empty"] = check_empty;
  table["gather"] = check_gather;
  table["permute"] = check_permute;
  table["rearrange"] = check_rearrange;
  table["transpose"] = check_transpose;
  table["concat"] = check_concat;
  table["slice_static"] = check_slice_static;
  table["broadcast"] = check_broadcast;
  table["repeat"] = check_repeat;
  table["repeat_interleave"] = check_repeat_interleave;
  table["squeeze"] = check_squeeze;
  table["unsqueeze"] = check_unsqueeze;
  table["pad"] = check_pad;
  table["embedding"] = check_embedding;
  table["get_dimension_size"] = check_get_dimension_size;
  table["constant"] = check_constant;
  table["full"] = check_full;
  table["zeros"] = check_zeros_ones;
  table["ones"] = check_zeros_ones;
  table["arange"] = check_arange;
}

}  // namespace meshrt::verify::detail
