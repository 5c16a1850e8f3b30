// Matrix-product kernels of the reference interpreter: matmul and linear (numpy matmul
// semantics with broadcast batch dims and 1-D operands), dot_general.
#include <fmt/format.h>

#include <algorithm>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

// Swaps the last two dims (no-op for rank < 2).
Tensor transpose_last_two(const Tensor& t) {
  if (t.rank() < 2) return t;
  std::vector<int64_t> perm(t.shape.size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return permute_tensor(t, perm);
}

// out[m x n] += a[m x k] * b[k x n], all row-major. Blocked so that a block of b rows and of
// out stays in cache; each output element is still a plain sum over p in increasing order.
void gemm_accumulate(const double* a, const double* b, double* out, int64_t m, int64_t k,
                     int64_t n) {
  constexpr int64_t kRowBlock = 64;
  constexpr int64_t kColBlock = 256;
  for (int64_t i0 = 0; i0 < m; i0 += kRowBlock) {
    const int64_t i1 = std::min(m, i0 + kRowBlock);
    for (int64_t j0 = 0; j0 < n; j0 += kColBlock) {
      const int64_t j1 = std::min(n, j0 + kColBlock);
      for (int64_t p = 0; p < k; ++p) {
        const double* brow = b + p * n;
        for (int64_t i = i0; i < i1; ++i) {
          const double aip = a[i * k + p];
          double* orow = out + i * n;
          for (int64_t j = j0; j < j1; ++j) orow[j] += aip * brow[j];
        }
      }
    }
  }
}

// numpy.matmul of a and b (after optional transposes of their last two dims).
Tensor batched_matmul(const OpContext& ctx, const Tensor& a_in, const Tensor& b_in, bool ta,
                      bool tb) {
  if (a_in.rank() == 0 || b_in.rank() == 0) {
    ctx.fail(ErrorCode::kInvalidArgument, "matmul operands must have rank >= 1");
  }
  // Transposed copies only when asked for; otherwise the operands are read in place.
  Tensor a_t, b_t;
  if (ta && a_in.rank() >= 2) a_t = transpose_last_two(a_in);
  if (tb && b_in.rank() >= 2) b_t = transpose_last_two(b_in);
  const Tensor& a = (ta && a_in.rank() >= 2) ? a_t : a_in;
  const Tensor& b = (tb && b_in.rank() >= 2) ? b_t : b_in;
  const bool a_vector = a.rank() == 1;
  const bool b_vector = b.rank() == 1;
  Shape a_shape = a.shape;
  Shape b_shape = b.shape;
  if (a_vector) a_shape.insert(a_shape.begin(), 1);
  if (b_vector) b_shape.push_back(1);
  const int64_t m = a_shape[a_shape.size() - 2];
  const int64_t k = a_shape.back();
  const int64_t kb = b_shape[b_shape.size() - 2];
  const int64_t n = b_shape.back();
  if (k != kb) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("contracted sizes differ: {} (lhs {}) vs {} (rhs {})", k,
                         shape_to_string(a_in.shape), kb, shape_to_string(b_in.shape)));
  }
  Shape a_batch(a_shape.begin(), a_shape.end() - 2);
  Shape b_batch(b_shape.begin(), b_shape.end() - 2);
  Shape batch = broadcast_shapes(ctx, a_batch, b_batch);
  std::vector<int64_t> a_map = broadcast_index_map(a_batch, batch);
  std::vector<int64_t> b_map = broadcast_index_map(b_batch, batch);

  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out(out_shape, ctx.result_dtype());
  for (size_t bi = 0; bi < a_map.size(); ++bi) {
    gemm_accumulate(a.v.data() + a_map[bi] * m * k, b.v.data() + b_map[bi] * k * n,
                    out.v.data() + static_cast<int64_t>(bi) * m * n, m, k, n);
  }
  // Drop the dims that 1-D operands gained.
  if (b_vector) out.shape.pop_back();
  if (a_vector) out.shape.erase(out.shape.end() - (b_vector ? 1 : 2));
  return out;
}

std::vector<Tensor> matmul(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  return single(batched_matmul(ctx, *in[0], *in[1], ctx.op.bool_attr_or("transpose_a", false),
                               ctx.op.bool_attr_or("transpose_b", false)));
}

std::vector<Tensor> linear(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  Tensor product = batched_matmul(ctx, *in[0], *in[1], ctx.op.bool_attr_or("transpose_a", false),
                                  ctx.op.bool_attr_or("transpose_b", false));
  if (in.size() < 3) return single(std::move(product));
  const Tensor& bias = *in[2];
  Shape shape = broadcast_shapes(ctx, product.shape, bias.shape);
  std::vector<int64_t> p_map = broadcast_index_map(product.shape, shape);
  std::vector<int64_t> b_map = broadcast_index_map(bias.shape, shape);
  Tensor out(shape, ctx.result_dtype());
  for (size_t i = 0; i < out.v.size(); ++i) {
    out.v[i] = product.v[static_cast<size_t>(p_map[i])] + bias.v[static_cast<size_t>(b_map[i])];
  }
  return single(std::move(out));
}

std::vector<int64_t> normalized_dims(const OpContext& ctx, const std::string& key, int64_t rank) {
  std::vector<int64_t> dims = ctx.op.has_attr(key) ? ctx.op.ints_attr(key) : std::vector<int64_t>{};
  for (int64_t& d : dims) d = normalize_dim(ctx, d, rank);
  return dims;
}

// Permutes `t` to [first..., rest-in-order..., last...] (into `storage`, unless that order is
// already t's own) and lists the remaining "free" dims.
const Tensor& group_dims(const Tensor& t, const std::vector<int64_t>& first,
                         const std::vector<int64_t>& last, std::vector<int64_t>* free_dims,
                         Tensor* storage) {
  std::vector<int64_t> perm = first;
  for (int64_t d = 0; d < t.rank(); ++d) {
    bool used = std::find(first.begin(), first.end(), d) != first.end() ||
                std::find(last.begin(), last.end(), d) != last.end();
    if (!used) {
      perm.push_back(d);
      free_dims->push_back(d);
    }
  }
  perm.insert(perm.end(), last.begin(), last.end());
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity = identity && perm[i] == static_cast<int64_t>(i);
  if (identity) return t;
  *storage = permute_tensor(t, perm);
  return *storage;
}

int64_t product_of(const Shape& shape, const std::vector<int64_t>& dims) {
  int64_t p = 1;
  for (int64_t d : dims) p *= shape[static_cast<size_t>(d)];
  return p;
}

// result dims = batch dims, lhs free dims, rhs free dims.
std::vector<Tensor> dot_general(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  const Tensor& lhs = *in[0];
  const Tensor& rhs = *in[1];
  std::vector<int64_t> lb = normalized_dims(ctx, "batch_dims_lhs", lhs.rank());
  std::vector<int64_t> lc = normalized_dims(ctx, "contract_dims_lhs", lhs.rank());
  std::vector<int64_t> rb = normalized_dims(ctx, "batch_dims_rhs", rhs.rank());
  std::vector<int64_t> rc = normalized_dims(ctx, "contract_dims_rhs", rhs.rank());
  if (lb.size() != rb.size() || lc.size() != rc.size()) {
    ctx.fail(ErrorCode::kInvalidArgument, "lhs and rhs batch/contract dim counts differ");
  }
  for (size_t i = 0; i < lb.size(); ++i) {
    if (lhs.shape[static_cast<size_t>(lb[i])] != rhs.shape[static_cast<size_t>(rb[i])]) {
      ctx.fail(ErrorCode::kInvalidArgument, fmt::format("batch dim {} sizes differ", i));
    }
  }
  for (size_t i = 0; i < lc.size(); ++i) {
    if (lhs.shape[static_cast<size_t>(lc[i])] != rhs.shape[static_cast<size_t>(rc[i])]) {
      ctx.fail(ErrorCode::kInvalidArgument, fmt::format("contract dim {} sizes differ", i));
    }
  }
  // lhs -> [batch, free, contract]; rhs -> [batch, contract, free].
  std::vector<int64_t> lfree, rfree;
  std::vector<int64_t> lfirst = lb;
  Tensor l_storage, r_storage;
  const Tensor& l = group_dims(lhs, lfirst, lc, &lfree, &l_storage);
  std::vector<int64_t> rfirst = rb;
  rfirst.insert(rfirst.end(), rc.begin(), rc.end());
  const Tensor& r = group_dims(rhs, rfirst, {}, &rfree, &r_storage);
  const int64_t batch = product_of(lhs.shape, lb);
  const int64_t m = product_of(lhs.shape, lfree);
  const int64_t k = product_of(lhs.shape, lc);
  const int64_t n = product_of(rhs.shape, rfree);
  Shape out_shape;
  for (int64_t d : lb) out_shape.push_back(lhs.shape[static_cast<size_t>(d)]);
  for (int64_t d : lfree) out_shape.push_back(lhs.shape[static_cast<size_t>(d)]);
  for (int64_t d : rfree) out_shape.push_back(rhs.shape[static_cast<size_t>(d)]);
  Tensor out(out_shape, ctx.result_dtype());
  for (int64_t bi = 0; bi < batch; ++bi) {
    gemm_accumulate(l.v.data() + bi * m * k, r.v.data() + bi * k * n, out.v.data() + bi * m * n, m,
                    k, n);
  }
  return single(std::move(out));
}

// sparse_matmul(a, b, sparsity), element by element: a result element of a block whose
// sparsity entry is zero is 0, any other is the dot product of its a row and b column.
//   b sparse only: result [A, B, 1, E, M, N] at (i, j, 0, e, m, n) = sum_k a[i, j, m, k] *
//                  b[0, e, k, n] when sparsity[i, j, 0, e] != 0
//   a sparse:      result [A, E, M, N] at (i, e, m, n) = sum_k a[i, e, m, k] * b[0, e, k, n]
//                  when sparsity[0, 0, i, e] != 0
std::vector<Tensor> sparse_matmul(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 3);
  const Tensor &a = *in[0], &b = *in[1], &sp = *in[2];
  const bool a_sparse = ctx.op.bool_attr_or("is_input_a_sparse", false);
  if (!a_sparse && !ctx.op.bool_attr_or("is_input_b_sparse", true))
    ctx.fail(ErrorCode::kInvalidArgument, "one of a and b must be sparse");
  if (a.rank() != 4 || b.rank() != 4 || sp.rank() != 4)
    ctx.fail(ErrorCode::kInvalidArgument, "a, b and sparsity must have rank 4");
  const int64_t e_count = b.shape[1], k = b.shape[2], n = b.shape[3], m = a.shape[2];
  const Shape want = a_sparse ? Shape{a.shape[0], e_count, m, n}
                              : Shape{a.shape[0], a.shape[1], 1, e_count, m, n};
  const Shape want_sp = a_sparse ? Shape{1, 1, a.shape[0], e_count}
                                 : Shape{a.shape[0], a.shape[1], 1, e_count};
  if (ctx.result_shape() != want || sp.shape != want_sp || a.shape[3] != k ||
      (a_sparse && a.shape[1] != e_count))
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("a {}, b {}, sparsity {} and result {} do not fit the mode",
                         shape_to_string(a.shape), shape_to_string(b.shape),
                         shape_to_string(sp.shape), shape_to_string(ctx.result_shape())));
  const std::vector<int64_t> as = row_major_strides(a.shape), bs = row_major_strides(b.shape);
  const std::vector<int64_t> ss = row_major_strides(sp.shape);
  Tensor out(want, ctx.result_dtype());
  for_each_index(want, [&](int64_t flat, const std::vector<int64_t>& p) {
    int64_t a_row = 0, e = 0, mi = 0, ni = 0, s = 0;
    if (a_sparse) {
      e = p[1], mi = p[2], ni = p[3];
      a_row = p[0] * as[0] + e * as[1] + mi * as[2];
      s = p[0] * ss[2] + e * ss[3];
    } else {
      e = p[3], mi = p[4], ni = p[5];
      a_row = p[0] * as[0] + p[1] * as[1] + mi * as[2];
      s = p[0] * ss[0] + p[1] * ss[1] + e * ss[3];
    }
    if (sp.v[static_cast<size_t>(s)] == 0) return;
    double acc = 0;
    for (int64_t q = 0; q < k; ++q)
      acc += a.v[static_cast<size_t>(a_row + q)] *
             b.v[static_cast<size_t>(e * bs[1] + q * bs[2] + ni)];
    out.v[static_cast<size_t>(flat)] = acc;
  });
  return single(std::move(out));
}

}  // namespace

void register_matmul_kernels(KernelTable& table) {
  table.device["matmul"] = matmul;
  table.device["linear"] = linear;
  table.device["dot_general"] = dot_general;
  table.device["sparse_matmul"] = sparse_matmul;
}

}  // namespace meshrt::reference::interp
