// Device kernels that read or write through indices and windows: index, slice_dynamic,
// scatter and embedding_backward. Data movement copies raw elements (no rounding); the sums of
// scatter and embedding_backward run in f32 and round once into the result dtype.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "kernel_util.hpp"

namespace meshrt::ops::detail {
namespace {

// Element offsets into `in` of a strided window: dim d starts at begin[d] and advances by
// step[d], `count[d]` times. Row-major over the window.
std::vector<int64_t> window_offsets(const Shape& in, const std::vector<int64_t>& begin,
                                    const std::vector<int64_t>& step, const Shape& count) {
  const std::vector<int64_t> strides = row_major_strides(in);
  std::array<std::vector<int64_t>, 1> walk_strides;
  int64_t base = 0;
  for (size_t d = 0; d < in.size(); ++d) {
    base += begin[d] * strides[d];
    walk_strides[0].push_back(step[d] * strides[d]);
  }
  std::vector<int64_t> offsets;
  offsets.reserve(static_cast<size_t>(volume(count)));
  walk_broadcast<1>(count, walk_strides, [&](int64_t, const std::array<int64_t, 1>& off) {
    offsets.push_back(base + off[0]);
  });
  return offsets;
}

int64_t count_of(int64_t begin, int64_t end, int64_t step) {
  return end <= begin ? 0 : (end - begin + step - 1) / step;
}

void copy_window(const binary::Op& op, const HostTensor& x, HostTensor& o,
                 const std::vector<int64_t>& begin, const std::vector<int64_t>& step,
                 const Shape& count) {
  expect_shape(op, o.shape(), count, "result");
  const std::vector<int64_t> offsets = window_offsets(x.shape(), begin, step, count);
  gather_elements(x, o, [&](int64_t i) { return offsets[static_cast<size_t>(i)]; });
}

void index_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 1, 1, out);
  const HostTensor& x = *in[0];
  const size_t d = static_cast<size_t>(normalize_dim(op, op.int_attr("dim"), x.shape().size()));
  const int64_t size = x.shape()[d];
  int64_t begin = op.int_attr("begin"), end = op.int_attr("end");
  const int64_t step = op.int_attr_or("step", 1);
  begin = begin < 0 ? begin + size : begin;
  end = std::min(end < 0 ? end + size : end, size);
  if (step <= 0 || begin < 0 || begin > size)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("range {}:{}:{} does not fit dim {} of size {}", begin, end, step, d, size));
  std::vector<int64_t> starts(x.shape().size(), 0), steps(x.shape().size(), 1);
  starts[d] = begin;
  steps[d] = step;
  Shape count = x.shape();
  count[d] = count_of(begin, end, step);
  copy_window(op, x, *out[0], starts, steps, count);
}

void slice_dynamic_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 3, out);
  const HostTensor& x = *in[0];
  const size_t rank = x.shape().size();
  if (in[1]->volume() != static_cast<int64_t>(rank) ||
      in[2]->volume() != static_cast<int64_t>(rank))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("begins {} / ends {} need {} values", shape_to_string(in[1]->shape()),
                     shape_to_string(in[2]->shape()), rank));
  std::vector<int64_t> step =
      op.has_attr("step") ? op.ints_attr("step") : std::vector<int64_t>(rank, 1);
  if (step.size() != rank) fail(ErrorCode::kInvalidArgument, op, "step needs one value per dim");
  std::vector<int64_t> begin(rank);
  Shape count(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t size = x.shape()[d];
    begin[d] = static_cast<int64_t>(in[1]->at(static_cast<int64_t>(d)));
    const int64_t end =
        std::min<int64_t>(static_cast<int64_t>(in[2]->at(static_cast<int64_t>(d))), size);
    if (begin[d] < 0 || begin[d] > size || step[d] <= 0)
      fail(
          ErrorCode::kInvalidArgument, op,
          fmt::format("dim {}: begin {} / step {} do not fit size {}", d, begin[d], step[d], size));
    count[d] = count_of(begin[d], end, step[d]);
  }
  copy_window(op, x, *out[0], begin, step, count);
}

int64_t checked_index(const binary::Op& op, double v, int64_t size) {
  if (!(v >= 0) || v >= static_cast<double>(size))
    fail(ErrorCode::kInvalidArgument, op, fmt::format("index {} is out of range [0, {})", v, size));
  return static_cast<int64_t>(v);
}

void scatter_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 3, out);
  const HostTensor &x = *in[0], &index = *in[1], &src = *in[2];
  HostTensor& o = *out[0];
  expect_shape(op, o.shape(), x.shape(), "result");
  const size_t rank = x.shape().size();
  if (index.shape().size() != rank || src.shape().size() != rank)
    fail(ErrorCode::kInvalidArgument, op, "input, index and source need the same rank");
  const size_t dim = static_cast<size_t>(normalize_dim(op, op.int_attr("dim"), rank));
  const std::string kind =
      op.has_attr("scatter_reduce_type") ? op.string_attr("scatter_reduce_type") : "invalid";
  const bool replace = kind == "invalid";
  if (!replace && kind != "sum" && kind != "prod" && kind != "max" && kind != "min")
    fail(ErrorCode::kUnsupported, op, fmt::format("scatter_reduce_type '{}'", kind));
  gather_elements(x, o, [](int64_t i) { return i; });
  const std::vector<int64_t> out_strides = row_major_strides(x.shape());
  std::array<std::vector<int64_t>, 2> walk = {row_major_strides(x.shape()),
                                              row_major_strides(src.shape())};
  walk[0][dim] = 0;  // the index value picks the position along dim
  const int64_t elem = static_cast<int64_t>(element_size(o.dtype()));
  const bool same_dtype = src.dtype() == o.dtype();
  walk_broadcast<2>(index.shape(), walk, [&](int64_t i, const std::array<int64_t, 2>& off) {
    const int64_t target =
        off[0] + checked_index(op, index.at(i), x.shape()[dim]) * out_strides[dim];
    if (replace && same_dtype) {
      std::memcpy(o.data() + target * elem, src.data() + off[1] * elem, static_cast<size_t>(elem));
      return;
    }
    const double cur = o.at(target), v = src.at(off[1]);
    const bool fp = is_float(o.dtype());
    double r = v;
    if (kind == "sum") r = fp ? static_cast<float>(cur) + static_cast<float>(v) : cur + v;
    if (kind == "prod") r = fp ? static_cast<float>(cur) * static_cast<float>(v) : cur * v;
    if (kind == "max") r = std::max(cur, v);
    if (kind == "min") r = std::min(cur, v);
    o.set(target, r);
  });
}

void embedding_backward_kernel(const binary::Op& op, Inputs in, Outputs out) {
  expect_arity(op, in, 3, 3, out);
  const HostTensor &indices = *in[0], &weight = *in[1], &grad = *in[2];
  HostTensor& o = *out[0];
  if (weight.shape().size() != 2) fail(ErrorCode::kInvalidArgument, op, "weight needs rank 2");
  expect_shape(op, o.shape(), weight.shape(), "result");
  const int64_t rows = weight.shape()[0], width = weight.shape()[1];
  if (grad.volume() != indices.volume() * width)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("gradient {} does not hold {} rows of {}", shape_to_string(grad.shape()),
                     indices.volume(), width));
  const std::vector<float> g = to_f32(grad);
  std::vector<float> acc(static_cast<size_t>(rows * width), 0.0f);
  for (int64_t i = 0; i < indices.volume(); ++i) {
    float* row = acc.data() + checked_index(op, indices.at(i), rows) * width;
    const float* src = g.data() + i * width;
    for (int64_t j = 0; j < width; ++j) row[j] += src[j];
  }
  from_f32(acc, o);
}

}  // namespace

void register_indexing(KernelTable& t) {
  t["index"] = index_kernel;
  t["slice_dynamic"] = slice_dynamic_kernel;
  t["scatter"] = scatter_kernel;
  t["embedding_backward"] = embedding_backward_kernel;
}

}  // namespace meshrt::ops::detail
