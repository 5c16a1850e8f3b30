// distributed_rms_norm: local statistics, then normalisation by the line's statistics.
#include <cmath>

#include "kernel_util.hpp"
#include "meshrt/ops/ccl.hpp"

namespace meshrt::ops {

namespace {
int64_t row_length(const binary::Op& op, const HostTensor& t) {
  if (t.shape().empty() || t.shape().back() <= 0)
    detail::fail(ErrorCode::kInvalidArgument, op, "input needs a non-empty last dim");
  return t.shape().back();
}
}  // namespace

void distributed_norm_stats(const binary::Op& op, std::span<const HostTensor* const> in,
                            HostTensor& summed, HostTensor& stats) {
  const std::vector<int> seg = op.segment_operands(3);
  const HostTensor& x = *in[0];
  const HostTensor* residual = seg[2] >= 0 ? in[static_cast<size_t>(seg[2])] : nullptr;
  if (residual && residual->shape() != x.shape())
    detail::fail(ErrorCode::kInvalidArgument, op,
                 fmt::format("residual shape {} differs from the input's {}",
                             shape_to_string(residual->shape()), shape_to_string(x.shape())));
  const int64_t n = row_length(op, x), rows = x.volume() / n;
  for (int64_t i = 0; i < x.volume(); ++i) summed.set(i, residual ? x.at(i) + residual->at(i) : x.at(i));
  for (int64_t r = 0; r < rows; ++r) {
    float acc = 0;
    for (int64_t j = 0; j < n; ++j) {
      const float v = static_cast<float>(summed.at(r * n + j));
      acc += v * v;
    }
    stats.set(r, acc);
  }
}

void distributed_norm_apply(const binary::Op& op, std::span<const HostTensor* const> in,
                            const HostTensor& summed,
                            std::span<const HostTensor* const> line_stats, HostTensor& out) {
  const std::vector<int> seg = op.segment_operands(3);
  const HostTensor* weight = seg[1] >= 0 ? in[static_cast<size_t>(seg[1])] : nullptr;
  const int64_t n = row_length(op, summed), rows = summed.volume() / n;
  if (weight && weight->volume() != n)
    detail::fail(ErrorCode::kInvalidArgument, op,
                 fmt::format("weight of shape {} does not match the last dim {}",
                             shape_to_string(weight->shape()), n));
  const auto eps = static_cast<float>(op.float_attr_or("epsilon", 1e-5));
  const auto count = static_cast<float>(n * static_cast<int64_t>(line_stats.size()));
  for (int64_t r = 0; r < rows; ++r) {
    float total = 0;
    for (const HostTensor* s : line_stats) total += static_cast<float>(s->at(r));
    const float scale = 1.0f / std::sqrt(total / count + eps);
    for (int64_t j = 0; j < n; ++j) {
      float v = static_cast<float>(summed.at(r * n + j)) * scale;
      if (weight) v *= static_cast<float>(weight->at(j));
      out.set(r * n + j, v);
    }
  }
}

}  // namespace meshrt::ops
