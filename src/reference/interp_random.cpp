// Reference-interpreter kernel of ttir.rand, computed straight from the generator's definition
// (docs/architecture.md, "Random numbers"): the element of flat index i takes
// u = top 24 bits of splitmix64(seed * 2^32 + i) / 2^24 and the value low + (high - low) * u,
// rounded to the result dtype and kept inside the dtype values of [low, high).
//
// The dtype values of [low, high) are found arithmetically (tensor/dtype_range.hpp: frexp/ldexp
// on the format's significand width) rather than from bit patterns, so this code shares nothing
// with the device kernel.
#include "interp_random.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "interp_kernels.hpp"
#include "meshrt/tensor/dtype_range.hpp"

namespace meshrt::reference::interp {
namespace {

// SplitMix64's output function: add the golden-ratio increment, then xor-shift-multiply twice
// and xor-shift once.
uint64_t splitmix64(uint64_t key) {
  uint64_t z = key + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<Tensor> rand_kernel(const OpContext& ctx, const std::vector<const Tensor*>& operands) {
  ctx.expect_operands(operands.size(), 0);
  const DataType dtype = ctx.result_dtype();
  if (!is_float(dtype)) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("result element type {} is not a float type", mlir_name(dtype)));
  }
  if (ctx.op.has_attr("size")) {
    const std::vector<int64_t> size = ctx.op.ints_attr("size");
    if (Shape(size.begin(), size.end()) != ctx.result_shape()) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("size {} differs from the result shape {}", shape_to_string(size),
                           shape_to_string(ctx.result_shape())));
    }
  }
  const double low = ctx.op.float_attr_or("low", 0.0);
  const double high = ctx.op.float_attr_or("high", 1.0);
  const int64_t seed = ctx.op.int_attr_or("seed", 0);
  if (seed < 0 || seed > int64_t{0xFFFFFFFF})
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("seed {} is not a ui32", seed));
  if (!(low < high))
    ctx.fail(ErrorCode::kInvalidArgument, fmt::format("low {} is not below high {}", low, high));
  const std::optional<DtypeRange> range = dtype_values_in(low, high, dtype);
  if (!range) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("no {} value lies in [{}, {})", mlir_name(dtype), low, high));
  }
  Tensor out(ctx.result_shape(), dtype);
  for (int64_t i = 0; i < out.numel(); ++i) {
    out.v[static_cast<size_t>(i)] = rand_element(
        static_cast<uint32_t>(seed), static_cast<uint64_t>(i), low, high, dtype, *range);
  }
  return single(std::move(out));
}

// dropout: element i is 0 where rand's uniform draw u_i for (seed, i) is below prob, else
// x_i * scale.
std::vector<Tensor> dropout(const OpContext& ctx, const std::vector<const Tensor*>& operands) {
  ctx.expect_operands(operands.size(), 1);
  const Tensor& x = *operands[0];
  const double prob = ctx.op.float_attr_or("prob", 0.5);
  const double scale = ctx.op.float_attr_or("scale", 1.0 / (1.0 - prob));
  const uint64_t seed = static_cast<uint64_t>(ctx.op.int_attr_or("seed", 0)) & 0xffffffffull;
  Tensor out(x.shape, ctx.result_dtype());
  for (int64_t i = 0; i < x.numel(); ++i) {
    const uint64_t key = seed * 0x100000000ull + static_cast<uint64_t>(i);
    const double u = std::ldexp(static_cast<double>(splitmix64(key) >> 40), -24);
    out.v[static_cast<size_t>(i)] = u < prob ? 0.0 : x.v[static_cast<size_t>(i)] * scale;
  }
  return single(std::move(out));
}

// sampling: per request b, its candidates ordered by value (largest first, the earlier one on a
// tie), cut to the first k (k clamped to [1, C]); probabilities softmax(value / temp) over them
// (temp at least 1e-6); cut again to the shortest prefix whose probability reaches p (at least
// one); the candidate chosen is the first whose running sum exceeds u * (the prefix's sum), u
// being rand's uniform draw for (seed, b); the result is its input_indices entry.
std::vector<Tensor> sampling(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 5);
  const Tensor &values = *in[0], &indices = *in[1], &k = *in[2], &p = *in[3], &temp = *in[4];
  if (values.rank() != 2 || indices.shape != values.shape)
    ctx.fail(ErrorCode::kInvalidArgument, "input_values and input_indices must be [batch, C]");
  const int64_t batch = values.shape[0], count = values.shape[1];
  for (const Tensor* t : {&k, &p, &temp})
    if (t->numel() != batch)
      ctx.fail(ErrorCode::kInvalidArgument, "k, p and temp must hold one value per request");
  const uint64_t seed = static_cast<uint64_t>(ctx.op.int_attr_or("seed", 0)) & 0xffffffffull;
  Tensor out({batch}, ctx.result_dtype());
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int64_t> order(static_cast<size_t>(count));
    for (int64_t j = 0; j < count; ++j) order[static_cast<size_t>(j)] = j;
    const double* row = values.v.data() + b * count;
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t x, int64_t y) { return row[x] > row[y]; });
    const double kk = k.v[static_cast<size_t>(b)];
    const int64_t keep = std::clamp<int64_t>(std::isfinite(kk) ? static_cast<int64_t>(kk) : count,
                                             1, std::max<int64_t>(count, 1));
    if (count == 0) ctx.fail(ErrorCode::kInvalidArgument, "there are no candidates");
    const double t = std::max(temp.v[static_cast<size_t>(b)], 1e-6);
    std::vector<double> prob(static_cast<size_t>(keep));
    double total = 0;
    for (int64_t j = 0; j < keep; ++j) {
      prob[static_cast<size_t>(j)] = std::exp((row[order[j]] - row[order[0]]) / t);
      total += prob[static_cast<size_t>(j)];
    }
    int64_t nucleus = 0;
    double mass = 0;
    while (nucleus < keep) {
      mass += prob[static_cast<size_t>(nucleus++)] / total;
      if (mass >= p.v[static_cast<size_t>(b)]) break;
    }
    double nucleus_sum = 0;
    for (int64_t j = 0; j < nucleus; ++j) nucleus_sum += prob[static_cast<size_t>(j)];
    const uint64_t key = seed * 0x100000000ull + static_cast<uint64_t>(b);
    const double u = std::ldexp(static_cast<double>(splitmix64(key) >> 40), -24);
    int64_t chosen = nucleus - 1;
    double running = 0;
    for (int64_t j = 0; j < nucleus; ++j) {
      running += prob[static_cast<size_t>(j)];
      if (running > u * nucleus_sum) {
        chosen = j;
        break;
      }
    }
    out.v[static_cast<size_t>(b)] = indices.v[static_cast<size_t>(b * count + order[chosen])];
  }
  return single(std::move(out));
}

}  // namespace

double rand_element(uint32_t seed, uint64_t index, double low, double high, DataType dtype,
                    const DtypeRange& range) {
  const uint64_t key = uint64_t{seed} * 0x100000000ull + index;
  const double u = std::ldexp(static_cast<double>(splitmix64(key) >> 40), -24);
  const double x = low + (high - low) * u;
  return std::clamp(round_to_dtype(x, dtype), range.first, range.last);
}

void register_random_kernels(KernelTable& table) {
  table.device["rand"] = rand_kernel;
  table.device["dropout"] = dropout;
  table.device["sampling"] = sampling;
}

}  // namespace meshrt::reference::interp
