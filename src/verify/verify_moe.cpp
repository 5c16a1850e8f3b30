// Mixture of experts: all_to_all_dispatch, all_to_all_dispatch_metadata, all_to_all_combine,
// moe_expert_token_remap, moe_compute and topk_router_gpt. Shapes are per device, as the TTIR types
// say.
#include <fmt/format.h>

#include "verify_util.hpp"

namespace meshrt::verify::detail {

namespace {

std::string str(const Shape& s) { return shape_to_string(s); }

void expect_rank4(const OpChecker& c, size_t operand, const char* what) {
  if (c.in(operand).size() != 4)
    c.fail(fmt::format("{} {} must have rank 4", what, str(c.in(operand))));
}

// The ring: num_devices chips along cluster_axis of the program's mesh.
int64_t ring_size(const OpChecker& c) {
  const int64_t axis = c.int_attr("cluster_axis");
  if (axis != 0 && axis != 1) c.fail(fmt::format("cluster_axis must be 0 or 1, got {}", axis));
  const int64_t n = c.int_attr("num_devices");
  const int64_t along = c.mesh().axis_size(static_cast<uint32_t>(axis));
  if (n != along)
    c.fail(fmt::format("num_devices {} is not the {} devices along cluster_axis {} of mesh {}", n,
                       along, axis, c.mesh().to_string()));
  return n;
}

// A one-hot expert mapping [1, 1, E, devices] with a column for every device of the mesh.
int64_t one_hot_experts(const OpChecker& c, size_t operand) {
  expect_rank4(c, operand, "expert_mapping");
  const Shape& m = c.in(operand);
  if (m[0] != 1 || m[1] != 1 || m[2] < 1 || m[3] < c.mesh().volume())
    c.fail(
        fmt::format("expert_mapping {} must be [1, 1, experts, devices] with a column for each "
                    "of the mesh's {} devices",
                    str(m), c.mesh().volume()));
  return m[2];
}

void expect_same_dtype(const OpChecker& c, size_t result, size_t operand, const char* what) {
  if (c.result(result).dtype != c.operand(operand).dtype)
    c.fail(fmt::format("{} dtype {} differs from its operand's {}", what,
                       mlir_name(c.result(result).dtype), mlir_name(c.operand(operand).dtype)));
}

// all_to_all_dispatch(input [B, S, 1, H] | [B, 1, S, H], indices [.., K] alike, mapping
// [1, 1, E, devices]) -> dispatched [1, B * n, S, H], metadata [1, B * n, S, K].
void check_dispatch(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(2);
  const int64_t n = ring_size(c);
  expect_rank4(c, 0, "input_tensor");
  expect_rank4(c, 1, "expert_indices");
  one_hot_experts(c, 2);
  const Shape &x = c.in(0), &idx = c.in(1);
  if (x[1] != 1 && x[2] != 1)
    c.fail(fmt::format("input_tensor {} must be [B, S, 1, H] or [B, 1, S, H]", str(x)));
  if (idx[0] != x[0] || idx[1] != x[1] || idx[2] != x[2])
    c.fail(fmt::format("expert_indices {} must hold K experts for each token of {}", str(idx),
                       str(x)));
  const int64_t seq = x[1] * x[2];
  c.expect_result_shape({1, x[0] * n, seq, x[3]}, 0);
  c.expect_result_shape({1, x[0] * n, seq, idx[3]}, 1);
  expect_same_dtype(c, 0, 0, "dispatched");
  expect_same_dtype(c, 1, 1, "metadata");
}

// all_to_all_dispatch_metadata(input [1, 1, M, H], indices [1, 1, M, K], scores alike, mapping
// [1, 1, D, E] of owner devices) -> dispatched [1, n * M, H], indices and scores [1, n * M, K].
void check_dispatch_metadata(const OpChecker& c) {
  c.expect_operands(4);
  c.expect_results(3);
  const int64_t n = ring_size(c);
  for (size_t i = 0; i < 4; ++i) expect_rank4(c, i, "operand");
  const Shape &x = c.in(0), &idx = c.in(1), &scores = c.in(2), &m = c.in(3);
  if (x[0] != 1 || x[1] != 1) c.fail(fmt::format("input_tensor {} must be [1, 1, M, H]", str(x)));
  if (idx[0] != 1 || idx[1] != 1 || idx[2] != x[2] || scores != idx)
    c.fail(fmt::format("expert_indices {} and expert_scores {} must be [1, 1, {}, K]", str(idx),
                       str(scores), x[2]));
  if (m[0] != 1 || m[1] != 1 || m[2] < 1 || m[3] < 1)
    c.fail(fmt::format("expert_mapping {} must be [1, 1, devices, experts]", str(m)));
  c.expect_result_shape({1, n * x[2], x[3]}, 0);
  c.expect_result_shape({1, n * x[2], idx[3]}, 1);
  c.expect_result_shape({1, n * x[2], idx[3]}, 2);
  expect_same_dtype(c, 0, 0, "dispatched");
  expect_same_dtype(c, 1, 1, "indices");
  expect_same_dtype(c, 2, 2, "scores");
}

// all_to_all_combine(input [E_local, BD, S, H], metadata [1, BD, S, K], mapping [1, 1, E,
// devices]) -> [K, BD / n, S, H] (output_shard_dim 1) or [K, BD, S / n, H] (2).
void check_combine(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(1);
  const int64_t n = ring_size(c);
  expect_rank4(c, 0, "input_tensor");
  expect_rank4(c, 1, "expert_metadata");
  const int64_t experts = one_hot_experts(c, 2);
  const Shape &x = c.in(0), &md = c.in(1);
  const int64_t k = c.int_attr("num_experts_per_tok");
  if (md[0] != 1 || md[1] != x[1] || md[2] != x[2] || md[3] != k)
    c.fail(fmt::format("expert_metadata {} must be [1, {}, {}, num_experts_per_tok = {}]", str(md),
                       x[1], x[2], k));
  if (x[0] < 1 || x[0] > experts)
    c.fail(
        fmt::format("input_tensor {} must hold between 1 and {} local experts", str(x), experts));
  const int64_t dim = c.int_attr_or("output_shard_dim", 2);
  if (dim != 1 && dim != 2) c.fail(fmt::format("output_shard_dim must be 1 or 2, got {}", dim));
  if (x[static_cast<size_t>(dim)] % n != 0)
    c.fail(fmt::format("dim {} of input_tensor {} does not split over the {} ring devices", dim,
                       str(x), n));
  c.expect_result_shape(dim == 1 ? Shape{k, x[1] / n, x[2], x[3]} : Shape{k, x[1], x[2] / n, x[3]});
  expect_same_dtype(c, 0, 0, "result");
}

// moe_expert_token_remap(topk [D, B, S, E], mapping [1, 1, E, devices], metadata [D, B, S, K])
// -> mapping [D, B, S, E_local], reduced [1, 1, ceil(D * B * S / reduction_size), E_local].
void check_token_remap(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(2);
  expect_rank4(c, 0, "topk_tensor");
  expect_rank4(c, 2, "expert_metadata");
  const int64_t experts = one_hot_experts(c, 1);
  const Shape &topk = c.in(0), &md = c.in(2);
  if (topk[3] != experts || md[0] != topk[0] || md[1] != topk[1] || md[2] != topk[2])
    c.fail(
        fmt::format("topk_tensor {} must hold the {} experts' weights of the tokens of "
                    "expert_metadata {}",
                    str(topk), experts, str(md)));
  const int64_t chunk = c.int_attr("reduction_size");
  if (chunk < 1) c.fail(fmt::format("reduction_size must be positive, got {}", chunk));
  if (c.out(0).size() != 4) c.fail("the mapping result must have rank 4");
  const int64_t local = c.out(0)[3];
  c.expect_result_shape({topk[0], topk[1], topk[2], local}, 0);
  const int64_t tokens = topk[0] * topk[1] * topk[2];
  c.expect_result_shape({1, 1, (tokens + chunk - 1) / chunk, local}, 1);
  expect_same_dtype(c, 0, 0, "mapping");
}

// moe_compute(tilize_input [.., T, H], indices [.., T, K], scores (as indices), mapping [.., E]
// of owner devices, w0, w1 [L, E_local, H, N], w2 [L, E_local, N, H], bias_0?, bias_1?
// [L, E_local, N], bias_2? [L, E_local, H]) -> [K, T / n, H] over the ring along cluster_axis.
void check_moe_compute(const OpChecker& c) {
  c.expect_results(1);
  const std::vector<int> seg = c.op.segment_operands(10);
  for (size_t r = 0; r < 7; ++r)
    if (seg[r] < 0) c.fail("tilize_input, indices, scores, mapping, w0, w1 and w2 are required");
  auto in = [&](size_t role) -> const Shape& { return c.in(static_cast<size_t>(seg[role])); };
  const Shape &x = in(0), &idx = in(1), &scores = in(2), &map = in(3);
  const Shape &w0 = in(4), &w1 = in(5), &w2 = in(6);
  if (x.size() < 2 || idx.size() < 2 || map.empty())
    c.fail(fmt::format("tilize_input {} and indices {} need rank 2 or more, mapping rank 1 or more",
                       str(x), str(idx)));
  const int64_t hidden = x.back(), tokens = volume(x) / std::max<int64_t>(hidden, 1);
  const int64_t k = idx.back();
  if (volume(idx) != tokens * k || scores != idx)
    c.fail(fmt::format("indices {} and scores {} must hold K experts for each of the {} tokens",
                       str(idx), str(scores), tokens));
  if (hidden <= 0 || hidden % 32 != 0)
    c.fail(fmt::format("hidden size {} must be a positive multiple of 32", hidden));
  const int64_t inter = c.int_attr("intermediate_size");
  if (inter <= 0 || inter % 32 != 0)
    c.fail(fmt::format("intermediate_size {} must be a positive multiple of 32", inter));
  if (w0.size() != 4 || w0[2] != hidden || w0[3] != inter || w1 != w0)
    c.fail(fmt::format("w0 {} and w1 {} must be [layers, local experts, {}, {}]", str(w0), str(w1),
                       hidden, inter));
  if (w2 != Shape{w0[0], w0[1], inter, hidden})
    c.fail(fmt::format("w2 {} must be [{}, {}, {}, {}]", str(w2), w0[0], w0[1], inter, hidden));
  const int present = (seg[7] >= 0) + (seg[8] >= 0) + (seg[9] >= 0);
  if (present != 0 && present != 3) c.fail("bias_0, bias_1 and bias_2 come all three or none");
  if (present == 3 && (in(7) != Shape{w0[0], w0[1], inter} || in(8) != in(7) ||
                       in(9) != Shape{w0[0], w0[1], hidden}))
    c.fail(fmt::format("biases {}, {}, {} must be [{}, {}, {}] twice and [{}, {}, {}]", str(in(7)),
                       str(in(8)), str(in(9)), w0[0], w0[1], inter, w0[0], w0[1], hidden));
  const int64_t layer = c.int_attr("layer_id");
  if (layer < 0 || layer >= w0[0])
    c.fail(fmt::format("layer_id {} is not one of the weights' {} layers", layer, w0[0]));
  if (c.int_attr("output_height_shard_dim") <= 0)
    c.fail("output_height_shard_dim must be positive");
  if (c.has("activation_function")) {
    const std::string act = c.string_attr("activation_function");
    if (act != "silu" && act != "swiglu")
      c.fail(fmt::format("activation_function must be silu or swiglu, got '{}'", act));
  }
  const int64_t axis = c.int_attr("cluster_axis");
  if (axis != 0 && axis != 1) c.fail(fmt::format("cluster_axis must be 0 or 1, got {}", axis));
  const int64_t n = c.mesh().axis_size(static_cast<uint32_t>(axis));
  if (tokens % n != 0)
    c.fail(fmt::format("{} tokens do not split over the {} devices along cluster_axis {}", tokens,
                       n, axis));
  c.expect_result_shape({k, tokens / n, hidden});
}

// topk_router_gpt(input [B, H], weight [H, E], bias [B, E]) -> indices [B, k], weights [B, k].
void check_topk_router(const OpChecker& c) {
  c.expect_operands(3);
  c.expect_results(2);
  const Shape &x = c.in(0), &w = c.in(1), &b = c.in(2);
  if (x.size() != 2 || w.size() != 2 || b.size() != 2 || w[0] != x[1] || b[0] != x[0] ||
      b[1] != w[1])
    c.fail(fmt::format("input {}, weight {} and bias {} must be [B, H], [H, E] and [B, E]", str(x),
                       str(w), str(b)));
  if (c.int_attr("num_experts") != w[1])
    c.fail(fmt::format("num_experts {} is not the weight's {} experts", c.int_attr("num_experts"),
                       w[1]));
  const int64_t k = c.int_attr("k");
  if (k < 1 || k > w[1]) c.fail(fmt::format("k {} must be between 1 and the {} experts", k, w[1]));
  c.expect_result_shape({x[0], k}, 0);
  c.expect_result_shape({x[0], k}, 1);
  if (is_float(c.result(0).dtype)) c.fail("expert_indices must be an integer tensor");
}

}  // namespace

void add_moe_checks(CheckTable& table) {
  table["all_to_all_dispatch"] = check_dispatch;
  table["all_to_all_dispatch_metadata"] = check_dispatch_metadata;
  table["all_to_all_combine"] = check_combine;
  table["moe_expert_token_remap"] = check_token_remap;
  table["moe_compute"] = check_moe_compute;
  table["topk_router_gpt"] = check_topk_router;
}

}  // namespace meshrt::verify::detail
