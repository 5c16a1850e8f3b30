// Matrix kernels: matmul (batched, broadcast batch dims, optional transposes), linear
// (matmul + optional bias) and dot_general.
//
// Float dtypes are widened to f32 and multiplied with OpenBLAS sgemm (f32 accumulation), the
// result is rounded once into the output dtype. Integer dtypes use dgemm (exact below 2^53).
#include <cblas.h>

#include <algorithm>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// A batched product C[b] = op(A[b]) * op(B[b]) with broadcast batch dims, in f32 or f64.
struct GemmPlan {
  Shape batch;                          // result batch dims
  std::vector<int64_t> a_batch_stride;  // in matrices, over `batch` (0 = broadcast)
  std::vector<int64_t> b_batch_stride;
  int64_t m = 1, n = 1, k = 1;
  bool trans_a = false, trans_b = false;
};

template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, const T* b, T* c) {
  single_threaded_blas();
  const auto lda = static_cast<int>(ta ? m : k);
  const auto ldb = static_cast<int>(tb ? k : n);
  const CBLAS_TRANSPOSE opa = ta ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE opb = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, opa, opb, static_cast<int>(m), static_cast<int>(n),
                static_cast<int>(k), 1.0f, a, lda, b, ldb, 0.0f, c, static_cast<int>(n));
  } else {
    cblas_dgemm(CblasRowMajor, opa, opb, static_cast<int>(m), static_cast<int>(n),
                static_cast<int>(k), 1.0, a, lda, b, ldb, 0.0, c, static_cast<int>(n));
  }
}

// Runs the plan into `c` (batches * m * n values, zero-filled by the caller).
template <class T>
void run_plan_into(const GemmPlan& p, const T* a, const T* b, T* c) {
  if (p.m == 0 || p.n == 0 || p.k == 0) return;
  std::array<std::vector<int64_t>, 2> st = {p.a_batch_stride, p.b_batch_stride};
  const int64_t a_mat = p.m * p.k, b_mat = p.k * p.n, c_mat = p.m * p.n;
  walk_broadcast<2>(p.batch, st, [&](int64_t i, const std::array<int64_t, 2>& off) {
    gemm<T>(p.trans_a, p.trans_b, p.m, p.n, p.k, a + off[0] * a_mat, b + off[1] * b_mat,
            c + i * c_mat);
  });
}

template <class T>
std::vector<T> run_plan(const GemmPlan& p, const std::vector<T>& a, const std::vector<T>& b) {
  const int64_t batches = volume(p.batch);
  std::vector<T> c(static_cast<size_t>(batches * p.m * p.n), T(0));
  run_plan_into(p, a.data(), b.data(), c.data());
  return c;
}

std::vector<double> to_f64(const HostTensor& t) {
  std::vector<double> v(static_cast<size_t>(t.volume()));
  for (int64_t i = 0; i < t.volume(); ++i) v[i] = t.at(i);
  return v;
}

// Batch dims of a matrix operand as strides (in matrices) over the broadcast batch shape.
std::vector<int64_t> matrix_batch_strides(const binary::Op& op, const Shape& own_batch,
                                          const Shape& batch) {
  std::vector<int64_t> s = broadcast_strides(op, own_batch, batch);
  return s;
}

// Plans matmul/linear: a [..., M, K] (or [..., K, M] transposed), b [..., K, N] (or [..., N, K]).
// Returns the plan and the result shape (rank-1 operands drop their dim as numpy does).
GemmPlan plan_matmul(const binary::Op& op, const Shape& a_in, const Shape& b_in, bool ta, bool tb,
                     Shape& result) {
  if (a_in.empty() || b_in.empty())
    fail(ErrorCode::kInvalidArgument, op, "matmul operands must have rank >= 1");
  Shape a = a_in, b = b_in;
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a.insert(a.begin(), 1), ta = false;
  if (b_vec) b.push_back(1), tb = false;
  GemmPlan p;
  p.trans_a = ta;
  p.trans_b = tb;
  const size_t ra = a.size(), rb = b.size();
  p.m = ta ? a[ra - 1] : a[ra - 2];
  p.k = ta ? a[ra - 2] : a[ra - 1];
  const int64_t kb = tb ? b[rb - 1] : b[rb - 2];
  p.n = tb ? b[rb - 2] : b[rb - 1];
  if (p.k != kb)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("contraction mismatch: {} x {} (inner dims {} and {})", shape_to_string(a_in),
                     shape_to_string(b_in), p.k, kb));
  Shape a_batch(a.begin(), a.end() - 2), b_batch(b.begin(), b.end() - 2);
  p.batch = broadcast_shapes(op, a_batch, b_batch);
  p.a_batch_stride = matrix_batch_strides(op, a_batch, p.batch);
  p.b_batch_stride = matrix_batch_strides(op, b_batch, p.batch);
  result = p.batch;
  if (!a_vec) result.push_back(p.m);
  if (!b_vec) result.push_back(p.n);
  return p;
}

// Adds `bias` to the product `acc` (shape `mm`), both broadcast to the result shape (linear's
// result is the broadcast of the product and the bias), then stores into `o`.
template <class T>
void finish(const binary::Op& op, std::vector<T>& acc, const Shape& mm, const HostTensor* bias,
            HostTensor& o) {
  if (bias != nullptr) {
    std::vector<T> sum(static_cast<size_t>(o.volume()));
    std::array<std::vector<int64_t>, 2> st = {broadcast_strides(op, mm, o.shape()),
                                              broadcast_strides(op, bias->shape(), o.shape())};
    walk_broadcast<2>(o.shape(), st, [&](int64_t i, const std::array<int64_t, 2>& off) {
      sum[i] = acc[off[0]] + static_cast<T>(bias->at(off[1]));
    });
    acc = std::move(sum);
  }
  if constexpr (std::is_same_v<T, float>) {
    from_f32(acc, o);
  } else {
    for (int64_t i = 0; i < o.volume(); ++i) o.set(i, acc[i]);
  }
}

void matmul_like(const binary::Op& op, const HostTensor& a, const HostTensor& b,
                 const HostTensor* bias, HostTensor& o) {
  const bool ta = op.bool_attr_or("transpose_a", false);
  const bool tb = op.bool_attr_or("transpose_b", false);
  Shape result;
  GemmPlan p = plan_matmul(op, a.shape(), b.shape(), ta, tb, result);
  if (bias == nullptr) expect_shape(op, o.shape(), result, "result");
  if (bias == nullptr && a.dtype() == DataType::kFloat32 && b.dtype() == DataType::kFloat32 &&
      o.dtype() == DataType::kFloat32) {
    // All f32: sgemm reads the operands and writes the result in place, no widening copies.
    run_plan_into(p, f32_data(a), f32_data(b), f32_data(o));
    return;
  }
  if (is_float(o.dtype())) {
    std::vector<float> acc = run_plan(p, to_f32(a), to_f32(b));
    finish(op, acc, result, bias, o);
  } else {
    std::vector<double> acc = run_plan(p, to_f64(a), to_f64(b));
    finish(op, acc, result, bias, o);
  }
}

void matmul_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 2, out);
  matmul_like(op, *in[0], *in[1], nullptr, *out[0]);
}

void linear_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 3, out);
  matmul_like(op, *in[0], *in[1], in.size() == 3 ? in[2] : nullptr, *out[0]);
}

// Reorders a row-major tensor's elements so that dim perm[i] becomes dim i.
template <class T>
std::vector<T> permute_values(const std::vector<T>& in, const Shape& shape,
                              const std::vector<int64_t>& perm) {
  Shape out_shape(perm.size());
  const std::vector<int64_t> in_strides = row_major_strides(shape);
  std::vector<int64_t> strides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    out_shape[i] = shape[perm[i]];
    strides[i] = in_strides[perm[i]];
  }
  std::vector<T> out(in.size());
  std::array<std::vector<int64_t>, 1> st = {strides};
  walk_broadcast<1>(out_shape, st,
                    [&](int64_t i, const std::array<int64_t, 1>& off) { out[i] = in[off[0]]; });
  return out;
}

template <class T>
void dot_general_typed(const binary::Op& op, const HostTensor& a, const HostTensor& b,
                       HostTensor& o, std::vector<T> va, std::vector<T> vb) {
  const size_t ra = a.shape().size(), rb = b.shape().size();
  auto dims = [&](const char* key, size_t rank) {
    std::vector<int64_t> v = op.has_attr(key) ? op.ints_attr(key) : std::vector<int64_t>{};
    for (int64_t& d : v) d = normalize_dim(op, d, rank);
    return v;
  };
  const auto batch_a = dims("batch_dims_lhs", ra), contract_a = dims("contract_dims_lhs", ra);
  const auto batch_b = dims("batch_dims_rhs", rb), contract_b = dims("contract_dims_rhs", rb);
  if (batch_a.size() != batch_b.size() || contract_a.size() != contract_b.size())
    fail(ErrorCode::kInvalidArgument, op, "lhs and rhs batch/contract dim counts differ");
  auto free_dims = [](size_t rank, const std::vector<int64_t>& x, const std::vector<int64_t>& y) {
    std::vector<int64_t> f;
    for (int64_t d = 0; d < static_cast<int64_t>(rank); ++d)
      if (std::find(x.begin(), x.end(), d) == x.end() &&
          std::find(y.begin(), y.end(), d) == y.end())
        f.push_back(d);
    return f;
  };
  const auto free_a = free_dims(ra, batch_a, contract_a);
  const auto free_b = free_dims(rb, batch_b, contract_b);
  GemmPlan p;
  Shape result;
  int64_t batches = 1;
  for (size_t i = 0; i < batch_a.size(); ++i) {
    const int64_t da = a.shape()[batch_a[i]], db = b.shape()[batch_b[i]];
    if (da != db)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("batch dim {} sizes differ: {} vs {}", i, da, db));
    result.push_back(da);
    batches *= da;
  }
  for (size_t i = 0; i < contract_a.size(); ++i) {
    const int64_t da = a.shape()[contract_a[i]], db = b.shape()[contract_b[i]];
    if (da != db)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("contract dim {} sizes differ: {} vs {}", i, da, db));
    p.k *= da;
  }
  for (int64_t d : free_a) p.m *= a.shape()[d], result.push_back(a.shape()[d]);
  for (int64_t d : free_b) p.n *= b.shape()[d], result.push_back(b.shape()[d]);
  expect_shape(op, o.shape(), result, "result");
  std::vector<int64_t> perm_a = batch_a, perm_b = batch_b;
  perm_a.insert(perm_a.end(), free_a.begin(), free_a.end());
  perm_a.insert(perm_a.end(), contract_a.begin(), contract_a.end());
  perm_b.insert(perm_b.end(), contract_b.begin(), contract_b.end());
  perm_b.insert(perm_b.end(), free_b.begin(), free_b.end());
  va = permute_values(va, a.shape(), perm_a);
  vb = permute_values(vb, b.shape(), perm_b);
  p.batch = {batches};
  p.a_batch_stride = {1};
  p.b_batch_stride = {1};
  std::vector<T> acc = run_plan(p, va, vb);
  finish<T>(op, acc, o.shape(), nullptr, o);
}

void dot_general_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 2, out);
  const HostTensor& a = *in[0];
  const HostTensor& b = *in[1];
  if (is_float(out[0]->dtype()))
    dot_general_typed<float>(op, a, b, *out[0], to_f32(a), to_f32(b));
  else
    dot_general_typed<double>(op, a, b, *out[0], to_f64(a), to_f64(b));
}

// sparse_matmul(a, b, sparsity): block products a-block x b-block, each computed only where
// its sparsity entry is non-zero and zero where the block is skipped. Blocks (b always
// [1, E, K, N]):
//   b sparse only:  a [A, B, M, K], sparsity [A, B, 1, E] -> [A, B, 1, E, M, N], block (i, e) =
//                   a[i] x b[e] for i over A*B
//   a sparse (b too or not): a [A, E, M, K], sparsity [1, 1, A, E] -> [A, E, M, N], block
//                   (i, e) = a[i, e] x b[e]
void sparse_matmul_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 3, out);
  const HostTensor &a = *in[0], &b = *in[1], &sp = *in[2];
  HostTensor& o = *out[0];
  const bool a_sparse = op.bool_attr_or("is_input_a_sparse", false);
  const bool b_sparse = op.bool_attr_or("is_input_b_sparse", true);
  if (a.shape().size() != 4 || b.shape().size() != 4 || sp.shape().size() != 4)
    fail(ErrorCode::kInvalidArgument, op, "a, b and sparsity must have rank 4");
  if (!a_sparse && !b_sparse)
    fail(ErrorCode::kInvalidArgument, op, "one of a and b must be sparse");
  const int64_t e_count = b.shape()[1], k = b.shape()[2], n = b.shape()[3];
  const int64_t m = a.shape()[2];
  if (a.shape()[3] != k)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("a {} and b {} do not contract", shape_to_string(a.shape()),
                     shape_to_string(b.shape())));
  const int64_t rows = a_sparse ? a.shape()[0] : a.shape()[0] * a.shape()[1];
  if (a_sparse && a.shape()[1] != e_count)
    fail(ErrorCode::kInvalidArgument, op, "a's dim 1 must be b's block count");
  if (sp.volume() != rows * e_count)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("sparsity {} does not hold one entry per block ({} x {})",
                     shape_to_string(sp.shape()), rows, e_count));
  if (o.volume() != rows * e_count * m * n)
    fail(ErrorCode::kInvalidArgument, op, "the result does not hold one M x N block per entry");
  const std::vector<float> av = to_f32(a), bv = to_f32(b);
  const std::vector<double> mask = sp.to_doubles();
  std::vector<float> c(static_cast<size_t>(o.volume()), 0.0f);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t e = 0; e < e_count; ++e) {
      const int64_t block = i * e_count + e;
      if (mask[block] == 0 || m == 0 || n == 0 || k == 0) continue;
      const float* ablock = av.data() + (a_sparse ? block : i) * m * k;
      gemm<float>(false, false, m, n, k, ablock, bv.data() + e * k * n,
                  c.data() + block * m * n);
    }
  from_f32(c, o);
}

}  // namespace

void register_matmul(KernelTable& t) {
  t["matmul"] = matmul_kernel;
  t["linear"] = linear_kernel;
  t["dot_general"] = dot_general_kernel;
  t["sparse_matmul"] = sparse_matmul_kernel;
}

}  // namespace meshrt::ops::detail
