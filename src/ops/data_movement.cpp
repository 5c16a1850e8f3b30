// Data movement kernels: reshape, squeeze, unsqueeze, permute, transpose, concat,
// slice_static, slice_dynamic, broadcast, repeat, repeat_interleave, pad, embedding, reverse,
// index_select.
//
// These move raw element bytes (no rounding) when the input and result dtypes match.
#include <algorithm>
#include <cmath>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// out[i] = in[base + sum(coord_d * strides[d])] over the coordinates of out.
// out's elements, in row-major order over `walk` (out's shape, or another shape of its volume),
// read from `in` at base + the strides of `walk`.
void strided_copy(const HostTensor& in, HostTensor& out, const Shape& walk,
                  const std::vector<int64_t>& strides, int64_t base) {
  std::vector<int64_t> offsets;
  offsets.reserve(static_cast<size_t>(out.volume()));
  std::array<std::vector<int64_t>, 1> st = {strides};
  walk_broadcast<1>(walk, st, [&](int64_t, const std::array<int64_t, 1>& off) {
    offsets.push_back(base + off[0]);
  });
  gather_elements(in, out, [&](int64_t i) { return offsets[static_cast<size_t>(i)]; });
}

void strided_copy(const HostTensor& in, HostTensor& out, const std::vector<int64_t>& strides,
                  int64_t base) {
  strided_copy(in, out, out.shape(), strides, base);
}

// reverse(dimensions): the input read backwards along each listed dim.
void reverse_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  expect_shape(op, out[0]->shape(), a.shape(), "result");
  std::vector<int64_t> strides = row_major_strides(a.shape());
  std::vector<bool> flipped(strides.size(), false);
  int64_t base = 0;
  for (int64_t d : op.ints_attr("dimensions")) {
    const int64_t k = normalize_dim(op, d, a.shape().size());
    if (flipped[k]) fail(ErrorCode::kInvalidArgument, op, "dimensions repeat a dim");
    flipped[k] = true;
    base += (a.shape()[k] - 1) * strides[k];
    strides[k] = -strides[k];
  }
  if (a.volume() > 0) strided_copy(a, *out[0], strides, base);
}

// index_select(dim, begin, length, stride): `length` entries of dim from `begin`, `stride`
// apart (0: consecutive).
void index_select_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  const int64_t dim = normalize_dim(op, op.int_attr("dim"), a.shape().size());
  const int64_t begin = op.int_attr("begin"), length = op.int_attr("length");
  const int64_t step = std::max<int64_t>(1, op.int_attr_or("stride", 0));
  if (begin < 0 || length < 0 || (length > 0 && begin + (length - 1) * step >= a.shape()[dim]))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("begin {}, length {}, stride {} leave dim {} of size {}", begin, length, step,
                     dim, a.shape()[dim]));
  Shape expected = a.shape();
  expected[dim] = length;
  expect_shape(op, out[0]->shape(), expected, "result");
  std::vector<int64_t> strides = row_major_strides(a.shape());
  const int64_t base = begin * strides[dim];
  strides[dim] *= step;
  if (out[0]->volume() > 0) strided_copy(a, *out[0], strides, base);
}

void reshape_kernel(const binary::Op& op, Inputs in, Outputs out) {
  // reshape may carry the shape as a second operand in some dialect versions: ignore it.
  expect_arity(op, in, 1, 2, out);
  copy_same_volume(op, *in[0], *out[0]);
}

void permute_with(const binary::Op& op, const HostTensor& a, HostTensor& o,
                  const std::vector<int64_t>& perm) {
  const Shape& s = a.shape();
  if (perm.size() != s.size())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("permutation has {} entries for rank {}", perm.size(), s.size()));
  const std::vector<int64_t> in_strides = row_major_strides(s);
  Shape expected(perm.size());
  std::vector<int64_t> strides(perm.size());
  std::vector<bool> used(perm.size(), false);
  for (size_t i = 0; i < perm.size(); ++i) {
    const int64_t p = normalize_dim(op, perm[i], s.size());
    if (used[p]) fail(ErrorCode::kInvalidArgument, op, "permutation repeats a dimension");
    used[p] = true;
    expected[i] = s[p];
    strides[i] = in_strides[p];
  }
  expect_shape(op, o.shape(), expected, "result");
  strided_copy(a, o, strides, 0);
}

void permute_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  permute_with(op, *in[0], *out[0], op.ints_attr("permutation"));
}

// rearrange: the input read as its elementary axes (axes_shape) in the order axes_permutation.
void rearrange_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const Shape axes = op.ints_attr("axes_shape");
  const std::vector<int64_t> perm = op.ints_attr("axes_permutation");
  if (volume(axes) != in[0]->volume() || out[0]->volume() != in[0]->volume() ||
      perm.size() != axes.size())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("axes_shape {} / axes_permutation do not fit input {} and result {}",
                     shape_to_string(axes), shape_to_string(in[0]->shape()),
                     shape_to_string(out[0]->shape())));
  const std::vector<int64_t> axis_strides = row_major_strides(axes);
  Shape walk(perm.size());
  std::vector<int64_t> strides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    const int64_t p = normalize_dim(op, perm[i], axes.size());
    walk[i] = axes[p];
    strides[i] = axis_strides[p];
  }
  if (out[0]->volume() > 0) strided_copy(*in[0], *out[0], walk, strides, 0);
}

void transpose_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const size_t rank = in[0]->shape().size();
  std::vector<int64_t> perm(rank);
  for (size_t i = 0; i < rank; ++i) perm[i] = static_cast<int64_t>(i);
  std::swap(perm[normalize_dim(op, op.int_attr("dim0"), rank)],
            perm[normalize_dim(op, op.int_attr("dim1"), rank)]);
  permute_with(op, *in[0], *out[0], perm);
}

void concat_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1024, out);
  HostTensor& o = *out[0];
  const size_t rank = in[0]->shape().size();
  const int64_t dim = normalize_dim(op, op.int_attr("dim"), rank);
  Shape expected = in[0]->shape();
  expected[dim] = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    const Shape& s = in[k]->shape();
    bool ok = s.size() == rank;
    for (size_t d = 0; ok && d < rank; ++d)
      ok = static_cast<int64_t>(d) == dim || s[d] == expected[d];
    if (!ok)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("operand {} shape {} does not match {} outside dim {}", k,
                       shape_to_string(s), shape_to_string(in[0]->shape()), dim));
    expected[dim] += s[dim];
  }
  expect_shape(op, o.shape(), expected, "result");
  const int64_t inner = row_major_strides(expected)[dim];
  int64_t outer = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= expected[d];
  const size_t esz = element_size(o.dtype());
  const int64_t out_row = expected[dim] * inner;
  int64_t col = 0;
  for (const HostTensor* t : in) {
    const int64_t chunk = t->shape()[dim] * inner;
    for (int64_t ob = 0; ob < outer; ++ob) {
      const int64_t dst = ob * out_row + col;
      const int64_t src = ob * chunk;
      if (t->dtype() == o.dtype()) {
        if (chunk) std::memcpy(o.data() + dst * esz, t->data() + src * esz, chunk * esz);
      } else {
        for (int64_t j = 0; j < chunk; ++j) o.set(dst + j, t->at(src + j));
      }
    }
    col += chunk;
  }
}

void slice_with(const binary::Op& op, const HostTensor& a, HostTensor& o,
                std::vector<int64_t> begins, std::vector<int64_t> ends,
                std::vector<int64_t> steps) {
  const Shape& s = a.shape();
  if (steps.empty()) steps.assign(s.size(), 1);
  if (begins.size() != s.size() || ends.size() != s.size() || steps.size() != s.size())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("begins/ends/step need {} entries each", s.size()));
  const std::vector<int64_t> in_strides = row_major_strides(s);
  Shape expected(s.size());
  std::vector<int64_t> strides(s.size());
  int64_t base = 0;
  for (size_t d = 0; d < s.size(); ++d) {
    int64_t b = begins[d] < 0 ? begins[d] + s[d] : begins[d];
    int64_t e = ends[d] < 0 ? ends[d] + s[d] : ends[d];
    const int64_t st = steps[d];
    if (st == 0) fail(ErrorCode::kInvalidArgument, op, "slice step is 0");
    if (st > 0) {
      b = std::clamp<int64_t>(b, 0, s[d]);
      e = std::clamp<int64_t>(e, 0, s[d]);
      expected[d] = e > b ? (e - b + st - 1) / st : 0;
    } else {
      b = std::clamp<int64_t>(b, -1, s[d] - 1);
      e = std::clamp<int64_t>(e, -1, s[d] - 1);
      expected[d] = b > e ? (b - e + (-st) - 1) / (-st) : 0;
    }
    strides[d] = in_strides[d] * st;
    if (expected[d] > 0) base += b * in_strides[d];
  }
  expect_shape(op, o.shape(), expected, "result");
  strided_copy(a, o, strides, base);
}

void slice_static_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  slice_with(op, *in[0], *out[0], op.ints_attr("begins"), op.ints_attr("ends"),
             op.has_attr("step") ? op.ints_attr("step") : std::vector<int64_t>{});
}

std::vector<int64_t> tensor_ints(const HostTensor& t) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.volume(); ++i) v.push_back(static_cast<int64_t>(t.at(i)));
  return v;
}

void slice_dynamic_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 3, out);
  slice_with(op, *in[0], *out[0], tensor_ints(*in[1]), tensor_ints(*in[2]),
             op.has_attr("step") ? op.ints_attr("step") : std::vector<int64_t>{});
}

void broadcast_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  if (op.has_attr("broadcast_dimensions")) {
    const std::vector<int64_t> rep = op.ints_attr("broadcast_dimensions");
    if (rep.size() == a.shape().size()) {
      Shape expected(rep.size());
      for (size_t d = 0; d < rep.size(); ++d) expected[d] = a.shape()[d] * rep[d];
      expect_shape(op, o.shape(), expected, "result");
    }
  }
  strided_copy(a, o, broadcast_strides(op, a.shape(), o.shape()), 0);
}

// Maps each result element to its input element through per-dim coordinate functions.
template <class CoordMap>
void coord_map_copy(const HostTensor& a, HostTensor& o, CoordMap map) {
  const Shape& os = o.shape();
  const std::vector<int64_t> in_strides = row_major_strides(a.shape());
  const size_t rank = os.size();
  std::vector<int64_t> offsets(static_cast<size_t>(o.volume()));
  std::vector<int64_t> c(rank, 0);
  for (int64_t i = 0; i < o.volume(); ++i) {
    int64_t off = 0;
    for (size_t d = 0; d < rank; ++d) off += map(d, c[d]) * in_strides[d];
    offsets[static_cast<size_t>(i)] = off;
    for (size_t d = rank; d-- > 0;) {
      if (++c[d] < os[d]) break;
      c[d] = 0;
    }
  }
  gather_elements(a, o, [&](int64_t i) { return offsets[static_cast<size_t>(i)]; });
}

void repeat_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  const std::vector<int64_t> rep = op.ints_attr("repeat_dimensions");
  if (rep.size() != a.shape().size())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("repeat_dimensions has {} entries for rank {}", rep.size(), a.shape().size()));
  Shape expected(rep.size());
  for (size_t d = 0; d < rep.size(); ++d) expected[d] = a.shape()[d] * rep[d];
  expect_shape(op, o.shape(), expected, "result");
  const Shape& s = a.shape();
  coord_map_copy(a, o, [&](size_t d, int64_t c) { return c % s[d]; });
}

void repeat_interleave_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  const int64_t repeats = op.int_attr("repeats");
  const size_t dim = static_cast<size_t>(normalize_dim(op, op.int_attr("dim"), a.shape().size()));
  Shape expected = a.shape();
  expected[dim] *= repeats;
  expect_shape(op, o.shape(), expected, "result");
  coord_map_copy(a, o, [&](size_t d, int64_t c) { return d == dim ? c / repeats : c; });
}

void pad_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& a = *in[0];
  HostTensor& o = *out[0];
  const std::vector<int64_t> pad = op.ints_attr("padding");
  const Shape& s = a.shape();
  if (pad.size() != 2 * s.size())
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("padding has {} entries, expected {}", pad.size(), 2 * s.size()));
  Shape expected(s.size());
  for (size_t d = 0; d < s.size(); ++d) {
    if (pad[2 * d] < 0 || pad[2 * d + 1] < 0) fail(ErrorCode::kUnsupported, op, "negative padding");
    expected[d] = s[d] + pad[2 * d] + pad[2 * d + 1];
  }
  expect_shape(op, o.shape(), expected, "result");
  const double value = op.float_attr_or("value", 0.0);
  for (int64_t i = 0; i < o.volume(); ++i) o.set(i, value);
  const std::vector<int64_t> ostr = row_major_strides(expected);
  std::vector<int64_t> c(s.size(), 0);
  for (int64_t i = 0; i < a.volume(); ++i) {
    int64_t off = 0;
    for (size_t d = 0; d < s.size(); ++d) off += (c[d] + pad[2 * d]) * ostr[d];
    if (a.dtype() == o.dtype()) {
      const size_t esz = element_size(o.dtype());
      std::memcpy(o.data() + off * esz, a.data() + i * esz, esz);
    } else {
      o.set(off, a.at(i));
    }
    for (size_t d = s.size(); d-- > 0;) {
      if (++c[d] < s[d]) break;
      c[d] = 0;
    }
  }
}

// embedding(indices, weight): result = indices.shape + [row]; row = weight's last dim.
// gather(input, index, dim), torch.gather: out[i] = input[i with its dim-th entry replaced by
// index[i]]; out has the index's shape.
void gather_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 2, out);
  const HostTensor& a = *in[0];
  const HostTensor& index = *in[1];
  HostTensor& o = *out[0];
  const size_t rank = a.shape().size();
  const int64_t dim = normalize_dim(op, op.int_attr("dim"), rank);
  if (index.shape().size() != rank)
    fail(ErrorCode::kInvalidArgument, op, "index must have the input's rank");
  expect_shape(op, o.shape(), index.shape(), "result");
  const std::vector<int64_t> strides = row_major_strides(a.shape());
  const size_t esz = element_size(o.dtype());
  const bool raw = a.dtype() == o.dtype();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t flat = 0; flat < o.volume(); ++flat) {
    const auto k = static_cast<int64_t>(index.at(flat));
    if (k < 0 || k >= a.shape()[dim])
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("index {} at position {} is outside [0, {})", k, flat, a.shape()[dim]));
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t i = static_cast<int64_t>(d) == dim ? k : idx[d];
      if (i >= a.shape()[d])
        fail(ErrorCode::kInvalidArgument, op, "index is larger than the input off its dim");
      src += i * strides[d];
    }
    if (raw) {
      std::memcpy(o.data() + flat * esz, a.data() + src * esz, esz);
    } else {
      o.set(flat, a.at(src));
    }
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < index.shape()[d]) break;
      idx[d] = 0;
    }
  }
}

void embedding_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 2, 2, out);
  const HostTensor& idx = *in[0];
  const HostTensor& w = *in[1];
  HostTensor& o = *out[0];
  if (w.shape().empty()) fail(ErrorCode::kInvalidArgument, op, "weight must have rank >= 1");
  const int64_t row = w.shape().back();
  const int64_t rows = row == 0 ? 0 : w.volume() / row;
  Shape expected = idx.shape();
  expected.push_back(row);
  if (o.shape() != expected && o.volume() != idx.volume() * row)
    expect_shape(op, o.shape(), expected, "result");
  // Rows are read one by one (HostTensor::read): of a generated table, only the rows looked up
  // are ever made.
  const size_t esz = element_size(o.dtype());
  HostTensor staged = HostTensor::uninitialized({row}, w.dtype());
  for (int64_t i = 0; i < idx.volume(); ++i) {
    const double v = idx.at(i);
    const auto r = static_cast<int64_t>(v);
    if (r < 0 || r >= rows)
      fail(ErrorCode::kInvalidArgument, op,
           fmt::format("index {} at position {} is outside [0, {})", v, i, rows));
    if (w.dtype() == o.dtype()) {
      w.read(r * row, row, o.data() + i * row * esz);
    } else {
      w.read(r * row, row, staged.data());
      for (int64_t j = 0; j < row; ++j) o.set(i * row + j, staged.at(j));
    }
  }
}

}  // namespace

void register_data_movement(KernelTable& t) {
  t["reshape"] = reshape_kernel;
  t["squeeze"] = reshape_kernel;
  t["unsqueeze"] = reshape_kernel;
  t["permute"] = permute_kernel;
  t["rearrange"] = rearrange_kernel;
  t["transpose"] = transpose_kernel;
  t["concat"] = concat_kernel;
  t["slice_static"] = slice_static_kernel;
  t["slice_dynamic"] = slice_dynamic_kernel;
  t["broadcast"] = broadcast_kernel;
  t["repeat"] = repeat_kernel;
  t["repeat_interleave"] = repeat_interleave_kernel;
  t["pad"] = pad_kernel;
  t["embedding"] = embedding_kernel;
  t["reverse"] = reverse_kernel;
  t["index_select"] = index_select_kernel;
  t["gather"] = gather_kernel;
}

}  // namespace meshrt::ops::detail
