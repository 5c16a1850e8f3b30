// all_to_all: every device of a replica group sends the k-th piece of its tensor to the k-th
// device, which concatenates the pieces it receives.
#include <cstring>

#include "kernel_util.hpp"
#include "meshrt/ops/ccl.hpp"

namespace meshrt::ops {

void all_to_all(const binary::Op& op, std::span<const HostTensor* const> group,
                uint32_t index_in_group, HostTensor& out) {
  if (group.empty()) detail::fail(ErrorCode::kInvalidArgument, op, "empty replica group");
  const Shape& in = group[0]->shape();
  const auto rank = in.size();
  const int64_t split = detail::normalize_dim(op, op.int_attr("split_dim"), rank);
  const int64_t concat = detail::normalize_dim(op, op.int_attr("concat_dim"), rank);
  const int64_t count = op.int_attr("split_count");
  if (count != static_cast<int64_t>(group.size()) || in[split] % count != 0)
    detail::fail(ErrorCode::kInvalidArgument, op,
                 fmt::format("split_count {} must be the group size {} and divide dim {} ({})",
                             count, group.size(), split, in[split]));
  Shape piece = in;
  piece[split] /= count;
  Shape expected = piece;
  expected[concat] *= count;
  detail::expect_shape(op, out.shape(), expected, "result");
  for (const HostTensor* t : group)
    if (t->shape() != in || t->dtype() != out.dtype())
      detail::fail(ErrorCode::kInvalidArgument, op, "the group's devices hold different tensors");
  const std::vector<int64_t> in_strides = row_major_strides(in);
  const size_t esz = element_size(out.dtype());
  std::vector<int64_t> idx(rank, 0);
  for (int64_t flat = 0; flat < out.volume(); ++flat) {
    // Output index -> (source device, its element).
    const int64_t source = idx[concat] / piece[concat];
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      int64_t i = idx[d];
      if (static_cast<int64_t>(d) == concat) i %= piece[concat];
      if (static_cast<int64_t>(d) == split) i += index_in_group * piece[split];
      offset += i * in_strides[d];
    }
    std::memcpy(out.data() + flat * esz, group[source]->data() + offset * esz, esz);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < expected[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace meshrt::ops
