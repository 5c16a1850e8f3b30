// Helpers shared by the reference interpreter's kernels (see interp_tensor.hpp).
#include "interp_tensor.hpp"

#include <fmt/format.h>

#include <cstring>

namespace meshrt::reference::interp {

Tensor from_host(const HostTensor& host, DataType declared) {
  Tensor t;
  t.shape = host.shape();
  t.dtype = declared;
  if (host.dtype() == DataType::kFloat64) {
    t.v.resize(static_cast<size_t>(host.volume()));
    if (!t.v.empty()) std::memcpy(t.v.data(), host.data(), t.v.size() * sizeof(double));
  } else {
    t.v = host.to_doubles();
  }
  return t;
}

std::shared_ptr<const HostTensor> restore(const std::shared_ptr<const HostTensor>& t,
                                          DataType declared) {
  if (t->dtype() == declared) return t;
  return to_host(from_host(*t, declared), declared);
}

std::shared_ptr<const HostTensor> to_host(const Tensor& t, DataType declared) {
  auto host = std::make_shared<HostTensor>(t.shape, declared);
  if (declared == DataType::kFloat64) {
    if (!t.v.empty()) std::memcpy(host->data(), t.v.data(), t.v.size() * sizeof(double));
  } else {
    for (size_t i = 0; i < t.v.size(); ++i) {
      host->set(static_cast<int64_t>(i), t.v[i]);
    }
  }
  return host;
}

const Shape& OpContext::result_shape(size_t i) const {
  if (i >= results.size()) fail(ErrorCode::kInvalidArgument, fmt::format("has no result {}", i));
  return results[i]->shape;
}

DataType OpContext::result_dtype(size_t i) const {
  if (i >= results.size()) fail(ErrorCode::kInvalidArgument, fmt::format("has no result {}", i));
  return results[i]->dtype;
}

void OpContext::fail(ErrorCode code, const std::string& message) const {
  raise(code, fmt::format("op '{}' (loc '{}'): {}", op.name, op.loc, message));
}

void OpContext::expect_operands(size_t given, size_t n) const {
  if (given != n) {
    fail(ErrorCode::kInvalidArgument, fmt::format("expected {} operands, got {}", n, given));
  }
}

void OpContext::expect_min_operands(size_t given, size_t n) const {
  if (given < n) {
    fail(ErrorCode::kInvalidArgument,
         fmt::format("expected at least {} operands, got {}", n, given));
  }
}

int64_t normalize_dim(const OpContext& ctx, int64_t dim, int64_t rank) {
  int64_t d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("dimension {} is out of range for rank {}", dim, rank));
  }
  return d;
}

Shape broadcast_shapes(const OpContext& ctx, const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      ctx.fail(ErrorCode::kInvalidArgument, fmt::format("shapes {} and {} do not broadcast",
                                                        shape_to_string(a), shape_to_string(b)));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> broadcast_index_map(const Shape& in, const Shape& out) {
  const size_t rank = out.size();
  const size_t lead = rank - in.size();
  std::vector<int64_t> in_strides = row_major_strides(in);
  // Stride of each output dim into the input; 0 where the input broadcasts.
  std::vector<int64_t> step(rank, 0);
  for (size_t i = lead; i < rank; ++i) step[i] = in[i - lead] == 1 ? 0 : in_strides[i - lead];
  std::vector<int64_t> map(static_cast<size_t>(volume(out)));
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (size_t flat = 0; flat < map.size(); ++flat) {
    map[flat] = offset;
    for (size_t d = rank; d-- > 0;) {
      ++index[d];
      offset += step[d];
      if (index[d] < out[d]) break;
      offset -= step[d] * index[d];
      index[d] = 0;
    }
  }
  return map;
}

Tensor permute_tensor(const Tensor& in, const std::vector<int64_t>& perm) {
  Shape out_shape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out_shape[i] = in.shape[static_cast<size_t>(perm[i])];
  Tensor out(out_shape, in.dtype);
  std::vector<int64_t> in_strides = row_major_strides(in.shape);
  std::vector<int64_t> step(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) step[i] = in_strides[static_cast<size_t>(perm[i])];
  std::vector<int64_t> index(perm.size(), 0);
  int64_t offset = 0;
  for (int64_t flat = 0; flat < out.numel(); ++flat) {
    out.v[static_cast<size_t>(flat)] = in.v[static_cast<size_t>(offset)];
    for (size_t d = perm.size(); d-- > 0;) {
      ++index[d];
      offset += step[d];
      if (index[d] < out_shape[d]) break;
      offset -= step[d] * index[d];
      index[d] = 0;
    }
  }
  return out;
}

void expect_shape(const OpContext& ctx, const Tensor& t, const Shape& shape, const char* what) {
  if (t.shape != shape) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("{} has shape {}, expected {}", what, shape_to_string(t.shape),
                         shape_to_string(shape)));
  }
}

std::vector<int64_t> pair_attr(const OpContext& ctx, const std::string& key, int64_t fallback) {
  if (!ctx.op.has_attr(key)) return {fallback, fallback};
  std::vector<int64_t> v = ctx.op.ints_attr(key);
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() != 2) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("attribute '{}' has {} entries, expected 1 or 2", key, v.size()));
  }
  return v;
}

std::vector<int64_t> padding4_attr(const OpContext& ctx, const std::string& key) {
  if (!ctx.op.has_attr(key)) return {0, 0, 0, 0};
  std::vector<int64_t> v = ctx.op.ints_attr(key);
  if (v.size() == 1) return {v[0], v[0], v[0], v[0]};
  if (v.size() == 2) return {v[0], v[1], v[0], v[1]};
  if (v.size() != 4) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("attribute '{}' has {} entries, expected 1, 2 or 4", key, v.size()));
  }
  return v;
}

int bit_width(DataType dtype) {
  switch (dtype) {
    case DataType::kBool:
      return 1;
    case DataType::kUInt8:
      return 8;
    case DataType::kUInt16:
    case DataType::kInt16:
      return 16;
    case DataType::kInt64:
      return 64;
    default:
      return 32;
  }
}

double wrap_to_dtype(int64_t value, DataType dtype) {
  switch (dtype) {
    case DataType::kBool:
      return (value & 1) ? 1.0 : 0.0;
    case DataType::kUInt8:
      return static_cast<uint8_t>(value);
    case DataType::kUInt16:
      return static_cast<uint16_t>(value);
    case DataType::kInt16:
      return static_cast<int16_t>(static_cast<uint16_t>(value));
    case DataType::kUInt32:
      return static_cast<uint32_t>(value);
    case DataType::kInt64:
      return static_cast<double>(value);
    case DataType::kInt32:
      return static_cast<int32_t>(static_cast<uint32_t>(value));
    default:
      return static_cast<double>(value);
  }
}

}  // namespace meshrt::reference::interp
