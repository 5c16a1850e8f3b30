// Creation kernels: constant, full, zeros, ones, empty, arange, get_dimension_size.
#include <cmath>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

void fill(HostTensor& o, double value) {
  if (o.volume() == 0) return;
  o.set(0, value);
  const size_t esz = element_size(o.dtype());
  for (int64_t i = 1; i < o.volume(); ++i) std::memcpy(o.data() + i * esz, o.data(), esz);
}

void constant_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 0, 0, out);
  HostTensor& o = *out[0];
  const binary::DenseElements& value = op.dense_attr("value");
  if (value.values.size() == 1) {
    fill(o, value.values[0]);
    return;
  }
  if (static_cast<int64_t>(value.values.size()) != o.volume())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("constant has {} values, result {} needs {}", value.values.size(),
                     shape_to_string(o.shape()), o.volume()));
  for (int64_t i = 0; i < o.volume(); ++i) o.set(i, value.values[static_cast<size_t>(i)]);
}

void full_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 0, 0, out);
  fill(*out[0], op.float_attr("fill_value"));
}

void zeros_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 0, 1, out);
  fill(*out[0], 0.0);
}

void ones_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 0, 0, out);
  fill(*out[0], 1.0);
}

void arange_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 0, 0, out);
  HostTensor& o = *out[0];
  const double start = op.float_attr_or("start", 0.0);
  const double step = op.float_attr_or("step", 1.0);
  const Shape& s = o.shape();
  if (s.empty()) {
    fill(o, start);
    return;
  }
  const int64_t dim = normalize_dim(op, op.int_attr_or("arange_dimension", 0), s.size());
  if (op.has_attr("end") && step != 0) {
    const double count = std::ceil((op.float_attr("end") - start) / step);
    if (static_cast<int64_t>(count) != s[dim])
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("arange yields {} values but result dim {} has {}",
                       static_cast<int64_t>(count), dim, s[dim]));
  }
  const int64_t inner = row_major_strides(s)[dim];
  for (int64_t i = 0; i < o.volume(); ++i) {
    const int64_t c = (i / inner) % s[dim];
    o.set(i, start + static_cast<double>(c) * step);
  }
}

void get_dimension_size_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const int64_t dim = normalize_dim(op, op.int_attr("dimension"), in[0]->shape().size());
  fill(*out[0], static_cast<double>(in[0]->shape()[dim]));
}

}  // namespace

void register_creation(KernelTable& t) {
  t["constant"] = constant_kernel;
  t["full"] = full_kernel;
  t["zeros"] = zeros_kernel;
  t["empty"] = zeros_kernel;
  t["ones"] = ones_kernel;
  t["arange"] = arange_kernel;
  t["get_dimension_size"] = get_dimension_size_kernel;
}

}  // namespace meshrt::ops::detail
