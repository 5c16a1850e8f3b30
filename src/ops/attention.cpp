// Device kernels of scaled_dot_product_attention and scaled_dot_product_attention_decode.
//
// Computed as the chip would: operands widened to f32, Q.K^T and P.V accumulated in f32, the
// softmax in f32, and the attention weights P rounded to the result dtype before P.V (they
// feed a matmul in that dtype); the result is rounded to its dtype.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// Operand index of each role; absent optional operands are nullopt.
struct AttentionOperands {
  size_t query = 0, key = 1, value = 2;
  std::optional<size_t> mask, cur_pos, sink;
};

// Segments: prefill (query, key, value, mask, sink); decode (query, key, value, mask, cur_pos,
// sink). Without operandSegmentSizes, extra operands fill mask then sink (prefill) or cur_pos,
// mask, sink (decode).
AttentionOperands attention_operands(const binary::Op& op, size_t given, bool decode) {
  const size_t roles = decode ? 6 : 5;
  std::vector<int64_t> present(roles, 0);
  if (op.has_attr("operandSegmentSizes")) {
    present = op.ints_attr("operandSegmentSizes");
    int64_t total = 0;
    for (int64_t p : present) total += (p == 0 || p == 1) ? p : 1000;
    if (present.size() != roles || total != static_cast<int64_t>(given))
      fail(ErrorCode::kInvalidArgument, op, "operandSegmentSizes does not match the operands");
  } else {
    if (given < 3 || given > roles)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("expected 3 to {} operands, got {}", roles, given));
    present[0] = present[1] = present[2] = 1;
    const std::vector<size_t> order =
        decode ? std::vector<size_t>{4, 3, 5} : std::vector<size_t>{3, 4};
    for (size_t k = 0; k + 3 < given; ++k) present[order[k]] = 1;
  }
  if (present[0] != 1 || present[1] != 1 || present[2] != 1)
    fail(ErrorCode::kInvalidArgument, op, "query, key and value are required");
  std::vector<std::optional<size_t>> at(roles);
  size_t next = 0;
  for (size_t r = 0; r < roles; ++r)
    if (present[r] == 1) at[r] = next++;
  AttentionOperands a;
  a.mask = at[3];
  if (decode) {
    a.cur_pos = at[4];
    a.sink = at[5];
  } else {
    a.sink = at[4];
  }
  return a;
}

float round_to(float x, DataType dtype) {
  if (dtype == DataType::kBFloat16) return bf16_bits_to_float(float_to_bf16_bits(x));
  if (dtype == DataType::kFloat32) return x;
  return static_cast<float>(round_to_dtype(x, dtype));
}

// Attention of prefill query row r over keys [0, r + causal_offset] when causal (a chunk that
// starts at causal_offset); decode queries see up to their user's cur_pos.
void attend(const binary::Op& op, Inputs in, Outputs out, int64_t causal_offset) {
  const bool decode = op.name == "scaled_dot_product_attention_decode";
  expect_arity(op, in, 3, decode ? 6 : 5, out);
  const AttentionOperands roles = attention_operands(op, in.size(), decode);
  if (roles.sink) fail(ErrorCode::kUnsupported, op, "attention_sink is not supported");
  const HostTensor& q = *in[roles.query];
  const HostTensor& k = *in[roles.key];
  const HostTensor& v = *in[roles.value];
  HostTensor& o = *out[0];
  for (const HostTensor* t : {&q, &k, &v, static_cast<const HostTensor*>(&o)})
    if (t->shape().size() != 4)
      fail(ErrorCode::kInvalidArgument, op, "query, key, value and result must have rank 4");
  const Shape& qs = q.shape();
  const Shape& ks = k.shape();
  const Shape& vs = v.shape();
  // Decode query [1, B, H, D] is a prefill query [B, H, 1, D] in memory order.
  const int64_t batch = decode ? qs[1] : qs[0];
  const int64_t heads = decode ? qs[2] : qs[1];
  const int64_t rows = decode ? 1 : qs[2];
  const int64_t dim = qs[3], kv_heads = ks[1], kv_len = ks[2], vdim = vs[3];
  if (ks[0] != batch || vs[0] != batch || ks[3] != dim || vs[1] != kv_heads || vs[2] != kv_len ||
      kv_heads == 0 || heads % kv_heads != 0)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("query {}, key {} and value {} do not fit together", shape_to_string(qs),
                     shape_to_string(ks), shape_to_string(vs)));
  const Shape expected = decode ? Shape{1, batch, heads, vdim} : Shape{batch, heads, rows, vdim};
  expect_shape(op, o.shape(), expected, "result");
  const bool causal = op.bool_attr_or("is_causal", true);
  const float scale = op.has_attr("scale") ? static_cast<float>(op.float_attr("scale"))
                                           : 1.0f / std::sqrt(static_cast<float>(dim));
  const std::vector<float> qf = to_f32(q), kf = to_f32(k), vf = to_f32(v);
  std::vector<float> mf;
  std::array<int64_t, 4> mask_stride{};  // element strides over (b, h, row, key), 0 = broadcast
  if (roles.mask) {
    const HostTensor& m = *in[*roles.mask];
    const Shape& ms = m.shape();
    if (ms.size() != 4 || ms[3] != kv_len)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("attention_mask {} must be rank 4 with {} keys", shape_to_string(ms),
                       kv_len));
    mf = to_f32(m);
    const std::vector<int64_t> st = row_major_strides(ms);
    // Prefill masks are [b, h, row, key]; decode masks [b, 1, h, key].
    const size_t head_dim_of_mask = decode ? 2 : 1;
    mask_stride = {ms[0] == 1 ? 0 : st[0], ms[head_dim_of_mask] == 1 ? 0 : st[head_dim_of_mask],
                   decode || ms[2] == 1 ? 0 : st[2], st[3]};
  }
  std::vector<int64_t> visible(static_cast<size_t>(batch), kv_len);  // keys [0, visible)
  if (decode && causal) {
    if (!roles.cur_pos) fail(ErrorCode::kInvalidArgument, op, "a causal decode needs cur_pos");
    const HostTensor& pos = *in[*roles.cur_pos];
    if (pos.volume() != batch)
      fail(ErrorCode::kInvalidArgument, op, "cur_pos must hold one position per user");
    for (int64_t b = 0; b < batch; ++b)
      visible[static_cast<size_t>(b)] =
          std::clamp<int64_t>(static_cast<int64_t>(std::floor(pos.at(b))) + 1, 0, kv_len);
  }
  const int64_t group = heads / kv_heads;
  std::vector<float> result(static_cast<size_t>(o.volume()), 0.0f);
  std::vector<float> weight(static_cast<size_t>(kv_len));
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      const float* keys = kf.data() + (b * kv_heads + h / group) * kv_len * dim;
      const float* vals = vf.data() + (b * kv_heads + h / group) * kv_len * vdim;
      for (int64_t r = 0; r < rows; ++r) {
        const float* query = qf.data() + ((b * heads + h) * rows + r) * dim;
        const int64_t limit =
            causal && !decode ? std::clamp<int64_t>(r + causal_offset + 1, 0, kv_len)
                              : visible[static_cast<size_t>(b)];
        float peak = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < limit; ++j) {
          float acc = 0.0f;
          for (int64_t d = 0; d < dim; ++d) acc += query[d] * keys[j * dim + d];
          float s = acc * scale;
          if (roles.mask)
            s += mf[static_cast<size_t>(b * mask_stride[0] + h * mask_stride[1] +
                                        r * mask_stride[2] + j * mask_stride[3])];
          weight[static_cast<size_t>(j)] = s;
          peak = std::max(peak, s);
        }
        float* dst = result.data() + ((b * heads + h) * rows + r) * vdim;
        if (limit == 0 || !std::isfinite(peak)) continue;
        float total = 0.0f;
        for (int64_t j = 0; j < limit; ++j) {
          weight[static_cast<size_t>(j)] = std::exp(weight[static_cast<size_t>(j)] - peak);
          total += weight[static_cast<size_t>(j)];
        }
        for (int64_t j = 0; j < limit; ++j) {
          const float p = round_to(weight[static_cast<size_t>(j)] / total, o.dtype());
          for (int64_t e = 0; e < vdim; ++e) dst[e] += p * vals[j * vdim + e];
        }
      }
    }
  }
  from_f32(result, o);
}

void attention_kernel(const binary::Op& op, Inputs in, Outputs out) { attend(op, in, out, 0); }

// One of K or V of a paged cache [blocks, Hkv, block_size, D] read through page_table [B, n]
// into the contiguous [B, Hkv, n * block_size, D] that decode attention reads.
HostTensor unpage(const binary::Op& op, const HostTensor& paged, const HostTensor& table,
                  int64_t batch) {
  const Shape& ps = paged.shape();
  if (ps.size() != 4 || table.shape().size() != 2 || table.shape()[0] != batch)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("cache {} and page_table {} must be [blocks, heads, block_size, D] and "
                     "[{}, blocks per user]",
                     shape_to_string(ps), shape_to_string(table.shape()), batch));
  const int64_t per_user = table.shape()[1], block = ps[2], row = ps[3];
  HostTensor out(Shape{batch, ps[1], per_user * block, row}, paged.dtype());
  const size_t esz = element_size(paged.dtype());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t slot = 0; slot < per_user; ++slot) {
      const double page_value = table.at(b * per_user + slot);
      const auto page = static_cast<int64_t>(page_value);
      if (page_value != static_cast<double>(page) || page < 0 || page >= ps[0])
        fail(ErrorCode::kInvalidArgument, op,
             fmt::format("page_table[{}, {}] = {} is not a block of the cache (0 to {})", b, slot,
                         page_value, ps[0] - 1));
      for (int64_t h = 0; h < ps[1]; ++h)
        std::memcpy(out.data() + static_cast<size_t>(((b * ps[1] + h) * per_user * block +
                                                      slot * block) * row) * esz,
                    paged.data() + static_cast<size_t>(((page * ps[1] + h) * block) * row) * esz,
                    static_cast<size_t>(block * row) * esz);
    }
  return out;
}

// Decode attention of `op` (a paged decode op) over unpaged k and v: `optional` are the
// operand indices of its mask, cur_pos and sink (-1 when absent).
void decode_over(const binary::Op& op, Inputs in, const HostTensor& q, const HostTensor& k,
                 const HostTensor& v, std::array<int, 3> optional, Outputs out) {
  binary::Op decode = op;
  decode.name = "scaled_dot_product_attention_decode";
  std::vector<const HostTensor*> operands = {&q, &k, &v};
  std::vector<int64_t> present = {1, 1, 1, 0, 0, 0};
  for (size_t r = 0; r < 3; ++r)
    if (optional[r] >= 0) {
      operands.push_back(in[static_cast<size_t>(optional[r])]);
      present[r + 3] = 1;
    }
  decode.attrs["operandSegmentSizes"] = present;
  decode.operands.assign(operands.size(), 0);  // only their count is read
  attention_kernel(decode, operands, out);
}

// paged_scaled_dot_product_attention_decode(query, key, value, page_table, output, mask?,
// cur_pos?, sink?): decode attention over the K and V caches read through the page table.
void paged_attention_decode_kernel(const binary::Op& op, Inputs in, Outputs out) {
  const std::vector<int> seg = op.segment_operands(8);
  if (seg[0] < 0 || seg[1] < 0 || seg[2] < 0 || seg[3] < 0)
    fail(ErrorCode::kInvalidArgument, op, "query, key, value and page_table are required");
  const HostTensor& q = *in[seg[0]];
  if (q.shape().size() != 4) fail(ErrorCode::kInvalidArgument, op, "query must be [1, B, H, D]");
  const HostTensor k = unpage(op, *in[seg[1]], *in[seg[3]], q.shape()[1]);
  const HostTensor v = unpage(op, *in[seg[2]], *in[seg[3]], q.shape()[1]);
  decode_over(op, in, q, k, v, {seg[5], seg[6], seg[7]}, out);
}

// The first `dim` values of each row of t [.., D] (MLA's values: the latent cache's leading
// head_dim_v columns).
HostTensor leading_columns(const HostTensor& t, int64_t dim) {
  Shape s = t.shape();
  const int64_t row = s.back();
  s.back() = dim;
  HostTensor out(s, t.dtype());
  const size_t esz = element_size(t.dtype());
  for (int64_t r = 0; r < out.volume() / std::max<int64_t>(dim, 1); ++r)
    std::memcpy(out.data() + static_cast<size_t>(r * dim) * esz,
                t.data() + static_cast<size_t>(r * row) * esz, static_cast<size_t>(dim) * esz);
  return out;
}

// chunked_scaled_dot_product_attention(query [B, H, chunk, D], key, value, page_table,
// chunk_start_idx [1], output): causal prefill of query row r, at absolute position start + r,
// over the caches read through the page table.
void chunked_attention_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 5, 5, out);  // the output operand is the result
  const HostTensor& q = *in[0];
  if (q.shape().size() != 4)
    fail(ErrorCode::kInvalidArgument, op, "query must be [B, H, chunk_len, D]");
  const HostTensor k = unpage(op, *in[1], *in[3], q.shape()[0]);
  const HostTensor v = unpage(op, *in[2], *in[3], q.shape()[0]);
  if (in[4]->volume() != 1)
    fail(ErrorCode::kInvalidArgument, op, "chunk_start_idx must hold one position");
  const double start = in[4]->at(0);
  if (start < 0 || start != std::floor(start))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("chunk_start_idx = {} is not a position", start));
  binary::Op prefill = op;
  prefill.name = "scaled_dot_product_attention";
  prefill.attrs["is_causal"] = true;
  prefill.operands.resize(3);
  prefill.attrs.erase("operandSegmentSizes");
  const std::vector<const HostTensor*> operands = {&q, &k, &v};
  attend(prefill, operands, out, static_cast<int64_t>(start));
}

// paged_flash_multi_latent_attention_decode(query, key, value?, page_table, mask?, cur_pos?,
// sink?): decode attention over the one latent KV head, the values being the value cache or,
// without one, the key cache's first head_dim_v columns.
void mla_decode_kernel(const binary::Op& op, Inputs in, Outputs out) {
  const std::vector<int> seg = op.segment_operands(7);
  if (seg[0] < 0 || seg[1] < 0 || seg[3] < 0)
    fail(ErrorCode::kInvalidArgument, op, "query, key and page_table are required");
  const HostTensor& q = *in[seg[0]];
  if (q.shape().size() != 4) fail(ErrorCode::kInvalidArgument, op, "query must be [1, B, H, D]");
  const HostTensor k = unpage(op, *in[seg[1]], *in[seg[3]], q.shape()[1]);
  const int64_t head_dim_v = op.int_attr("head_dim_v");
  const HostTensor v = seg[2] >= 0 ? unpage(op, *in[seg[2]], *in[seg[3]], q.shape()[1])
                                   : leading_columns(k, head_dim_v);
  decode_over(op, in, q, k, v, {seg[4], seg[5], seg[6]}, out);
}

}  // namespace

void register_attention(KernelTable& table) {
  table["chunked_scaled_dot_product_attention"] = chunked_attention_kernel;
  table["paged_flash_multi_latent_attention_decode"] = mla_decode_kernel;
  table["paged_scaled_dot_product_attention_decode"] = paged_attention_decode_kernel;
  table["scaled_dot_product_attention"] = attention_kernel;
  table["scaled_dot_product_attention_decode"] = attention_kernel;
}

}  // namespace meshrt::ops::detail
