// KV-cache and transformer ops: update_cache, fill_cache, paged_fill_cache,
// scaled_dot_product_attention, scaled_dot_product_attention_decode, concatenate_heads and
// split_query_key_value_and_split_heads. In-place cache ops arrive here with one result (the
// written cache, see parse_inplace.hpp), typed like the cache.
#include <fmt/format.h>

#include "meshrt/binary/transformer_operands.hpp"
#include "verify_util.hpp"

namespace meshrt::verify::detail {

using binary::kDecodeCurPos;
using binary::kDecodeSink;
using binary::kKey;
using binary::kMask;
using binary::kPrefillSink;
using binary::kQuery;
using binary::kValue;
using binary::OperandRoles;
using binary::sdpa_operand_roles;

namespace {

std::string str(const Shape& s) { return shape_to_string(s); }

// The result is the written cache: same shape and dtype as operand 0.
void expect_cache_result(const OpChecker& c) {
  c.expect_results(1);
  c.expect_result_shape(c.in(0));
  if (c.result(0).dtype != c.operand(0).dtype) {
    c.fail(fmt::format("result dtype {} differs from the cache dtype {}",
                       mlir_name(c.result(0).dtype), mlir_name(c.operand(0).dtype)));
  }
}

void expect_same_heads_and_dim(const OpChecker& c, const Shape& cache, const Shape& input) {
  if (input[1] != cache[1] || input[3] != cache[3]) {
    c.fail(fmt::format("input {} must match cache {} in dims 1 (heads) and 3 (head size)",
                       str(input), str(cache)));
  }
  if (c.operand(0).dtype != c.operand(1).dtype) {
    c.fail(fmt::format("cache dtype {} and input dtype {} differ", mlir_name(c.operand(0).dtype),
                       mlir_name(c.operand(1).dtype)));
  }
}

// update_cache(cache [B, H, S, D], input, update_index): writes one token per user at
// sequence position update_index. The input is either [1, H, Bp, D] (users along dim 2, from
// batch_offset) or [B, H, 1, D].
void check_update_cache(const OpChecker& c) {
  c.expect_operands(3);
  const Shape& cache = c.in(0);
  const Shape& input = c.in(1);
  expect_rank(c, cache, 4, "cache");
  expect_rank(c, input, 4, "input");
  expect_same_heads_and_dim(c, cache, input);
  const int64_t offset = c.int_attr_or("batch_offset", 0);
  if (offset < 0) c.fail(fmt::format("batch_offset {} is negative", offset));
  const bool users_in_dim2 = input[0] == 1 && input[2] >= offset + cache[0];
  const bool users_in_dim0 = input[2] == 1 && input[0] == cache[0] && offset == 0;
  if (!users_in_dim2 && !users_in_dim0) {
    c.fail(
        fmt::format("input {} fits neither [1, H, batch_offset + {} users, D] nor [{}, H, 1, "
                    "D] for cache {} (batch_offset {})",
                    str(input), cache[0], cache[0], str(cache), offset));
  }
  const int64_t positions = volume(c.in(2));
  if (positions != 1 && positions != cache[0]) {
    c.fail(fmt::format("update_index {} must hold 1 or {} (one per user) positions", str(c.in(2)),
                       cache[0]));
  }
  expect_cache_result(c);
}

// fill_cache(cache [B, H, S, D], input [b, H, s, D]): cache[batch_offset + i, :, 0:s] = input[i].
void check_fill_cache(const OpChecker& c) {
  c.expect_operands(2);
  const Shape& cache = c.in(0);
  const Shape& input = c.in(1);
  expect_rank(c, cache, 4, "cache");
  expect_rank(c, input, 4, "input");
  expect_same_heads_and_dim(c, cache, input);
  const int64_t offset = c.int_attr_or("batch_offset", 0);
  if (offset < 0 || offset + input[0] > cache[0]) {
    c.fail(fmt::format("batch_offset {} + input batch {} exceeds the cache batch {}", offset,
                       input[0], cache[0]));
  }
  if (input[2] > cache[2]) {
    c.fail(fmt::format("input {} holds {} positions, the cache {} only {}", str(input), input[2],
                       str(cache), cache[2]));
  }
  expect_cache_result(c);
}

// paged_fill_cache(cache [blocks, H, block_size, D], input [1, H, s, D], page_table [users,
// blocks_per_user], batch_idx): writes one user's s positions through its page table.
void check_paged_fill_cache(const OpChecker& c) {
  c.expect_operands(3, 4);
  const Shape& cache = c.in(0);
  const Shape& input = c.in(1);
  const Shape& table = c.in(2);
  expect_rank(c, cache, 4, "cache");
  expect_rank(c, input, 4, "input");
  expect_rank(c, table, 2, "page_table");
  expect_same_heads_and_dim(c, cache, input);
  if (input[0] != 1) c.fail(fmt::format("input {} must have batch 1", str(input)));
  if (input[2] > table[1] * cache[2]) {
    c.fail(fmt::format("input {} holds {} positions, but page_table {} maps only {} blocks of {}",
                       str(input), input[2], str(table), table[1], cache[2]));
  }
  if (c.num_operands() == 4 && volume(c.in(3)) != 1)
    c.fail(fmt::format("batch_idx {} must hold one element", str(c.in(3))));
  expect_cache_result(c);
}

// paged_update_cache(cache [blocks, H, block_size, D], input [1, users, Hp >= H, D],
// update_index [users], page_table? [users, blocks_per_user]): one token per user.
void check_paged_update_cache(const OpChecker& c) {
  c.expect_operands(3, 4);
  const Shape& cache = c.in(0);
  const Shape& input = c.in(1);
  expect_rank(c, cache, 4, "cache");
  expect_rank(c, input, 4, "input");
  if (input[0] != 1 || input[2] < cache[1] || input[3] != cache[3])
    c.fail(fmt::format("input {} must be [1, users, heads >= {}, {}] for cache {}", str(input),
                       cache[1], cache[3], str(cache)));
  if (c.operand(0).dtype != c.operand(1).dtype)
    c.fail(fmt::format("cache dtype {} and input dtype {} differ", mlir_name(c.operand(0).dtype),
                       mlir_name(c.operand(1).dtype)));
  if (volume(c.in(2)) != input[1])
    c.fail(fmt::format("update_index {} must hold one position per user ({})", str(c.in(2)),
                       input[1]));
  if (c.num_operands() == 4) {
    const Shape& table = c.in(3);
    expect_rank(c, table, 2, "page_table");
    if (table[0] != input[1])
      c.fail(fmt::format("page_table {} must have one row per user ({})", str(table), input[1]));
  } else if (cache[0] < input[1]) {
    c.fail(fmt::format("without a page table, cache {} needs one block per user ({})", str(cache),
                       input[1]));
  }
  expect_cache_result(c);
}

// ttml's training attention: Q [B, Hq, S, D], K [B, Hkv, S, D], V [B, Hkv, S, Dv] with Hkv
// dividing Hq; an attention_mask [1, 1, S, S] exactly when mask_type is arbitrary.
void check_training_attention(const OpChecker& c, size_t first, size_t mask_operand,
                              const char* default_mask) {
  const Shape &q = c.in(first), &k = c.in(first + 1), &v = c.in(first + 2);
  expect_rank(c, q, 4, "query");
  expect_rank(c, k, 4, "key");
  expect_rank(c, v, 4, "value");
  if (k[0] != q[0] || v[0] != q[0] || k[2] != q[2] || v[2] != q[2] || k[3] != q[3] ||
      v[1] != k[1] || k[1] < 1 || q[1] % k[1] != 0)
    c.fail(fmt::format("query {}, key {} and value {} must be [B, Hq, S, D], [B, Hkv, S, D], "
                       "[B, Hkv, S, Dv] with Hkv dividing Hq",
                       str(q), str(k), str(v)));
  const std::string type = c.has("mask_type") ? c.string_attr("mask_type") : default_mask;
  if (type != "none" && type != "causal" && type != "arbitrary")
    c.fail(fmt::format("mask_type '{}' is not none, causal or arbitrary", type));
  const bool has_mask = c.num_operands() > mask_operand;
  if ((type == "arbitrary") != has_mask)
    c.fail(fmt::format("mask_type {} {} an attention_mask", type,
                       type == "arbitrary" ? "needs" : "forbids"));
  if (has_mask && c.in(mask_operand) != Shape{1, 1, q[2], q[2]})
    c.fail(fmt::format("attention_mask {} must be [1, 1, {}, {}]", str(c.in(mask_operand)), q[2],
                       q[2]));
  if (c.has("dropout_probability") && c.float_attr("dropout_probability") != 0.0)
    c.fail("dropout_probability must be 0");
}

void check_sdpa_fw(const OpChecker& c) {
  c.expect_operands(3, 4);
  const bool lse = c.bool_attr_or("return_intermediates", false);
  c.expect_results(lse ? 2 : 1);
  check_training_attention(c, 0, 3, "causal");
  const Shape &q = c.in(0), &v = c.in(2);
  c.expect_result_shape({q[0], q[1], q[2], v[3]}, 0);
  if (lse) c.expect_result_shape({q[0], q[1], q[2], 32}, 1);
}

void check_sdpa_bw(const OpChecker& c) {
  c.expect_operands(6, 7);
  c.expect_results(3);
  check_training_attention(c, 2, 6, "arbitrary");
  const Shape &q = c.in(2), &v = c.in(4);
  const Shape o{q[0], q[1], q[2], v[3]};
  if (c.in(0) != o || c.in(1) != o)
    c.fail(fmt::format("grad_output {} and attn_output {} must be {}", str(c.in(0)), str(c.in(1)),
                       str(o)));
  if (c.in(5) != Shape{q[0], q[1], q[2], 32})
    c.fail(fmt::format("intermediates {} must be [{}, {}, {}, 32]", str(c.in(5)), q[0], q[1], q[2]));
  for (size_t r = 0; r < 3; ++r) c.expect_result_shape(c.in(2 + r), r);
}

// Mask dims must equal `full` or be 1 where `may_broadcast` says so.
void expect_mask(const OpChecker& c, const Shape& mask, const Shape& full,
                 const std::vector<bool>& may_broadcast) {
  expect_rank(c, mask, 4, "attention_mask");
  for (size_t d = 0; d < 4; ++d) {
    if (mask[d] != full[d] && !(may_broadcast[d] && mask[d] == 1)) {
      c.fail(fmt::format("attention_mask {} does not fit {} in dim {}", str(mask), str(full), d));
    }
  }
}

struct AttentionShapes {
  int64_t batch, q_heads, kv_heads, kv_len, head_dim, value_dim;
};

AttentionShapes check_key_value(const OpChecker& c, const OperandRoles& roles, int64_t batch,
                                int64_t q_heads, int64_t head_dim) {
  if (!roles.error.empty()) c.fail(roles.error);
  const Shape& key = c.in(*roles.index[kKey]);
  const Shape& value = c.in(*roles.index[kValue]);
  expect_rank(c, key, 4, "key");
  expect_rank(c, value, 4, "value");
  if (key[0] != batch || key[3] != head_dim) {
    c.fail(fmt::format("key {} must be [{}, kv_heads, kv_len, {}]", str(key), batch, head_dim));
  }
  if (value[0] != key[0] || value[1] != key[1] || value[2] != key[2]) {
    c.fail(fmt::format("value {} must match key {} in dims 0 to 2", str(value), str(key)));
  }
  if (key[1] == 0 || q_heads % key[1] != 0) {
    c.fail(fmt::format("query heads {} are not a multiple of key heads {}", q_heads, key[1]));
  }
  if (c.has("sliding_window_size")) c.fail("sliding_window_size is not supported");
  return {batch, q_heads, key[1], key[2], head_dim, value[3]};
}

// scaled_dot_product_attention(query [B, Hq, Sq, D], key [B, Hkv, S, D], value [B, Hkv, S, Dv],
// mask? [B|1, Hq|1, Sq|1, S]) -> [B, Hq, Sq, Dv].
void check_sdpa(const OpChecker& c) {
  c.expect_results(1);
  OperandRoles roles = sdpa_operand_roles(c.op, false);
  if (!roles.error.empty()) c.fail(roles.error);
  const Shape& query = c.in(0);
  expect_rank(c, query, 4, "query");
  AttentionShapes s = check_key_value(c, roles, query[0], query[1], query[3]);
  if (roles.index[kPrefillSink]) c.fail("attention_sink is not supported");
  if (roles.index[kMask]) {
    expect_mask(c, c.in(*roles.index[kMask]), {s.batch, s.q_heads, query[2], s.kv_len},
                {true, true, true, false});
  }
  c.expect_result_shape({s.batch, s.q_heads, query[2], s.value_dim});
}

// scaled_dot_product_attention_decode(query [1, B, Hq, D], key [B, Hkv, S, D], value
// [B, Hkv, S, Dv], mask? [B|1, 1, Hq|1, S], cur_pos? [B]) -> [1, B, Hq, Dv].
void check_sdpa_decode(const OpChecker& c) {
  c.expect_results(1);
  OperandRoles roles = sdpa_operand_roles(c.op, true);
  if (!roles.error.empty()) c.fail(roles.error);
  const Shape& query = c.in(0);
  expect_rank(c, query, 4, "query");
  if (query[0] != 1)
    c.fail(fmt::format("query {} must be [1, batch, heads, head_dim]", str(query)));
  AttentionShapes s = check_key_value(c, roles, query[1], query[2], query[3]);
  if (roles.index[kDecodeSink]) c.fail("attention_sink is not supported");
  if (roles.index[kMask]) {
    expect_mask(c, c.in(*roles.index[kMask]), {s.batch, 1, s.q_heads, s.kv_len},
                {true, false, true, false});
  }
  if (roles.index[kDecodeCurPos]) {
    const Shape& pos = c.in(*roles.index[kDecodeCurPos]);
    if (volume(pos) != s.batch)
      c.fail(fmt::format("cur_pos_tensor {} must hold {} positions", str(pos), s.batch));
  } else if (c.bool_attr_or("is_causal", true)) {
    c.fail("a causal decode needs cur_pos_tensor");
  }
  c.expect_result_shape({1, s.batch, s.q_heads, s.value_dim});
}

// paged_scaled_dot_product_attention_decode(query [1, B, Hq, D], key [blocks, Hkv, block, D],
// value [blocks, Hkv, block, Dv], page_table [B, n], output, mask? [B|1, 1, Hq|1, n * block],
// cur_pos? [B], sink?) -> [1, B, Hq, Dv]: decode attention over the caches read through the
// page table.
void check_paged_sdpa_decode(const OpChecker& c) {
  c.expect_results(1);
  const std::vector<int> seg = c.op.segment_operands(8);
  for (size_t r = 0; r < 4; ++r)
    if (seg[r] < 0) c.fail("query, key, value and page_table are required");
  auto in = [&](size_t role) -> const Shape& { return c.in(static_cast<size_t>(seg[role])); };
  const Shape &query = in(0), &key = in(1), &value = in(2), &table = in(3);
  expect_rank(c, query, 4, "query");
  expect_rank(c, key, 4, "key");
  expect_rank(c, value, 4, "value");
  expect_rank(c, table, 2, "page_table");
  if (query[0] != 1) c.fail(fmt::format("query {} must be [1, batch, heads, head_dim]", str(query)));
  if (key[3] != query[3] || value[0] != key[0] || value[1] != key[1] || value[2] != key[2] ||
      key[1] < 1 || query[2] % key[1] != 0)
    c.fail(fmt::format("key {} and value {} must be paged caches [blocks, kv_heads, block_size, D] "
                       "with kv_heads dividing the query's {} heads and D = {}",
                       str(key), str(value), query[2], query[3]));
  if (table[0] != query[1])
    c.fail(fmt::format("page_table {} must have one row per user ({})", str(table), query[1]));
  if (seg[7] >= 0) c.fail("attention_sink is not supported");
  if (seg[5] >= 0)
    expect_mask(c, in(5), {query[1], 1, query[2], table[1] * key[2]}, {true, false, true, false});
  if (seg[6] >= 0) {
    if (volume(in(6)) != query[1])
      c.fail(fmt::format("cur_pos_tensor {} must hold {} positions", str(in(6)), query[1]));
  } else if (c.bool_attr_or("is_causal", true)) {
    c.fail("a causal decode needs cur_pos_tensor");
  }
  c.expect_result_shape({1, query[1], query[2], value[3]});
}

// chunked_scaled_dot_product_attention(query [B, Hq, chunk, D], key [blocks, Hkv, block, D],
// value (as key), page_table [B, n], chunk_start_idx [1], output) -> like query.
void check_chunked_sdpa(const OpChecker& c) {
  c.expect_operands(5);  // the output operand arrives as the result
  c.expect_results(1);
  const Shape &query = c.in(0), &key = c.in(1), &table = c.in(3), &start = c.in(4);
  expect_rank(c, query, 4, "query");
  expect_rank(c, key, 4, "key");
  expect_rank(c, table, 2, "page_table");
  if (c.in(2) != key || c.operand(2).dtype != c.operand(1).dtype)
    c.fail(fmt::format("value {} must be typed as key {}", str(c.in(2)), str(key)));
  if (!is_float(c.operand(0).dtype) || c.operand(1).dtype != c.operand(0).dtype)
    c.fail("query, key and value must be float tensors of one dtype");
  if (start != Shape{1} || is_float(c.operand(4).dtype))
    c.fail(fmt::format("chunk_start_idx {} must be one integer [1]", str(start)));
  if (is_float(c.operand(3).dtype)) c.fail("page_table must be an integer tensor");
  if (key[3] != query[3] || key[1] < 1 || query[1] % key[1] != 0)
    c.fail(fmt::format("key {} must be a paged cache [blocks, kv_heads, block_size, {}] with "
                       "kv_heads dividing the query's {} heads",
                       str(key), query[3], query[1]));
  if (table[0] != query[0])
    c.fail(fmt::format("page_table {} must have one row per user ({})", str(table), query[0]));
  c.expect_result_shape(query);
}

// paged_flash_multi_latent_attention_decode(query [1, B, H, D], key [blocks, 1, block, D],
// value? [blocks, 1, block, head_dim_v], page_table [B, n], mask? [B|1, 1, H|1, n * block],
// cur_pos? [B], sink?) -> [1, B, H, head_dim_v].
void check_mla_decode(const OpChecker& c) {
  c.expect_results(1);
  const std::vector<int> seg = c.op.segment_operands(7);
  if (seg[0] < 0 || seg[1] < 0 || seg[3] < 0) c.fail("query, key and page_table are required");
  auto in = [&](size_t role) -> const Shape& { return c.in(static_cast<size_t>(seg[role])); };
  const Shape &query = in(0), &key = in(1), &table = in(3);
  expect_rank(c, query, 4, "query");
  expect_rank(c, key, 4, "key");
  expect_rank(c, table, 2, "page_table");
  if (query[0] != 1) c.fail(fmt::format("query {} must be [1, batch, heads, head_dim]", str(query)));
  if (key[1] != 1 || key[3] != query[3])
    c.fail(fmt::format("key {} must be the latent cache [blocks, 1, block_size, {}]", str(key),
                       query[3]));
  const int64_t dv = c.int_attr("head_dim_v");
  if (dv <= 0 || (seg[2] < 0 && dv > key[3]))
    c.fail(fmt::format("head_dim_v {} must be positive and, without a value cache, at most the "
                       "key's {} columns",
                       dv, key[3]));
  if (seg[2] >= 0 && in(2) != Shape{key[0], 1, key[2], dv})
    c.fail(fmt::format("value {} must be [{}, 1, {}, head_dim_v = {}]", str(in(2)), key[0],
                       key[2], dv));
  if (table[0] != query[1])
    c.fail(fmt::format("page_table {} must have one row per user ({})", str(table), query[1]));
  if (seg[6] >= 0) c.fail("attention_sink is not supported");
  if (seg[4] >= 0)
    expect_mask(c, in(4), {query[1], 1, query[2], table[1] * key[2]}, {true, false, true, false});
  if (seg[5] >= 0) {
    if (volume(in(5)) != query[1])
      c.fail(fmt::format("cur_pos_tensor {} must hold {} positions", str(in(5)), query[1]));
  } else if (c.bool_attr_or("is_causal", true)) {
    c.fail("a causal decode needs cur_pos_tensor");
  }
  c.expect_result_shape({1, query[1], query[2], dv});
}

// concatenate_heads([B, H, S, D]) -> [B, S, H * D].
void check_concatenate_heads(const OpChecker& c) {
  c.expect_operands(1);
  c.expect_results(1);
  const Shape& in = c.in(0);
  expect_rank(c, in, 4, "input");
  c.expect_result_shape({in[0], in[2], in[1] * in[3]});
}

// split_query_key_value_and_split_heads(input [B, S, (H + 2 Hkv) D]) or (input [B, S, H D],
// kv_input [B, S, 2 Hkv D]) -> query [B, H, S, D], key [B, Hkv, S, D] (or [B, Hkv, D, S] with
// transpose_key), value [B, Hkv, S, D].
void check_split_qkv(const OpChecker& c) {
  c.expect_operands(1, 2);
  c.expect_results(3);
  const Shape& in = c.in(0);
  expect_rank(c, in, 3, "input");
  const int64_t heads = c.int_attr("num_heads");
  const int64_t kv_heads = c.int_attr_or("num_kv_heads", heads);
  if (heads <= 0 || kv_heads <= 0)
    c.fail(fmt::format("num_heads {} and num_kv_heads {} must be positive", heads, kv_heads));
  int64_t head_dim = 0;
  if (c.num_operands() == 2) {
    const Shape& kv = c.in(1);
    expect_rank(c, kv, 3, "kv_input");
    if (in[2] % heads != 0)
      c.fail(fmt::format("input hidden size {} is not a multiple of {} heads", in[2], heads));
    head_dim = in[2] / heads;
    if (kv[0] != in[0] || kv[1] != in[1] || kv[2] != 2 * kv_heads * head_dim) {
      c.fail(fmt::format("kv_input {} must be [{}, {}, {}]", str(kv), in[0], in[1],
                         2 * kv_heads * head_dim));
    }
  } else {
    const int64_t parts = heads + 2 * kv_heads;
    if (in[2] % parts != 0) {
      c.fail(
          fmt::format("input hidden size {} is not a multiple of num_heads + 2 * "
                      "num_kv_heads = {}",
                      in[2], parts));
    }
    head_dim = in[2] / parts;
  }
  const int64_t b = in[0], s = in[1];
  c.expect_result_shape({b, heads, s, head_dim}, 0);
  if (c.bool_attr_or("transpose_key", false))
    c.expect_result_shape({b, kv_heads, head_dim, s}, 1);
  else
    c.expect_result_shape({b, kv_heads, s, head_dim}, 1);
  c.expect_result_shape({b, kv_heads, s, head_dim}, 2);
}

}  // namespace

void add_transformer_checks(CheckTable& table) {
  table["update_cache"] = check_update_cache;
  table["fill_cache"] = check_fill_cache;
  table["paged_fill_cache"] = check_paged_fill_cache;
  table["paged_update_cache"] = check_paged_update_cache;
  table["scaled_dot_product_attention"] = check_sdpa;
  table["paged_scaled_dot_product_attention_decode"] = check_paged_sdpa_decode;
  table["sdpa_fw"] = check_sdpa_fw;
  table["chunked_scaled_dot_product_attention"] = check_chunked_sdpa;
  table["paged_flash_multi_latent_attention_decode"] = check_mla_decode;
  table["sdpa_bw"] = check_sdpa_bw;
  table["scaled_dot_product_attention_decode"] = check_sdpa_decode;
  table["concatenate_heads"] = check_concatenate_heads;
  table["split_query_key_value_and_split_heads"] = check_split_qkv;
}

}  // namespace meshrt::verify::detail
