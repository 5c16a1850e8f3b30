// Verifier rules for ops that work by position along one dim: cumprod, index, slice_dynamic,
// scatter, embedding_backward, sort and topk. Each rule checks operand/result counts, result
// shapes and dtypes, and fails naming the op and its loc (through OpChecker).
#include <fmt/format.h>

#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

std::string text(const Shape& s) { return shape_to_string(s); }

// Number of elements of begin:end:step (end exclusive, step > 0).
int64_t stepped_count(int64_t begin, int64_t end, int64_t step) {
  return end <= begin ? 0 : (end - begin + step - 1) / step;
}

void check_cumprod(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  c.dim_index(c.int_attr("dim"), c.in(0).size(), "dim");
  c.expect_result_shape(c.in(0));
}

// index: one strided slice `begin:end:step` along `dim`.
void check_index(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const int64_t dim = c.dim_index(c.int_attr("dim"), in.size(), "dim");
  const int64_t size = in[dim];
  int64_t begin = c.int_attr("begin"), end = c.int_attr("end");
  const int64_t step = c.int_attr_or("step", 1);
  if (begin < 0) begin += size;
  if (end < 0) end += size;
  if (step <= 0) c.fail(fmt::format("step must be positive, got {}", step));
  if (begin < 0 || begin > size || end > size)
    c.fail(fmt::format("range [{}, {}) is out of bounds for dim {} of size {}", begin, end, dim,
                       size));
  Shape expected = in;
  expected[dim] = stepped_count(begin, end, step);
  c.expect_result_shape(expected);
}

// slice_dynamic: begins/ends come as rank-1 integer tensors, so only ranks and dtypes are known
// before running; the result rank must match the input rank.
void check_slice_dynamic(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(1);
  const size_t rank = c.in(0).size();
  for (size_t k = 1; k < 3; ++k) {
    const char* what = k == 1 ? "begins" : "ends";
    expect_integer(c, c.operand(k).dtype, what);
    if (c.in(k).size() != 1 || c.in(k)[0] != static_cast<int64_t>(rank))
      c.fail(
          fmt::format("{} {} must hold one value per input dim ({})", what, text(c.in(k)), rank));
  }
  expect_rank(c, c.out(), rank, "result");
  if (c.has("step")) {
    std::vector<int64_t> step = c.ints_attr("step");
    if (step.size() != rank)
      c.fail(fmt::format("step has {} values for rank {}", step.size(), rank));
    for (int64_t s : step) {
      if (s <= 0) c.fail(fmt::format("step values must be positive, got {}", s));
    }
  }
  if (c.result(0).dtype != c.operand(0).dtype)
    c.fail(fmt::format("result dtype {} differs from input dtype {}", mlir_name(c.result(0).dtype),
                       mlir_name(c.operand(0).dtype)));
}

void check_scatter(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(1);
  const Shape& in = c.in(0);
  const Shape& index = c.in(1);
  const Shape& source = c.in(2);
  expect_integer(c, c.operand(1).dtype, "index");
  const int64_t dim = c.dim_index(c.int_attr("dim"), in.size(), "dim");
  if (index.size() != in.size() || source.size() != in.size())
    c.fail(fmt::format("input {}, index {} and source {} must have the same rank", text(in),
                       text(index), text(source)));
  for (size_t d = 0; d < in.size(); ++d) {
    if (index[d] > source[d] || (static_cast<int64_t>(d) != dim && index[d] > in[d]))
      c.fail(fmt::format("index {} does not fit dim {} of input {} / source {}", text(index), d,
                         text(in), text(source)));
  }
  if (c.has("scatter_reduce_type")) {
    const std::string kind = c.string_attr("scatter_reduce_type");
    if (kind != "invalid" && kind != "sum" && kind != "prod" && kind != "max" && kind != "min")
      c.fail(fmt::format("scatter_reduce_type '{}' is not supported", kind));
  }
  c.expect_result_shape(in);
}

void check_embedding_backward(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(1);
  const Shape& weight = c.in(1);
  const Shape& grad = c.in(2);
  expect_rank(c, weight, 2, "weight");
  if (grad.empty() || grad.back() != weight[1] || volume(grad) != volume(c.in(0)) * weight[1])
    c.fail(fmt::format("gradient {} must hold one row of {} values per index of {}", text(grad),
                       weight[1], text(c.in(0))));
  c.expect_result_shape(weight);
}

void check_sort(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(2);
  c.dim_index(c.int_attr_or("dim", -1), c.in(0).size(), "dim");
  c.expect_result_shape(c.in(0), 0);
  c.expect_result_shape(c.in(0), 1);
  expect_integer(c, c.result(1).dtype, "indices result");
}

void check_topk(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(2);
  const int64_t dim = c.dim_index(c.int_attr_or("dim", -1), c.in(0).size(), "dim");
  const int64_t k = c.int_attr("k");
  if (k < 0 || k > c.in(0)[dim])
    c.fail(fmt::format("k {} is outside [0, {}] (dim {})", k, c.in(0)[dim], dim));
  Shape expected = c.in(0);
  expected[dim] = k;
  c.expect_result_shape(expected, 0);
  c.expect_result_shape(expected, 1);
  expect_integer(c, c.result(1).dtype, "indices result");
}

}  // namespace

void add_indexing_checks(CheckTable& table) {
  table["cumprod"] = check_cumprod;
  table["index"] = check_index;
  table["slice_dynamic"] = check_slice_dynamic;
  table["scatter"] = check_scatter;
  table["embedding_backward"] = check_embedding_backward;
  table["sort"] = check_sort;
  table["topk"] = check_topk;
}

}  // namespace meshrt::verify::detail
