// distributed_rms_norm / distributed_layer_norm: local statistics, then normalisation by the
// statistics of the whole line of chips.
#include <cmath>

#include "kernel_util.hpp"
#include "meshrt/ops/ccl.hpp"

namespace meshrt::ops {

namespace {

struct NormOperands {
  const HostTensor* weight = nullptr;
  const HostTensor* bias = nullptr;
  const HostTensor* residual = nullptr;
};

// Operand segments: rms (input, weight?, residual?), layer (input, weight?, bias?, residual?).
NormOperands norm_operands(const binary::Op& op, std::span<const HostTensor* const> in) {
  const bool layer = op.name == "distributed_layer_norm";
  const std::vector<int> seg = op.segment_operands(layer ? 4 : 3);
  auto at = [&](int k) { return k >= 0 ? in[static_cast<size_t>(k)] : nullptr; };
  return layer ? NormOperands{at(seg[1]), at(seg[2]), at(seg[3])}
               : NormOperands{at(seg[1]), nullptr, at(seg[2])};
}

int64_t row_length(const binary::Op& op, const HostTensor& t) {
  if (t.shape().empty() || t.shape().back() <= 0)
    detail::fail(ErrorCode::kInvalidArgument, op, "input needs a non-empty last dim");
  return t.shape().back();
}

}  // namespace

int64_t distributed_norm_stats_per_row(const binary::Op& op) {
  return op.name == "distributed_layer_norm" ? 2 : 1;
}

void distributed_norm_stats(const binary::Op& op, std::span<const HostTensor* const> in,
                            HostTensor& summed, HostTensor& stats) {
  const HostTensor& x = *in[0];
  const HostTensor* residual = norm_operands(op, in).residual;
  if (residual && residual->shape() != x.shape())
    detail::fail(ErrorCode::kInvalidArgument, op,
                 fmt::format("residual shape {} differs from the input's {}",
                             shape_to_string(residual->shape()), shape_to_string(x.shape())));
  const int64_t n = row_length(op, x), rows = x.volume() / n;
  const int64_t per_row = distributed_norm_stats_per_row(op);
  for (int64_t i = 0; i < x.volume(); ++i)
    summed.set(i, residual ? x.at(i) + residual->at(i) : x.at(i));
  for (int64_t r = 0; r < rows; ++r) {
    float sum = 0, squares = 0;
    for (int64_t j = 0; j < n; ++j) {
      const float v = static_cast<float>(summed.at(r * n + j));
      sum += v;
      squares += v * v;
    }
    if (per_row == 2) {
      stats.set(2 * r, sum);
      stats.set(2 * r + 1, squares);
    } else {
      stats.set(r, squares);
    }
  }
}

void distributed_norm_apply(const binary::Op& op, std::span<const HostTensor* const> in,
                            const HostTensor& summed, std::span<const HostTensor* const> line_stats,
                            HostTensor& out) {
  const NormOperands operands = norm_operands(op, in);
  const int64_t n = row_length(op, summed), rows = summed.volume() / n;
  for (const HostTensor* t : {operands.weight, operands.bias})
    if (t && t->volume() != n)
      detail::fail(ErrorCode::kInvalidArgument, op,
                   fmt::format("weight/bias of shape {} does not match the last dim {}",
                               shape_to_string(t->shape()), n));
  const int64_t per_row = distributed_norm_stats_per_row(op);
  const auto eps = static_cast<float>(op.float_attr_or("epsilon", 1e-5));
  const auto count = static_cast<float>(n * static_cast<int64_t>(line_stats.size()));
  for (int64_t r = 0; r < rows; ++r) {
    float sum = 0, squares = 0;
    for (const HostTensor* s : line_stats) {
      if (per_row == 2) sum += static_cast<float>(s->at(2 * r));
      squares += static_cast<float>(s->at(per_row * r + per_row - 1));
    }
    const float mean = per_row == 2 ? sum / count : 0.0f;
    const float var = squares / count - mean * mean;
    const float scale = 1.0f / std::sqrt(var + eps);
    for (int64_t j = 0; j < n; ++j) {
      float v = (static_cast<float>(summed.at(r * n + j)) - mean) * scale;
      if (operands.weight) v *= static_cast<float>(operands.weight->at(j));
      if (operands.bias) v += static_cast<float>(operands.bias->at(j));
      out.set(r * n + j, v);
    }
  }
}

}  // namespace meshrt::ops
