// Collective data movement on shards (see meshrt/ops/ccl.hpp).
#include "meshrt/ops/ccl.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernel_util.hpp"

namespace meshrt::ops {

using detail::expect_shape;
using detail::fail;
using detail::normalize_dim;

namespace {

// Copies the box of `src` starting at `src_begin` with extent dst-shaped (or src-shaped when
// `into_src` is false) between two tensors: a sub-box read or a sub-box write.
void copy_box(const HostTensor& src, HostTensor& dst, const std::vector<int64_t>& begin,
              bool read_from_src_box) {
  const Shape& small = read_from_src_box ? dst.shape() : src.shape();
  const Shape& big = read_from_src_box ? src.shape() : dst.shape();
  const std::vector<int64_t> big_strides = row_major_strides(big);
  int64_t base = 0;
  for (size_t d = 0; d < big.size(); ++d) base += begin[d] * big_strides[d];
  const size_t rank = small.size();
  const int64_t n = volume(small);
  if (n == 0) return;
  const size_t esz = element_size(dst.dtype());
  const bool raw = src.dtype() == dst.dtype();
  // Copy contiguous runs: the innermost dim, widened over outer dims while every dim inside
  // them spans the whole big tensor (a shard gathered along an outer dim is one run).
  size_t first = rank ? rank - 1 : 0;  // first dim of a run
  while (first > 0 && small[first] == big[first]) --first;
  int64_t row = 1;
  for (size_t d = first; d < rank; ++d) row *= small[d];
  std::vector<int64_t> c(rank, 0);
  for (int64_t i = 0; i < n; i += row) {
    int64_t big_off = base;
    for (size_t d = 0; d < first; ++d) big_off += c[d] * big_strides[d];
    const int64_t s_off = read_from_src_box ? big_off : i;
    const int64_t d_off = read_from_src_box ? i : big_off;
    if (raw) {
      std::memcpy(dst.data() + d_off * esz, src.data() + s_off * esz, row * esz);
    } else {
      for (int64_t j = 0; j < row; ++j) dst.set(d_off + j, src.at(s_off + j));
    }
    for (size_t d = first; d-- > 0;) {
      if (++c[d] < small[d]) break;
      c[d] = 0;
    }
  }
}

void copy_whole(const binary::Op& op, const HostTensor& in, HostTensor& out) {
  expect_shape(op, out.shape(), in.shape(), "result");
  if (in.dtype() == out.dtype()) {
    if (in.size_bytes()) std::memcpy(out.data(), in.data(), in.size_bytes());
  } else {
    for (int64_t i = 0; i < in.volume(); ++i) out.set(i, in.at(i));
  }
}

// Which piece of each tensor dim a device holds: (dim, piece index, piece count) triples.
struct Piece {
  int64_t dim;
  int64_t index;
  int64_t count;
};

std::vector<Piece> pieces_of(const binary::Op& op, const MeshShape& mesh, DeviceId device) {
  const std::vector<int64_t> dims = op.ints_attr("shard_dims");
  const MeshCoordinate at = mesh.coord_of(device);
  std::vector<Piece> pieces;
  if (dims.size() == 1) {
    if (dims[0] >= 0)
      pieces.push_back({dims[0], static_cast<int64_t>(device.value), mesh.volume()});
    return pieces;
  }
  if (dims.size() != 2)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("shard_dims needs 1 or 2 entries, got {}", dims.size()));
  if (dims[0] >= 0) pieces.push_back({dims[0], at.row, mesh.rows});
  if (dims[1] >= 0) pieces.push_back({dims[1], at.col, mesh.cols});
  if (pieces.size() == 2 && pieces[0].dim == pieces[1].dim) {
    // Both mesh axes split the same dim: row-major piece order.
    pieces = {{dims[0], at.row * mesh.cols + at.col, mesh.volume()}};
  }
  return pieces;
}

bool is_devices(const binary::Op& op) { return op.string_attr("shard_type") == "devices"; }

// Start of `device`'s shard inside the full tensor; checks full = shard * pieces per dim.
std::vector<int64_t> shard_origin(const binary::Op& op, const MeshShape& mesh, DeviceId device,
                                  const Shape& full, const Shape& shard) {
  if (full.size() != shard.size())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("full shape {} and shard shape {} differ in rank", shape_to_string(full),
                     shape_to_string(shard)));
  std::vector<int64_t> count(full.size(), 1), begin(full.size(), 0);
  for (const Piece& p : pieces_of(op, mesh, device)) {
    const int64_t d = normalize_dim(op, p.dim, full.size());
    count[d] = p.count;
    begin[d] = p.index * shard[d];
  }
  for (size_t d = 0; d < full.size(); ++d)
    if (full[d] != shard[d] * count[d])
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("full shape {} is not shard shape {} split {} ways along dim {}",
                       shape_to_string(full), shape_to_string(shard), count[d], d));
  return begin;
}

enum class Reduce { kSum, kMean, kMax, kMin };

Reduce reduce_type(const binary::Op& op) {
  const std::string& t = op.string_attr("reduce_type");
  if (t == "sum") return Reduce::kSum;
  if (t == "mean") return Reduce::kMean;
  if (t == "max") return Reduce::kMax;
  if (t == "min") return Reduce::kMin;
  fail(ErrorCode::kUnsupported, op, fmt::format("reduce_type '{}'", t));
}

// A stretch of `count` elements: at `from` in every shard of the line, at `to` in the result.
struct Run {
  int64_t from = 0, to = 0, count = 0;
};

// Elementwise reduction of the line into `out` over `runs`: each element accumulated in f64 in
// line order, then rounded to out's dtype. f32 shards and results are read and written as floats
// directly; other dtypes element by element.
void reduce_runs(const binary::Op& op, std::span<const HostTensor* const> line,
                 const std::vector<Run>& runs, HostTensor& out) {
  if (line.empty()) fail(ErrorCode::kInvalidArgument, op, "empty device line");
  const Shape& s = line[0]->shape();
  for (size_t k = 0; k < line.size(); ++k) {
    if (line[k] == nullptr) fail(ErrorCode::kInvalidArgument, op, "null shard in line");
    expect_shape(op, line[k]->shape(), s, fmt::format("shard {}", k));
  }
  const Reduce kind = reduce_type(op);
  const bool f32_in = std::all_of(line.begin(), line.end(), [](const HostTensor* t) {
    return t->dtype() == DataType::kFloat32;
  });
  const bool f32_out = out.dtype() == DataType::kFloat32;
  std::vector<const float*> f(line.size());
  for (size_t k = 0; k < line.size(); ++k) {
    f[k] = reinterpret_cast<const float*>(line[k]->data());
  }
  float* o = reinterpret_cast<float*>(out.data());
  const double n = static_cast<double>(line.size());
  auto each = [&](auto combine) {
    for (const Run& r : runs) {
      for (int64_t i = 0; i < r.count; ++i) {
        const int64_t at = r.from + i;
        double acc = f32_in ? static_cast<double>(f[0][at]) : line[0]->at(at);
        for (size_t k = 1; k < line.size(); ++k) {
          acc = combine(acc, f32_in ? static_cast<double>(f[k][at]) : line[k]->at(at));
        }
        if (kind == Reduce::kMean) acc /= n;
        if (f32_out) {
          o[r.to + i] = static_cast<float>(acc);
        } else {
          out.set(r.to + i, acc);
        }
      }
    }
  };
  switch (kind) {
    case Reduce::kSum:
    case Reduce::kMean:
      each([](double a, double b) { return a + b; });
      break;
    case Reduce::kMax:
      each([](double a, double b) { return std::max(a, b); });
      break;
    case Reduce::kMin:
      each([](double a, double b) { return std::min(a, b); });
      break;
  }
}

}  // namespace

void shard_for_device(const binary::Op& op, const MeshShape& mesh, DeviceId device,
                      const HostTensor& full, HostTensor& out) {
  if (device.value >= mesh.volume())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("device {} outside mesh {}", device.value, mesh.to_string()));
  if (!is_devices(op)) {
    copy_whole(op, full, out);
    return;
  }
  const std::vector<int64_t> begin = shard_origin(op, mesh, device, full.shape(), out.shape());
  copy_box(full, out, begin, true);
}

std::vector<DeviceId> shards_needed_for_full(const binary::Op& op, const MeshShape& mesh) {
  if (!is_devices(op)) return {DeviceId{0}};
  const std::vector<int64_t> dims = op.ints_attr("shard_dims");
  std::vector<DeviceId> devices;
  if (dims.size() == 1) {
    if (dims[0] < 0) return {DeviceId{0}};
    for (uint32_t d = 0; d < mesh.volume(); ++d) devices.push_back(DeviceId{d});
    return devices;
  }
  if (dims.size() != 2)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("shard_dims needs 1 or 2 entries, got {}", dims.size()));
  const uint32_t rows = dims[0] >= 0 ? mesh.rows : 1;
  const uint32_t cols = dims[1] >= 0 ? mesh.cols : 1;
  for (uint32_t r = 0; r < rows; ++r)
    for (uint32_t c = 0; c < cols; ++c) devices.push_back(mesh.device_at({r, c}));
  return devices;
}

void assemble_full(const binary::Op& op, const MeshShape& mesh,
                   std::span<const HostTensor* const> shards, HostTensor& out) {
  const std::vector<DeviceId> devices = shards_needed_for_full(op, mesh);
  if (shards.size() != devices.size())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("expected {} shards, got {}", devices.size(), shards.size()));
  for (size_t i = 0; i < shards.size(); ++i)
    if (shards[i] == nullptr) fail(ErrorCode::kInvalidArgument, op, "null shard");
  if (!is_devices(op)) {
    copy_whole(op, *shards[0], out);
    return;
  }
  for (size_t i = 0; i < shards.size(); ++i) {
    expect_shape(op, shards[i]->shape(), shards[0]->shape(), fmt::format("shard {}", i));
    const std::vector<int64_t> begin =
        shard_origin(op, mesh, devices[i], out.shape(), shards[i]->shape());
    copy_box(*shards[i], out, begin, false);
  }
}

void all_gather(const binary::Op& op, std::span<const HostTensor* const> line, HostTensor& out) {
  if (line.empty()) fail(ErrorCode::kInvalidArgument, op, "empty device line");
  const Shape& s = line[0]->shape();
  const int64_t dim = normalize_dim(op, op.int_attr("all_gather_dim"), s.size());
  Shape expected = s;
  expected[dim] *= static_cast<int64_t>(line.size());
  expect_shape(op, out.shape(), expected, "result");
  std::vector<int64_t> begin(s.size(), 0);
  for (size_t k = 0; k < line.size(); ++k) {
    if (line[k] == nullptr) fail(ErrorCode::kInvalidArgument, op, "null shard in line");
    expect_shape(op, line[k]->shape(), s, fmt::format("shard {}", k));
    begin[dim] = static_cast<int64_t>(k) * s[dim];
    copy_box(*line[k], out, begin, false);
  }
}

void reduce_scatter(const binary::Op& op, std::span<const HostTensor* const> line,
                    uint32_t index_in_line, HostTensor& out) {
  if (line.empty() || line[0] == nullptr)
    fail(ErrorCode::kInvalidArgument, op, "empty device line");
  const Shape& s = line[0]->shape();
  const int64_t dim = normalize_dim(op, op.int_attr("scatter_dim"), s.size());
  const auto parts = static_cast<int64_t>(line.size());
  if (s[dim] % parts != 0)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("scatter dim {} of size {} does not split {} ways", dim, s[dim], parts));
  if (index_in_line >= line.size())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("index {} outside line of {}", index_in_line, line.size()));
  Shape expected = s;
  expected[dim] /= parts;
  expect_shape(op, out.shape(), expected, "result");
  // This device's part along `dim`: one run of part * inner elements per outer index.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= s[d];
  for (size_t d = static_cast<size_t>(dim) + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t part = expected[dim];
  std::vector<Run> runs;
  for (int64_t i = 0; i < outer; ++i) {
    runs.push_back({(i * s[dim] + index_in_line * part) * inner, i * part * inner, part * inner});
  }
  reduce_runs(op, line, runs, out);
}

void all_reduce(const binary::Op& op, std::span<const HostTensor* const> line, HostTensor& out) {
  if (line.empty() || line[0] == nullptr)
    fail(ErrorCode::kInvalidArgument, op, "empty device line");
  expect_shape(op, out.shape(), line[0]->shape(), "result");
  reduce_runs(op, line, {{0, 0, volume(line[0]->shape())}}, out);
}

std::optional<DeviceId> permute_source(const binary::Op& op, DeviceId dst) {
  const std::vector<int64_t> pairs = op.ints_attr("source_target_pairs");
  if (pairs.size() % 2 != 0)
    fail(ErrorCode::kInvalidArgument, op, "source_target_pairs must hold [src, dst] pairs");
  for (size_t i = 0; i < pairs.size(); i += 2)
    if (pairs[i + 1] == static_cast<int64_t>(dst.value))
      return DeviceId{static_cast<uint32_t>(pairs[i])};
  return std::nullopt;
}

void mesh_partition(const binary::Op& op, uint32_t index_in_line, const HostTensor& in,
                    HostTensor& out) {
  const Shape& s = in.shape();
  const int64_t dim = normalize_dim(op, op.int_attr("dim"), s.size());
  if (out.shape().size() != s.size())
    fail(ErrorCode::kInvalidArgument, op, "result rank differs from input rank");
  for (size_t d = 0; d < s.size(); ++d)
    if (static_cast<int64_t>(d) != dim && out.shape()[d] != s[d])
      expect_shape(op, out.shape(), s, "result (outside the partition dim)");
  const int64_t piece = out.shape()[dim];
  if ((static_cast<int64_t>(index_in_line) + 1) * piece > s[dim])
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("piece {} of size {} is outside dim {} of size {}", index_in_line, piece, dim,
                     s[dim]));
  std::vector<int64_t> begin(s.size(), 0);
  begin[dim] = index_in_line * piece;
  copy_box(in, out, begin, true);
}

}  // namespace meshrt::ops
