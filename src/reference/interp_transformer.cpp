// Reference-interpreter kernels of the KV-cache and transformer ops: update_cache, fill_cache,
// paged_fill_cache, scaled_dot_product_attention(_decode), concatenate_heads and
// split_query_key_value_and_split_heads. Plain f64 loops over 4-d indices.
//
// Cache ops return the written cache (see parse_inplace.hpp). A position, user or block index
// outside the cache is skipped: that write does not happen.
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>

#include "interp_kernels.hpp"
#include "meshrt/binary/transformer_operands.hpp"

namespace meshrt::reference::interp {
namespace {

using binary::kDecodeCurPos;
using binary::kKey;
using binary::kMask;
using binary::kQuery;
using binary::kValue;

// Row-major flat index of (i0, i1, i2, i3) in a rank-4 shape.
int64_t flat4(const Shape& s, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
  return ((i0 * s[1] + i1) * s[2] + i2) * s[3] + i3;
}

double& at4(Tensor& t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
  return t.v[static_cast<size_t>(flat4(t.shape, i0, i1, i2, i3))];
}
double at4(const Tensor& t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
  return t.v[static_cast<size_t>(flat4(t.shape, i0, i1, i2, i3))];
}

void expect_rank(const OpContext& ctx, const Tensor& t, int64_t rank, const char* what) {
  if (t.rank() != rank) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("{} {} must have rank {}", what, shape_to_string(t.shape), rank));
  }
}

// An index value as an integer, or -1 when it is not a whole number.
int64_t as_index(double v) {
  const double whole = std::floor(v);
  return whole == v && std::isfinite(v) ? static_cast<int64_t>(whole) : -1;
}

Tensor written_cache(const OpContext& ctx, const Tensor& cache) {
  Tensor out = cache;
  out.dtype = ctx.result_dtype();
  return out;
}

// update_cache: cache[b, h, pos_b, :] = token of user b (input [1, H, off + B.., D] with users
// along dim 2, or [B, H, 1, D]).
std::vector<Tensor> update_cache(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 3);
  const Tensor& cache = *in[0];
  const Tensor& input = *in[1];
  const Tensor& index = *in[2];
  expect_rank(ctx, cache, 4, "cache");
  expect_rank(ctx, input, 4, "input");
  const int64_t users = cache.shape[0], heads = cache.shape[1], len = cache.shape[2],
                dim = cache.shape[3];
  const int64_t offset = ctx.op.has_attr("batch_offset") ? ctx.op.int_attr("batch_offset") : 0;
  const bool users_in_dim2 = input.shape[0] == 1 && input.shape[2] >= offset + users;
  if (index.numel() != 1 && index.numel() != users)
    ctx.fail(ErrorCode::kInvalidArgument, "update_index must hold 1 or one position per user");
  Tensor out = written_cache(ctx, cache);
  for (int64_t b = 0; b < users; ++b) {
    const int64_t pos = as_index(index.v[static_cast<size_t>(index.numel() == 1 ? 0 : b)]);
    if (pos < 0 || pos >= len) continue;
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t d = 0; d < dim; ++d) {
        at4(out, b, h, pos, d) =
            users_in_dim2 ? at4(input, 0, h, offset + b, d) : at4(input, b, h, 0, d);
      }
    }
  }
  return single(std::move(out));
}

// fill_cache: cache[offset + b, h, s, :] = input[b, h, s, :] for s < input seq len.
std::vector<Tensor> fill_cache(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 2);
  const Tensor& cache = *in[0];
  const Tensor& input = *in[1];
  expect_rank(ctx, cache, 4, "cache");
  expect_rank(ctx, input, 4, "input");
  const int64_t offset = ctx.op.has_attr("batch_offset") ? ctx.op.int_attr("batch_offset") : 0;
  Tensor out = written_cache(ctx, cache);
  for (int64_t b = 0; b < input.shape[0]; ++b) {
    if (offset + b < 0 || offset + b >= cache.shape[0]) continue;
    for (int64_t h = 0; h < input.shape[1]; ++h) {
      for (int64_t s = 0; s < input.shape[2] && s < cache.shape[2]; ++s) {
        for (int64_t d = 0; d < input.shape[3]; ++d)
          at4(out, offset + b, h, s, d) = at4(input, b, h, s, d);
      }
    }
  }
  return single(std::move(out));
}

// paged_fill_cache: position s of user u lands in block page_table[u, s / block] at row
// s % block. Positions are written in increasing order (a later one wins on a shared slot).
std::vector<Tensor> paged_fill_cache(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 3);
  const Tensor& cache = *in[0];
  const Tensor& input = *in[1];
  const Tensor& table = *in[2];
  expect_rank(ctx, cache, 4, "cache");
  expect_rank(ctx, input, 4, "input");
  expect_rank(ctx, table, 2, "page_table");
  int64_t user = 0;
  if (in.size() > 3) {
    user = as_index(in[3]->v.at(0));
  } else if (ctx.op.has_attr("batch_idx")) {
    user = ctx.op.int_attr("batch_idx");
  }
  Tensor out = written_cache(ctx, cache);
  if (user < 0 || user >= table.shape[0]) return single(std::move(out));
  const int64_t block = cache.shape[2];
  for (int64_t s = 0; s < input.shape[2]; ++s) {
    const int64_t slot = s / block;
    if (slot >= table.shape[1]) break;
    const int64_t page = as_index(table.v[static_cast<size_t>(user * table.shape[1] + slot)]);
    if (page < 0 || page >= cache.shape[0]) continue;
    for (int64_t h = 0; h < input.shape[1]; ++h) {
      for (int64_t d = 0; d < input.shape[3]; ++d)
        at4(out, page, h, s % block, d) = at4(input, 0, h, s, d);
    }
  }
  return single(std::move(out));
}

// paged_update_cache: user u's token input[0, u, h, :] (h below the cache's heads) lands at
// position update_index[u]: block page_table[u, pos / block], row pos % block; without a page
// table block u, row pos. Out-of-range positions and pages skip the user.
std::vector<Tensor> paged_update_cache(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 3);
  const Tensor& cache = *in[0];
  const Tensor& input = *in[1];
  const Tensor& index = *in[2];
  const Tensor* table = in.size() > 3 ? in[3] : nullptr;
  expect_rank(ctx, cache, 4, "cache");
  expect_rank(ctx, input, 4, "input");
  if (index.numel() != input.shape[1])
    ctx.fail(ErrorCode::kInvalidArgument, "update_index must hold one position per user");
  Tensor out = written_cache(ctx, cache);
  const int64_t block = cache.shape[2];
  for (int64_t u = 0; u < input.shape[1]; ++u) {
    const int64_t pos = as_index(index.v[static_cast<size_t>(u)]);
    if (pos < 0) continue;
    int64_t page = u, row = pos;
    if (table) {
      expect_rank(ctx, *table, 2, "page_table");
      if (u >= table->shape[0] || pos / block >= table->shape[1]) continue;
      page = as_index(table->v[static_cast<size_t>(u * table->shape[1] + pos / block)]);
      row = pos % block;
    }
    if (page < 0 || page >= cache.shape[0] || row >= block) continue;
    for (int64_t h = 0; h < cache.shape[1]; ++h)
      for (int64_t d = 0; d < cache.shape[3]; ++d) at4(out, page, h, row, d) = at4(input, 0, u, h, d);
  }
  return single(std::move(out));
}

// Softmax-weighted sum of value rows: scores[j] (-inf = masked) over value[b, kvh, j, :].
void attend(const std::vector<double>& scores, const Tensor& value, int64_t b, int64_t kvh,
            std::vector<double>& result) {
  double peak = -std::numeric_limits<double>::infinity();
  for (double s : scores) peak = std::max(peak, s);
  std::fill(result.begin(), result.end(), 0.0);
  if (!std::isfinite(peak)) return;  // every position masked
  double total = 0;
  for (size_t j = 0; j < scores.size(); ++j) {
    const double w = std::exp(scores[j] - peak);
    total += w;
    for (size_t e = 0; e < result.size(); ++e)
      result[e] += w * at4(value, b, kvh, static_cast<int64_t>(j), static_cast<int64_t>(e));
  }
  for (double& r : result) r /= total;
}

double dot_row(const Tensor& a, int64_t a0, int64_t a1, int64_t a2, const Tensor& k, int64_t k0,
               int64_t k1, int64_t k2) {
  double sum = 0;
  for (int64_t d = 0; d < a.shape[3]; ++d) sum += at4(a, a0, a1, a2, d) * at4(k, k0, k1, k2, d);
  return sum;
}

double mask_at(const Tensor& mask, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
  auto pick = [&](size_t d, int64_t i) { return mask.shape[d] == 1 ? 0 : i; };
  return at4(mask, pick(0, i0), pick(1, i1), pick(2, i2), i3);
}

// Prefill query row i sees keys [0, i + causal_offset] when causal (a chunk starting at
// causal_offset); decode queries up to their user's cur_pos.
std::vector<Tensor> attention(const OpContext& ctx, const std::vector<const Tensor*>& in,
                              int64_t causal_offset) {
  const bool decode = ctx.op.name == "scaled_dot_product_attention_decode";
  binary::OperandRoles roles = binary::sdpa_operand_roles(ctx.op, decode);
  if (!roles.error.empty()) ctx.fail(ErrorCode::kInvalidArgument, roles.error);
  const Tensor& q = *in[*roles.index[kQuery]];
  const Tensor& k = *in[*roles.index[kKey]];
  const Tensor& v = *in[*roles.index[kValue]];
  const Tensor* mask = roles.index[kMask] ? in[*roles.index[kMask]] : nullptr;
  expect_rank(ctx, q, 4, "query");
  expect_rank(ctx, k, 4, "key");
  expect_rank(ctx, v, 4, "value");
  const bool causal = ctx.op.bool_attr_or("is_causal", true);
  const int64_t head_dim = q.shape[3];
  const double scale = ctx.op.has_attr("scale") ? ctx.op.float_attr("scale")
                                                : 1.0 / std::sqrt(static_cast<double>(head_dim));
  // Decode queries are [1, B, H, D]; prefill queries [B, H, Sq, D].
  const int64_t batch = decode ? q.shape[1] : q.shape[0];
  const int64_t heads = decode ? q.shape[2] : q.shape[1];
  const int64_t rows = decode ? 1 : q.shape[2];
  const int64_t group = heads / k.shape[1];
  const int64_t kv_len = k.shape[2];
  Tensor out(ctx.result_shape(), ctx.result_dtype());
  std::vector<double> scores(static_cast<size_t>(kv_len));
  std::vector<double> result(static_cast<size_t>(v.shape[3]));
  const double masked = -std::numeric_limits<double>::infinity();
  for (int64_t b = 0; b < batch; ++b) {
    int64_t last = kv_len - 1;  // last visible key position
    if (decode && causal) {
      const Tensor& pos = *in[*roles.index[kDecodeCurPos]];
      last = std::min(last, static_cast<int64_t>(std::floor(pos.v.at(static_cast<size_t>(b)))));
    }
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t kvh = h / group;
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < kv_len; ++j) {
          const bool hidden = decode ? j > last : (causal && j > i + causal_offset);
          double s = hidden ? masked
                            : scale * (decode ? dot_row(q, 0, b, h, k, b, kvh, j)
                                              : dot_row(q, b, h, i, k, b, kvh, j));
          if (mask && !hidden)
            s += decode ? mask_at(*mask, b, 0, h, j) : mask_at(*mask, b, h, i, j);
          scores[static_cast<size_t>(j)] = s;
        }
        attend(scores, v, b, kvh, result);
        for (int64_t e = 0; e < v.shape[3]; ++e) {
          (decode ? at4(out, 0, b, h, e) : at4(out, b, h, i, e)) = result[static_cast<size_t>(e)];
        }
      }
    }
  }
  return single(std::move(out));
}

std::vector<Tensor> sdpa(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  return attention(ctx, in, 0);
}

// concatenate_heads: out[b, s, h * D + d] = in[b, h, s, d].
std::vector<Tensor> concatenate_heads(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 1);
  const Tensor& x = *in[0];
  expect_rank(ctx, x, 4, "input");
  const int64_t heads = x.shape[1], len = x.shape[2], dim = x.shape[3];
  Tensor out(ctx.result_shape(), ctx.result_dtype());
  for (int64_t b = 0; b < x.shape[0]; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t s = 0; s < len; ++s) {
        for (int64_t d = 0; d < dim; ++d) {
          out.v[static_cast<size_t>((b * len + s) * heads * dim + h * dim + d)] =
              at4(x, b, h, s, d);
        }
      }
    }
  }
  return single(std::move(out));
}

// split_query_key_value_and_split_heads: the hidden dim holds [Q heads | K heads | V heads]
// (K and V in the second operand when there is one); each head is a contiguous D-slice.
std::vector<Tensor> split_qkv(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Tensor& x = *in[0];
  expect_rank(ctx, x, 3, "input");
  const int64_t heads = ctx.op.int_attr("num_heads");
  const int64_t kv_heads =
      ctx.op.has_attr("num_kv_heads") ? ctx.op.int_attr("num_kv_heads") : heads;
  const bool transpose_key = ctx.op.bool_attr_or("transpose_key", false);
  const int64_t batch = x.shape[0], len = x.shape[1];
  const int64_t dim = ctx.result_shape(0)[3];
  // (tensor, first hidden column) of each of the three parts.
  const Tensor& kv = in.size() > 1 ? *in[1] : x;
  const int64_t k_start = in.size() > 1 ? 0 : heads * dim;
  const int64_t v_start = k_start + kv_heads * dim;
  std::vector<Tensor> outs;
  for (size_t r = 0; r < 3; ++r) outs.emplace_back(ctx.result_shape(r), ctx.result_dtype(r));
  auto hidden = [&](const Tensor& t, int64_t b, int64_t s, int64_t c) {
    return t.v[static_cast<size_t>((b * len + s) * t.shape[2] + c)];
  };
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t s = 0; s < len; ++s) {
      for (int64_t d = 0; d < dim; ++d) {
        for (int64_t h = 0; h < heads; ++h) at4(outs[0], b, h, s, d) = hidden(x, b, s, h * dim + d);
        for (int64_t h = 0; h < kv_heads; ++h) {
          const double key = hidden(kv, b, s, k_start + h * dim + d);
          (transpose_key ? at4(outs[1], b, h, d, s) : at4(outs[1], b, h, s, d)) = key;
          at4(outs[2], b, h, s, d) = hidden(kv, b, s, v_start + h * dim + d);
        }
      }
    }
  }
  return outs;
}

// A paged K or V cache [blocks, Hkv, block_size, D] read through page_table [B, n]: position s
// of user b is row s % block_size of block page_table[b, s / block_size].
Tensor unpaged(const OpContext& ctx, const Tensor& cache, const Tensor& table, int64_t batch) {
  expect_rank(ctx, cache, 4, "key/value cache");
  expect_rank(ctx, table, 2, "page_table");
  if (table.shape[0] != batch)
    ctx.fail(ErrorCode::kInvalidArgument, "page_table needs one row per user");
  const int64_t per_user = table.shape[1], block = cache.shape[2];
  Tensor out({batch, cache.shape[1], per_user * block, cache.shape[3]}, cache.dtype);
  for_each_index(out.shape, [&](int64_t flat, const std::vector<int64_t>& p) {
    const double page = table.v[static_cast<size_t>(p[0] * per_user + p[2] / block)];
    if (page < 0 || page >= static_cast<double>(cache.shape[0]) || std::floor(page) != page)
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("page_table holds {}, not a block of the cache", page));
    out.v[static_cast<size_t>(flat)] =
        at4(cache, static_cast<int64_t>(page), p[1], p[2] % block, p[3]);
  });
  return out;
}

// scaled_dot_product_attention_decode of a paged decode op over unpaged k and v: `optional`
// are the operand indices of its mask, cur_pos and sink (-1 when absent).
std::vector<Tensor> decode_over(const OpContext& ctx, const std::vector<const Tensor*>& in,
                                const Tensor& q, const Tensor& k, const Tensor& v,
                                std::array<int, 3> optional) {
  binary::Op decode = ctx.op;
  decode.name = "scaled_dot_product_attention_decode";
  std::vector<const Tensor*> operands = {&q, &k, &v};
  std::vector<int64_t> present = {1, 1, 1, 0, 0, 0};
  for (size_t r = 0; r < 3; ++r) {
    if (optional[r] < 0) continue;
    operands.push_back(in[static_cast<size_t>(optional[r])]);
    present[r + 3] = 1;
  }
  decode.attrs["operandSegmentSizes"] = present;
  decode.operands.assign(operands.size(), 0);  // only their count is read
  const OpContext decode_ctx{decode, ctx.results};
  return sdpa(decode_ctx, operands);
}

// paged_scaled_dot_product_attention_decode(query, key, value, page_table, output, mask?,
// cur_pos?, sink?): scaled_dot_product_attention_decode over the unpaged caches.
std::vector<Tensor> paged_sdpa_decode(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  const std::vector<int> seg = ctx.op.segment_operands(8);
  for (size_t r = 0; r < 4; ++r)
    if (seg[r] < 0)
      ctx.fail(ErrorCode::kInvalidArgument, "query, key, value and page_table are required");
  const Tensor& q = *in[static_cast<size_t>(seg[0])];
  expect_rank(ctx, q, 4, "query");
  const Tensor& table = *in[static_cast<size_t>(seg[3])];
  const Tensor k = unpaged(ctx, *in[static_cast<size_t>(seg[1])], table, q.shape[1]);
  const Tensor v = unpaged(ctx, *in[static_cast<size_t>(seg[2])], table, q.shape[1]);
  return decode_over(ctx, in, q, k, v, {seg[5], seg[6], seg[7]});
}

// chunked_scaled_dot_product_attention(query [B, H, chunk, D], key, value, page_table,
// chunk_start_idx [1], output): causal attention of query row i, at position start + i, over
// the unpaged caches.
std::vector<Tensor> chunked_sdpa(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 5);  // the output operand is the result
  const Tensor& q = *in[0];
  expect_rank(ctx, q, 4, "query");
  const Tensor k = unpaged(ctx, *in[1], *in[3], q.shape[0]);
  const Tensor v = unpaged(ctx, *in[2], *in[3], q.shape[0]);
  const double start = in[4]->v.at(0);
  if (start < 0 || std::floor(start) != start)
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("chunk_start_idx = {} is not a position", start));
  binary::Op prefill = ctx.op;
  prefill.name = "scaled_dot_product_attention";
  prefill.attrs["is_causal"] = true;
  prefill.attrs.erase("operandSegmentSizes");
  prefill.operands.resize(3);
  const OpContext prefill_ctx{prefill, ctx.results};
  return attention(prefill_ctx, {&q, &k, &v}, static_cast<int64_t>(start));
}

// paged_flash_multi_latent_attention_decode(query, key, value?, page_table, mask?, cur_pos?,
// sink?): decode attention over the latent cache; without a value cache the values are the
// key cache's first head_dim_v columns.
std::vector<Tensor> mla_decode(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  const std::vector<int> seg = ctx.op.segment_operands(7);
  if (seg[0] < 0 || seg[1] < 0 || seg[3] < 0)
    ctx.fail(ErrorCode::kInvalidArgument, "query, key and page_table are required");
  const Tensor& q = *in[static_cast<size_t>(seg[0])];
  expect_rank(ctx, q, 4, "query");
  const Tensor& table = *in[static_cast<size_t>(seg[3])];
  const Tensor k = unpaged(ctx, *in[static_cast<size_t>(seg[1])], table, q.shape[1]);
  Tensor v;
  if (seg[2] >= 0) {
    v = unpaged(ctx, *in[static_cast<size_t>(seg[2])], table, q.shape[1]);
  } else {
    const int64_t dv = ctx.op.int_attr("head_dim_v");
    v = Tensor({k.shape[0], k.shape[1], k.shape[2], dv}, k.dtype);
    for_each_index(v.shape, [&](int64_t flat, const std::vector<int64_t>& p) {
      v.v[static_cast<size_t>(flat)] = at4(k, p[0], p[1], p[2], p[3]);
    });
  }
  return decode_over(ctx, in, q, k, v, {seg[4], seg[5], seg[6]});
}

}  // namespace

void register_transformer_kernels(KernelTable& table) {
  table.device["update_cache"] = update_cache;
  table.device["fill_cache"] = fill_cache;
  table.device["paged_fill_cache"] = paged_fill_cache;
  table.device["paged_update_cache"] = paged_update_cache;
  table.device["scaled_dot_product_attention"] = sdpa;
  table.device["scaled_dot_product_attention_decode"] = sdpa;
  table.device["paged_scaled_dot_product_attention_decode"] = paged_sdpa_decode;
  table.device["chunked_scaled_dot_product_attention"] = chunked_sdpa;
  table.device["paged_flash_multi_latent_attention_decode"] = mla_decode;
  table.device["concatenate_heads"] = concatenate_heads;
  table.device["split_query_key_value_and_split_heads"] = split_qkv;
}

}  // namespace meshrt::reference::interp
