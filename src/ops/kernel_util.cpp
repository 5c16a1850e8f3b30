#include "kernel_util.hpp"

#include <cblas.h>

#include <algorithm>

namespace meshrt::ops::detail {

void fail(ErrorCode code, const binary::Op& op, const std::string& what) {
  raise(code,
        fmt::format("op '{}' at {}: {}", op.name, op.loc.empty() ? "<unknown>" : op.loc, what),
        ErrorSite{-1, "", op.name, -1});
}

void expect_arity(const binary::Op& op, Inputs in, size_t min_in, size_t max_in, Outputs out,
                  size_t num_out) {
  if (in.size() < min_in || in.size() > max_in) {
    std::string expected =
        min_in == max_in ? std::to_string(min_in) : fmt::format("{} to {}", min_in, max_in);
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("expected {} operands, got {}", expected, in.size()));
  }
  if (out.size() != num_out)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("expected {} results, got {}", num_out, out.size()));
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] == nullptr)
      fail(ErrorCode::kInvalidArgument, op, fmt::format("operand {} is null", i));
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i] == nullptr)
      fail(ErrorCode::kInvalidArgument, op, fmt::format("result {} is null", i));
}

void expect_shape(const binary::Op& op, const Shape& actual, const Shape& expected,
                  std::string_view what) {
  if (actual != expected)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("{} shape mismatch: expected {}, got {}", what, shape_to_string(expected),
                     shape_to_string(actual)));
}

int64_t normalize_dim(const binary::Op& op, int64_t dim, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  const int64_t d = dim < 0 ? dim + r : dim;
  if (d < 0 || d >= r)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("dimension {} out of range for rank {}", dim, rank));
  return d;
}

Shape broadcast_shapes(const binary::Op& op, const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      fail(
          ErrorCode::kInvalidArgument, op,
          fmt::format("shapes {} and {} do not broadcast", shape_to_string(a), shape_to_string(b)));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> broadcast_strides(const binary::Op& op, const Shape& in, const Shape& out) {
  if (in.size() > out.size())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("operand shape {} does not broadcast to result shape {}", shape_to_string(in),
                     shape_to_string(out)));
  std::vector<int64_t> strides(out.size(), 0);
  const std::vector<int64_t> own = row_major_strides(in);
  const size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == out[lead + i]) {
      strides[lead + i] = in[i] == 1 ? 0 : own[i];
    } else if (in[i] != 1) {
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("operand shape {} does not broadcast to result shape {}",
                       shape_to_string(in), shape_to_string(out)));
    }
  }
  return strides;
}

std::vector<float> to_f32(const HostTensor& t) {
  const int64_t n = t.volume();
  std::vector<float> v(static_cast<size_t>(n));
  if (t.dtype() == DataType::kFloat32) {
    std::memcpy(v.data(), t.data(), static_cast<size_t>(n) * 4);
  } else if (t.dtype() == DataType::kBFloat16) {
    const uint16_t* p = u16_data(t);
    for (int64_t i = 0; i < n; ++i) v[i] = bf16_bits_to_float(p[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(t.at(i));
  }
  return v;
}

void from_f32(const float* values, HostTensor& t) {
  const int64_t n = t.volume();
  if (t.dtype() == DataType::kFloat32) {
    std::memcpy(t.data(), values, static_cast<size_t>(n) * 4);
  } else if (t.dtype() == DataType::kBFloat16) {
    uint16_t* p = u16_data(t);
    for (int64_t i = 0; i < n; ++i) p[i] = float_to_bf16_bits(values[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) t.set(i, values[i]);
  }
}

void from_f32(const std::vector<float>& values, HostTensor& t) { from_f32(values.data(), t); }

void copy_same_volume(const binary::Op& op, const HostTensor& in, HostTensor& out) {
  if (in.volume() != out.volume())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("cannot reshape {} ({} elements) into {} ({} elements)",
                     shape_to_string(in.shape()), in.volume(), shape_to_string(out.shape()),
                     out.volume()));
  if (in.dtype() == out.dtype()) {
    if (in.size_bytes() != 0) std::memcpy(out.data(), in.data(), in.size_bytes());
    return;
  }
  for (int64_t i = 0; i < in.volume(); ++i) out.set(i, in.at(i));
}

std::vector<int64_t> ints_or_scalar(const binary::Op& op, const std::string& key, size_t n,
                                    int64_t fallback) {
  if (!op.has_attr(key)) return std::vector<int64_t>(n, fallback);
  std::vector<int64_t> v = op.ints_attr(key);
  if (v.size() == 1) return std::vector<int64_t>(n, v[0]);
  return v;
}

void single_threaded_blas() {
  static const bool once = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  (void)once;
}

}  // namespace meshrt::ops::detail
