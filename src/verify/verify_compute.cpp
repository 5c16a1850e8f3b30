// Compute ops: matmul, linear, dot_general, reductions, argmax, cumsum, softmax, rms_norm,
// batch_norm_inference, batch_norm_training and call. Convolution and pooling rules are in verify_conv.cpp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

Shape matmul_shape(const OpChecker& c, Shape a, Shape b) {
  if (a.empty() || b.empty()) c.fail("matmul operands must have rank >= 1");
  if (c.bool_attr_or("transpose_a", false) && a.size() >= 2)
    std::swap(a[a.size() - 1], a[a.size() - 2]);
  if (c.bool_attr_or("transpose_b", false) && b.size() >= 2)
    std::swap(b[b.size() - 1], b[b.size() - 2]);
  bool a_vector = a.size() == 1, b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (b_vector) b.push_back(1);
  int64_t k_a = a[a.size() - 1], k_b = b[b.size() - 2];
  if (k_a != k_b) {
    c.fail(fmt::format("inner dimensions differ: lhs {} has {} but rhs {} has {}",
                       shape_to_string(c.in(0)), k_a, shape_to_string(c.in(1)), k_b));
  }
  Shape batch = c.broadcast(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!a_vector) batch.push_back(a[a.size() - 2]);
  if (!b_vector) batch.push_back(b[b.size() - 1]);
  return batch;
}

void check_matmul(const OpChecker& c) {
  c.expect_operands(2);
  c.expect_results(1);
  c.expect_result_shape(matmul_shape(c, c.in(0), c.in(1)));
}

void check_linear(const OpChecker& c) {
  c.expect_operands(2, 3);
  c.expect_results(1);
  Shape expected = matmul_shape(c, c.in(0), c.in(1));
  if (c.num_operands() == 3) expected = c.broadcast(expected, c.in(2));
  c.expect_result_shape(expected);
}

std::vector<int64_t> dims_of(const OpChecker& c, const std::string& key, size_t rank) {
  std::vector<int64_t> dims = c.has(key) ? c.ints_attr(key) : std::vector<int64_t>{};
  std::set<int64_t> seen;
  for (int64_t& d : dims) {
    d = c.dim_index(d, rank, key);
    if (!seen.insert(d).second) c.fail(fmt::format("{} repeats dim {}", key, d));
  }
  return dims;
}

void check_dot_general(const OpChecker& c) {
  c.expect_operands(2);
  c.expect_results(1);
  const Shape& lhs = c.in(0);
  const Shape& rhs = c.in(1);
  auto batch_l = dims_of(c, "batch_dims_lhs", lhs.size());
  auto batch_r = dims_of(c, "batch_dims_rhs", rhs.size());
  auto contract_l = dims_of(c, "contract_dims_lhs", lhs.size());
  auto contract_r = dims_of(c, "contract_dims_rhs", rhs.size());
  if (batch_l.size() != batch_r.size() || contract_l.size() != contract_r.size()) {
    c.fail("lhs and rhs need the same number of batch and contract dims");
  }
  for (size_t i = 0; i < batch_l.size(); ++i) {
    if (lhs[batch_l[i]] != rhs[batch_r[i]]) {
      c.fail(fmt::format("batch dim sizes differ: lhs dim {} is {}, rhs dim {} is {}", batch_l[i],
                         lhs[batch_l[i]], batch_r[i], rhs[batch_r[i]]));
    }
  }
  for (size_t i = 0; i < contract_l.size(); ++i) {
    if (lhs[contract_l[i]] != rhs[contract_r[i]]) {
      c.fail(fmt::format("contract dim sizes differ: lhs dim {} is {}, rhs dim {} is {}",
                         contract_l[i], lhs[contract_l[i]], contract_r[i], rhs[contract_r[i]]));
    }
  }
  Shape expected;
  for (int64_t d : batch_l) expected.push_back(lhs[d]);
  auto free_dims = [&](const Shape& s, const std::vector<int64_t>& batch,
                       const std::vector<int64_t>& contract) {
    for (size_t d = 0; d < s.size(); ++d) {
      auto is = [&](const std::vector<int64_t>& v) {
        return std::find(v.begin(), v.end(), static_cast<int64_t>(d)) != v.end();
      };
      if (!is(batch) && !is(contract)) expected.push_back(s[d]);
    }
  };
  free_dims(lhs, batch_l, contract_l);
  free_dims(rhs, batch_r, contract_r);
  c.expect_result_shape(expected);
}

void check_reduction(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  std::vector<int64_t> dims = dims_of(c, "dim_arg", in.size());
  bool keep = c.bool_attr_or("keep_dim", false);
  std::set<int64_t> reduced(dims.begin(), dims.end());
  if (!c.has("dim_arg")) {
    for (size_t d = 0; d < in.size(); ++d) reduced.insert(static_cast<int64_t>(d));
  }
  Shape expected;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!reduced.count(static_cast<int64_t>(d))) {
      expected.push_back(in[d]);
    } else if (keep) {
      expected.push_back(1);
    }
  }
  // Reducing everything without keep_dim may be declared as a scalar or as a 1-element tensor.
  if (expected.empty() && volume(c.out()) == 1) return;
  c.expect_result_shape(expected);
}

void check_same_shape_with_dim(const OpChecker& c, const std::string& key) {
  c.expect_operands(1);
  c.expect_results(1);
  c.dim_index(c.int_attr(key), c.in(0).size(), key);
  c.expect_result_shape(c.in(0));
}

void check_cumsum(const OpChecker& c) { check_same_shape_with_dim(c, "dim"); }
void check_softmax(const OpChecker& c) { check_same_shape_with_dim(c, "dimension"); }

void check_rms_norm(const OpChecker& c) {
  c.expect_operands(1, 3);
  c.expect_results(1);
  const Shape& in = c.in(0);
  c.expect_result_shape(in);
  if (!c.has("normalized_shape")) return;
  std::vector<int64_t> normalized = c.ints_attr("normalized_shape");
  if (normalized.size() > in.size() ||
      !std::equal(normalized.begin(), normalized.end(), in.end() - normalized.size())) {
    c.fail(fmt::format("normalized_shape [{}] is not the trailing shape of {}",
                       fmt::join(normalized, ", "), shape_to_string(in)));
  }
  for (size_t i = 1; i < c.num_operands(); ++i) {
    if (volume(c.in(i)) != volume(Shape(normalized.begin(), normalized.end()))) {
      c.fail(fmt::format("operand #{} {} does not match normalized_shape [{}]", i,
                         shape_to_string(c.in(i)), fmt::join(normalized, ", ")));
    }
  }
}

// group_norm(input, input_mask?, weight?, bias?; num_groups, epsilon, channel_dim): input of
// rank >= 4 (dim 0 the batch), channels split in num_groups; weight and bias hold one value per
// channel (in any shape: ttnn lays them out as rows of 32). The mask is ttnn's helper for tile
// membership and takes no part in the result.
void check_group_norm(const OpChecker& c) {
  c.expect_operands(1, 4);
  c.expect_results(1);
  const Shape& in = c.in(0);
  c.expect_result_shape(in);
  if (in.size() < 4) c.fail(fmt::format("input {} must have rank 4 or more", shape_to_string(in)));
  const int64_t dim = c.dim_index(c.int_attr_or("channel_dim", 3), in.size(), "channel_dim");
  if (dim == 0) c.fail("channel_dim 0 is the batch dim");
  const int64_t groups = c.int_attr("num_groups");
  if (groups < 1 || in[dim] % groups != 0)
    c.fail(fmt::format("num_groups {} does not divide the {} channels (dim {} of {})", groups,
                       in[dim], dim, shape_to_string(in)));
  const std::vector<int> seg = c.op.segment_operands(4);
  const char* names[] = {"input", "input_mask", "weight", "bias"};
  for (size_t k = 2; k < 4; ++k) {
    if (seg[k] < 0) continue;
    if (volume(c.in(static_cast<size_t>(seg[k]))) != in[dim])
      c.fail(fmt::format("{} {} must hold {} values (one per channel)", names[k],
                         shape_to_string(c.in(static_cast<size_t>(seg[k]))), in[dim]));
  }
}

// sparse_matmul(a, b, sparsity): b is [1, E, K, N]; the modes (is_input_a_sparse,
// is_input_b_sparse) fix a's, the sparsity's and the result's shapes (src/ops/matmul.cpp).
void check_sparse_matmul(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(1);
  const Shape &a = c.in(0), &b = c.in(1), &sp = c.in(2);
  for (const Shape* s : {&a, &b, &sp})
    if (s->size() != 4) c.fail(fmt::format("a, b and sparsity must have rank 4, got {}",
                                           shape_to_string(*s)));
  const bool a_sparse = c.bool_attr_or("is_input_a_sparse", false);
  const bool b_sparse = c.bool_attr_or("is_input_b_sparse", true);
  if (!a_sparse && !b_sparse) c.fail("one of is_input_a_sparse and is_input_b_sparse must be true");
  if (b[0] != 1) c.fail(fmt::format("b {} must be [1, E, K, N]", shape_to_string(b)));
  if (a[3] != b[2])
    c.fail(fmt::format("a {} contracts {} but b {} has K = {}", shape_to_string(a), a[3],
                       shape_to_string(b), b[2]));
  const int64_t e = b[1];
  if (a_sparse && a[1] != e)
    c.fail(fmt::format("a {} must have b's {} blocks in dim 1", shape_to_string(a), e));
  const Shape want_sp = a_sparse ? Shape{1, 1, a[0], e} : Shape{a[0], a[1], 1, e};
  if (sp != want_sp)
    c.fail(fmt::format("sparsity {} must be {}", shape_to_string(sp), shape_to_string(want_sp)));
  c.expect_result_shape(a_sparse ? Shape{a[0], e, a[2], b[3]}
                                 : Shape{a[0], a[1], 1, e, a[2], b[3]});
  if (c.has("nnz") && (c.int_attr("nnz") < 0 || c.int_attr("nnz") > e))
    c.fail(fmt::format("nnz {} is outside [0, {}]", c.int_attr("nnz"), e));
}

void check_batch_norm_inference(const OpChecker& c) {
  c.expect_operands(5);
  c.expect_results(1);
  const Shape& in = c.in(0);
  c.expect_result_shape(in);
  int64_t dim = c.dim_index(c.int_attr_or("dimension", 1), in.size(), "dimension");
  for (size_t i = 1; i < 5; ++i) {
    if (volume(c.in(i)) != in[dim]) {
      c.fail(fmt::format("operand #{} {} must hold {} values (dim {} of {})", i,
                         shape_to_string(c.in(i)), in[dim], dim, shape_to_string(in)));
    }
  }
}

void check_call(const OpChecker& c) {
  int64_t callee = c.int_attr("callee");
  if (callee < 0 || static_cast<size_t>(callee) >= c.binary.programs.size()) {
    c.fail(fmt::format("callee {} is not a program index", callee));
  }
  const binary::Program& target = c.binary.programs[callee];
  if (&target == &c.program) c.fail("a program cannot call itself");
  c.expect_operands(target.inputs.size());
  c.expect_results(target.outputs.size());
  for (size_t i = 0; i < target.inputs.size(); ++i) {
    const Shape& want = target.values[target.inputs[i]].shape;
    if (c.in(i) != want) {
      c.fail(fmt::format("operand #{} is {} but '{}' takes {}", i, shape_to_string(c.in(i)),
                         target.name, shape_to_string(want)));
    }
  }
  for (size_t i = 0; i < target.outputs.size(); ++i) {
    const Shape& want = target.values[target.outputs[i]].shape;
    if (c.out(i) != want) {
      c.fail(fmt::format("result #{} is {} but '{}' returns {}", i, shape_to_string(c.out(i)),
                         target.name, shape_to_string(want)));
    }
  }
}

void check_batch_norm_training(const OpChecker& c) {
  c.expect_operands(5);
  c.expect_results(3);
  const Shape& in = c.in(0);
  const int64_t dim = c.dim_index(c.int_attr_or("dimension", 1), in.size(), "dimension");
  const char* names[] = {"scale", "offset", "running_mean", "running_variance"};
  for (size_t k = 1; k < 5; ++k) {
    if (volume(c.in(k)) != in[dim])
      c.fail(fmt::format("{} {} must hold {} values (channels)", names[k - 1], shape_to_string(c.in(k)),
                         in[dim]));
  }
  c.expect_result_shape(in, 0);
  c.expect_result_shape(c.in(3), 1);
  c.expect_result_shape(c.in(4), 2);
}

}  // namespace

void add_compute_checks(CheckTable& table) {
  table["batch_norm_training"] = check_batch_norm_training;
  table["matmul"] = check_matmul;
  table["linear"] = check_linear;
  table["dot_general"] = check_dot_general;
  table["sparse_matmul"] = check_sparse_matmul;
  for (const char* name :
       {"sum", "mean", "max", "min", "prod", "reduce_or", "reduce_and", "argmax"}) {
    table[name] = check_reduction;
  }
  table["cumsum"] = check_cumsum;
  table["softmax"] = check_softmax;
  table["rms_norm"] = check_rms_norm;
  table["layer_norm"] = check_rms_norm;  // the same operands and normalized_shape
  table["batch_norm_inference"] = check_batch_norm_inference;
  table["group_norm"] = check_group_norm;
  table["call"] = check_call;
  add_conv_checks(table);
}

}  // namespace meshrt::verify::detail
