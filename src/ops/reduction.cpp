// Reduction kernels: sum, mean, max, min, prod, reduce_or, reduce_and, argmax (dim_arg
// optional = all dims, keep_dim) and the scans cumsum / cumprod.
//
// Float dtypes accumulate in f32 (as the device's f32 destination registers do) and round
// once into the result dtype; integer dtypes accumulate exactly in f64.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// Element offsets of the kept part (one per result element) and of the reduced part.
struct ReducePlan {
  std::vector<int64_t> kept_offsets;
  std::vector<int64_t> reduced_offsets;
};

ReducePlan plan_reduce(const binary::Op& op, const Shape& in, const HostTensor& o) {
  std::vector<bool> reduced(in.size(), false);
  if (op.has_attr("dim_arg")) {
    for (int64_t d : op.ints_attr("dim_arg")) reduced[normalize_dim(op, d, in.size())] = true;
  } else if (op.has_attr("dim")) {
    for (int64_t d : op.ints_attr("dim")) reduced[normalize_dim(op, d, in.size())] = true;
  } else {
    std::fill(reduced.begin(), reduced.end(), true);
  }
  const bool keep = op.bool_attr_or("keep_dim", false);
  const std::vector<int64_t> strides = row_major_strides(in);
  Shape kept_shape, reduced_shape, keep_form, drop_form;
  std::vector<int64_t> kept_strides, reduced_strides;
  for (size_t d = 0; d < in.size(); ++d) {
    if (reduced[d]) {
      reduced_shape.push_back(in[d]);
      reduced_strides.push_back(strides[d]);
      keep_form.push_back(1);
    } else {
      kept_shape.push_back(in[d]);
      kept_strides.push_back(strides[d]);
      keep_form.push_back(in[d]);
      drop_form.push_back(in[d]);
    }
  }
  const Shape& expected = keep ? keep_form : drop_form;
  // Accept the other keep_dim form, and [1] for a full reduction to a scalar.
  if (o.shape() != expected && o.shape() != keep_form && o.shape() != drop_form &&
      !(drop_form.empty() && o.shape() == Shape{1}))
    expect_shape(op, o.shape(), expected, "result");
  ReducePlan p;
  p.kept_offsets.reserve(static_cast<size_t>(volume(kept_shape)));
  p.reduced_offsets.reserve(static_cast<size_t>(volume(reduced_shape)));
  std::array<std::vector<int64_t>, 1> ks = {kept_strides}, rs = {reduced_strides};
  walk_broadcast<1>(kept_shape, ks, [&](int64_t, const std::array<int64_t, 1>& off) {
    p.kept_offsets.push_back(off[0]);
  });
  walk_broadcast<1>(reduced_shape, rs, [&](int64_t, const std::array<int64_t, 1>& off) {
    p.reduced_offsets.push_back(off[0]);
  });
  if (volume(in) == 0) p.reduced_offsets.clear();
  return p;
}

std::vector<double> values_f64(const HostTensor& t) {
  std::vector<double> v(static_cast<size_t>(t.volume()));
  for (int64_t i = 0; i < t.volume(); ++i) v[i] = t.at(i);
  return v;
}

enum class Kind { kSum, kMean, kMax, kMin, kProd, kOr, kAnd };

template <class Acc>
void reduce_typed(const ReducePlan& p, const std::vector<Acc>& x, Kind kind, HostTensor& o) {
  const int64_t count = static_cast<int64_t>(p.reduced_offsets.size());
  for (size_t i = 0; i < p.kept_offsets.size(); ++i) {
    const Acc* base = x.data() + p.kept_offsets[i];
    Acc acc;
    switch (kind) {
      case Kind::kSum:
      case Kind::kMean:
        acc = 0;
        for (int64_t r : p.reduced_offsets) acc += base[r];
        if (kind == Kind::kMean) acc = count ? acc / static_cast<Acc>(count) : Acc(NAN);
        break;
      case Kind::kMax:
        acc = -std::numeric_limits<Acc>::infinity();
        for (int64_t r : p.reduced_offsets)
          if (base[r] > acc || std::isnan(base[r])) acc = base[r];
        break;
      case Kind::kMin:
        acc = std::numeric_limits<Acc>::infinity();
        for (int64_t r : p.reduced_offsets)
          if (base[r] < acc || std::isnan(base[r])) acc = base[r];
        break;
      case Kind::kProd:
        acc = 1;
        for (int64_t r : p.reduced_offsets) acc *= base[r];
        break;
      case Kind::kOr:
        acc = 0;
        for (int64_t r : p.reduced_offsets)
          if (base[r] != 0) acc = 1;
        break;
      case Kind::kAnd:
        acc = 1;
        for (int64_t r : p.reduced_offsets)
          if (base[r] == 0) acc = 0;
        break;
    }
    o.set(static_cast<int64_t>(i), acc);
  }
}

template <Kind K>
void reduce_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  ReducePlan p = plan_reduce(op, a.shape(), o);
  if (is_float(a.dtype()))
    reduce_typed<float>(p, to_f32(a), K, o);
  else
    reduce_typed<double>(p, values_f64(a), K, o);
}

void argmax_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  ReducePlan p = plan_reduce(op, a.shape(), o);
  const std::vector<double> x = values_f64(a);
  for (size_t i = 0; i < p.kept_offsets.size(); ++i) {
    const double* base = x.data() + p.kept_offsets[i];
    double best = -std::numeric_limits<double>::infinity();
    int64_t best_index = 0;
    bool seen = false;
    for (size_t r = 0; r < p.reduced_offsets.size(); ++r) {
      const double v = base[p.reduced_offsets[r]];
      if (!seen || v > best || (std::isnan(v) && !std::isnan(best))) {
        best = v;
        best_index = static_cast<int64_t>(r);
        seen = true;
      }
    }
    o.set(static_cast<int64_t>(i), static_cast<double>(best_index));
  }
}

// Running sum/product along `dim`; each result element is the running value rounded.
template <bool kProduct>
void scan_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), a.shape(), "result");
  if (a.shape().empty()) {
    if (a.volume()) o.set(0, a.at(0));
    return;
  }
  const int64_t dim = normalize_dim(op, op.int_attr("dim"), a.shape().size());
  const int64_t len = a.shape()[dim];
  const int64_t inner = row_major_strides(a.shape())[dim];
  const int64_t outer = len == 0 ? 0 : a.volume() / (len * inner);
  const bool fp = is_float(o.dtype());
  for (int64_t ob = 0; ob < outer; ++ob)
    for (int64_t ib = 0; ib < inner; ++ib) {
      double acc = kProduct ? 1 : 0;
      float facc = kProduct ? 1 : 0;
      for (int64_t j = 0; j < len; ++j) {
        const int64_t idx = (ob * len + j) * inner + ib;
        if (fp) {
          facc = kProduct ? facc * static_cast<float>(a.at(idx))
                          : facc + static_cast<float>(a.at(idx));
          o.set(idx, facc);
        } else {
          acc = kProduct ? acc * a.at(idx) : acc + a.at(idx);
          o.set(idx, acc);
        }
      }
    }
}

}  // namespace

void register_reduction(KernelTable& t) {
  t["sum"] = reduce_kernel<Kind::kSum>;
  t["mean"] = reduce_kernel<Kind::kMean>;
  t["max"] = reduce_kernel<Kind::kMax>;
  t["min"] = reduce_kernel<Kind::kMin>;
  t["prod"] = reduce_kernel<Kind::kProd>;
  t["reduce_or"] = reduce_kernel<Kind::kOr>;
  t["reduce_and"] = reduce_kernel<Kind::kAnd>;
  t["argmax"] = argmax_kernel;
  t["cumsum"] = scan_kernel<false>;
  t["cumprod"] = scan_kernel<true>;
}

}  // namespace meshrt::ops::detail
