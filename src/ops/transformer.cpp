// Device kernels of the KV-cache ops (update_cache, fill_cache, paged_fill_cache) and of the
// head reshuffles (concatenate_heads, split_query_key_value_and_split_heads).
//
// All of them move whole head rows (the contiguous last dim) as raw bytes; nothing rounds.
// Cache ops write into a copy of the cache (the op's result, see the parser's in-place
// handling). Index values outside the cache (position, user, block) skip that write.
#include <cmath>
#include <cstring>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// Copies `count` consecutive elements; bytes when the dtypes agree, rounding otherwise.
void copy_run(const HostTensor& src, int64_t src_at, HostTensor& dst, int64_t dst_at,
              int64_t count) {
  if (src.dtype() == dst.dtype()) {
    const size_t esz = element_size(src.dtype());
    std::memcpy(dst.data() + static_cast<size_t>(dst_at) * esz,
                src.data() + static_cast<size_t>(src_at) * esz, static_cast<size_t>(count) * esz);
    return;
  }
  for (int64_t i = 0; i < count; ++i) dst.set(dst_at + i, src.at(src_at + i));
}

void expect_rank(const binary::Op& op, const HostTensor& t, size_t rank, const char* what) {
  if (t.shape().size() != rank)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("{} {} must have rank {}", what, shape_to_string(t.shape()), rank));
}

// Element offset of [i0, i1, i2, 0] in a rank-4 tensor.
int64_t row_offset(const Shape& s, int64_t i0, int64_t i1, int64_t i2) {
  return ((i0 * s[1] + i1) * s[2] + i2) * s[3];
}

// An integer index element, or -1 when the value is not a whole number.
int64_t index_value(const HostTensor& t, int64_t i) {
  const double v = t.at(i);
  return std::isfinite(v) && std::floor(v) == v ? static_cast<int64_t>(v) : -1;
}

HostTensor& start_from_cache(const binary::Op& op, Inputs in, Outputs out) {
  expect_rank(op, *in[0], 4, "cache");
  expect_rank(op, *in[1], 4, "input");
  expect_shape(op, out[0]->shape(), in[0]->shape(), "result");
  copy_run(*in[0], 0, *out[0], 0, in[0]->volume());
  return *out[0];
}

void update_cache_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 3, out);
  HostTensor& cache = start_from_cache(op, in, out);
  const HostTensor& token = *in[1];
  const HostTensor& index = *in[2];
  const Shape& cs = cache.shape();
  const Shape& ts = token.shape();
  const int64_t offset = op.has_attr("batch_offset") ? op.int_attr("batch_offset") : 0;
  // Users run along dim 2 of a [1, H, padded users, D] token, else along dim 0 of [B, H, 1, D].
  const bool users_in_dim2 = ts[0] == 1 && ts[2] >= offset + cs[0];
  if (index.volume() != 1 && index.volume() != cs[0])
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("update_index holds {} positions for {} users", index.volume(), cs[0]));
  for (int64_t user = 0; user < cs[0]; ++user) {
    const int64_t pos = index_value(index, index.volume() == 1 ? 0 : user);
    if (pos < 0 || pos >= cs[2]) continue;
    for (int64_t head = 0; head < cs[1]; ++head) {
      const int64_t from =
          users_in_dim2 ? row_offset(ts, 0, head, offset + user) : row_offset(ts, user, head, 0);
      copy_run(token, from, cache, row_offset(cs, user, head, pos), cs[3]);
    }
  }
}

void fill_cache_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 2, out);
  HostTensor& cache = start_from_cache(op, in, out);
  const HostTensor& input = *in[1];
  const Shape& cs = cache.shape();
  const Shape& is = input.shape();
  const int64_t offset = op.has_attr("batch_offset") ? op.int_attr("batch_offset") : 0;
  const int64_t rows = std::min(is[2], cs[2]);
  for (int64_t b = 0; b < is[0]; ++b) {
    const int64_t user = offset + b;
    if (user < 0 || user >= cs[0]) continue;
    // One user's prefix [0, rows) is contiguous in both tensors for each head.
    for (int64_t head = 0; head < is[1]; ++head)
      copy_run(input, row_offset(is, b, head, 0), cache, row_offset(cs, user, head, 0),
               rows * cs[3]);
  }
}

void paged_fill_cache_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 4, out);
  HostTensor& cache = start_from_cache(op, in, out);
  const HostTensor& input = *in[1];
  const HostTensor& pages = *in[2];
  expect_rank(op, pages, 2, "page_table");
  const Shape& cs = cache.shape();
  const Shape& is = input.shape();
  const int64_t per_user = pages.shape()[1];
  const int64_t user = in.size() == 4 ? index_value(*in[3], 0)
                                      : (op.has_attr("batch_idx") ? op.int_attr("batch_idx") : 0);
  if (user < 0 || user >= pages.shape()[0]) return;
  const int64_t block = cs[2];
  for (int64_t first = 0; first < is[2]; first += block) {
    const int64_t slot = first / block;
    if (slot >= per_user) break;
    const int64_t page = index_value(pages, user * per_user + slot);
    if (page < 0 || page >= cs[0]) continue;
    const int64_t rows = std::min(block, is[2] - first);
    for (int64_t head = 0; head < is[1]; ++head)
      copy_run(input, row_offset(is, 0, head, first), cache, row_offset(cs, page, head, 0),
               rows * cs[3]);
  }
}

// paged_update_cache(cache [blocks, H, block_size, D], input [1, users, Hp >= H, D],
// update_index [users], page_table? [users, blocks_per_user]): user u's token (its first H heads)
// goes to position p = update_index[u]: row p % block_size of block page_table[u, p /
// block_size], or without a page table row p of block u.
void paged_update_cache_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 4, out);
  HostTensor& cache = start_from_cache(op, in, out);
  const HostTensor& input = *in[1];
  const HostTensor& index = *in[2];
  const HostTensor* pages = in.size() == 4 ? in[3] : nullptr;
  const Shape& cs = cache.shape();
  const Shape& is = input.shape();
  const int64_t users = is[1], block = cs[2];
  if (is[2] < cs[1] || is[3] != cs[3] || index.volume() != users)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("input {} / update_index {} do not fit cache {}", shape_to_string(is),
                     shape_to_string(index.shape()), shape_to_string(cs)));
  if (pages) expect_rank(op, *pages, 2, "page_table");
  for (int64_t u = 0; u < users; ++u) {
    const int64_t pos = index_value(index, u);
    if (pos < 0) continue;
    int64_t page = u, row = pos;
    if (pages) {
      if (u >= pages->shape()[0] || pos / block >= pages->shape()[1]) continue;
      page = index_value(*pages, u * pages->shape()[1] + pos / block);
      row = pos % block;
    }
    if (page < 0 || page >= cs[0] || row >= block) continue;
    for (int64_t head = 0; head < cs[1]; ++head)
      copy_run(input, row_offset(is, 0, u, head), cache, row_offset(cs, page, head, row), cs[3]);
  }
}

void concatenate_heads_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& x = *in[0];
  expect_rank(op, x, 4, "input");
  const Shape& s = x.shape();
  expect_shape(op, out[0]->shape(), {s[0], s[2], s[1] * s[3]}, "result");
  for (int64_t b = 0; b < s[0]; ++b)
    for (int64_t h = 0; h < s[1]; ++h)
      for (int64_t t = 0; t < s[2]; ++t)
        copy_run(x, row_offset(s, b, h, t), *out[0], (b * s[2] + t) * s[1] * s[3] + h * s[3], s[3]);
}

// Heads [first_head, first_head + count) of `src` ([B, S, hidden], head h at column
// column0 + h * D) into `dst` [B, count, S, D], or [B, count, D, S] when `transposed`.
void split_heads(const HostTensor& src, int64_t column0, HostTensor& dst, bool transposed) {
  const Shape& ss = src.shape();
  const Shape& ds = dst.shape();
  const int64_t batch = ss[0], len = ss[1], hidden = ss[2];
  const int64_t heads = ds[1], dim = transposed ? ds[2] : ds[3];
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t t = 0; t < len; ++t) {
        const int64_t from = (b * len + t) * hidden + column0 + h * dim;
        if (!transposed) {
          copy_run(src, from, dst, row_offset(ds, b, h, t), dim);
          continue;
        }
        for (int64_t d = 0; d < dim; ++d)
          copy_run(src, from + d, dst, row_offset(ds, b, h, d) + t, 1);
      }
}

void split_qkv_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 2, out, 3);
  const HostTensor& x = *in[0];
  expect_rank(op, x, 3, "input");
  for (size_t r = 0; r < 3; ++r) expect_rank(op, *out[r], 4, "result");
  const int64_t heads = op.int_attr("num_heads");
  const int64_t kv_heads = op.has_attr("num_kv_heads") ? op.int_attr("num_kv_heads") : heads;
  const bool transpose_key = op.bool_attr_or("transpose_key", false);
  const int64_t dim = out[0]->shape()[3];
  const Shape& xs = x.shape();
  expect_shape(op, out[0]->shape(), {xs[0], heads, xs[1], dim}, "query result");
  const Shape key_shape =
      transpose_key ? Shape{xs[0], kv_heads, dim, xs[1]} : Shape{xs[0], kv_heads, xs[1], dim};
  expect_shape(op, out[1]->shape(), key_shape, "key result");
  expect_shape(op, out[2]->shape(), {xs[0], kv_heads, xs[1], dim}, "value result");
  const HostTensor& kv = in.size() == 2 ? *in[1] : x;
  const int64_t key_column = in.size() == 2 ? 0 : heads * dim;
  const int64_t needed = key_column + 2 * kv_heads * dim;
  if (kv.shape().size() != 3 || kv.shape()[2] != needed || (in.size() == 1 && xs[2] != needed) ||
      (in.size() == 2 && xs[2] != heads * dim))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("hidden sizes do not split into {} query and 2 x {} key/value heads of {}",
                     heads, kv_heads, dim));
  split_heads(x, 0, *out[0], false);
  split_heads(kv, key_column, *out[1], transpose_key);
  split_heads(kv, key_column + kv_heads * dim, *out[2], false);
}

}  // namespace

void register_transformer(KernelTable& table) {
  table["update_cache"] = update_cache_kernel;
  table["fill_cache"] = fill_cache_kernel;
  table["paged_fill_cache"] = paged_fill_cache_kernel;
  table["paged_update_cache"] = paged_update_cache_kernel;
  table["concatenate_heads"] = concatenate_heads_kernel;
  table["split_query_key_value_and_split_heads"] = split_qkv_kernel;
}

}  // namespace meshrt::ops::detail
