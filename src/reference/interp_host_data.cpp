// Reference-interpreter kernels that move elements without computing any: reshape, squeeze,
// unsqueeze, permute and embedding. They run on the tensors as the interpreter stores them (in
// their declared dtype, see to_host), so a 128256-row embedding table or a weight a permute
// transposes is never copied into f64, and a generated operand not yet made stays unmade
// through a view (HostTensor::reshaped) or has only the rows looked up made (HostTensor::read).
// Written independently of the device kernels in src/ops.
#include <fmt/format.h>

#include <cstring>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {
namespace {

using Stored = std::shared_ptr<const HostTensor>;

std::vector<Stored> one(HostTensor t) { return {std::make_shared<const HostTensor>(std::move(t))}; }

// `t` stored in `dtype`: the same tensor when it already is, else each element rounded into it
// (as to_host stores a computed value).
HostTensor in_dtype(HostTensor t, DataType dtype) {
  if (t.dtype() == dtype) return t;
  HostTensor out(t.shape(), dtype);
  for (int64_t i = 0; i < t.volume(); ++i) out.set(i, t.at(i));
  return out;
}

// reshape / squeeze / unsqueeze: the same elements under the declared result shape.
std::vector<Stored> reshape(const OpContext& ctx, const std::vector<const HostTensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const Shape& shape = ctx.result_shape();
  if (ctx.op.name == "reshape" && ctx.op.has_attr("shape")) {
    std::vector<int64_t> attr = ctx.op.ints_attr("shape");
    if (Shape(attr.begin(), attr.end()) != shape) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("shape attribute {} differs from the result type {}",
                           shape_to_string(attr), shape_to_string(shape)));
    }
  }
  if (volume(shape) != in[0]->volume()) {
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("cannot reshape {} to {}", shape_to_string(in[0]->shape()),
                         shape_to_string(shape)));
  }
  return one(in_dtype(in[0]->reshaped(shape), ctx.result_dtype()));
}

// permute: out[i_0, ..., i_n] = in[j] where j_perm[k] = i_k. By the identity: a view.
std::vector<Stored> permute(const OpContext& ctx, const std::vector<const HostTensor*>& in) {
  ctx.expect_min_operands(in.size(), 1);
  const HostTensor& x = *in[0];
  const auto rank = static_cast<int64_t>(x.shape().size());
  std::vector<int64_t> perm = ctx.op.ints_attr("permutation");
  if (static_cast<int64_t>(perm.size()) != rank) {
    ctx.fail(ErrorCode::kInvalidArgument, "permutation length differs from the rank");
  }
  std::vector<bool> used(static_cast<size_t>(rank), false);
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) {
    perm[i] = normalize_dim(ctx, perm[i], rank);
    if (used[static_cast<size_t>(perm[i])]) {
      ctx.fail(ErrorCode::kInvalidArgument, "not a permutation");
    }
    used[static_cast<size_t>(perm[i])] = true;
    identity = identity && perm[i] == static_cast<int64_t>(i);
  }
  if (identity) return one(in_dtype(x.reshaped(x.shape()), ctx.result_dtype()));
  Shape shape(perm.size());
  const std::vector<int64_t> in_strides = row_major_strides(x.shape());
  std::vector<int64_t> step(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    shape[i] = x.shape()[static_cast<size_t>(perm[i])];
    step[i] = in_strides[static_cast<size_t>(perm[i])];
  }
  HostTensor out = HostTensor::uninitialized(shape, x.dtype());
  const size_t esz = element_size(x.dtype());
  const std::byte* src = x.data();
  std::byte* dst = out.data();
  for_each_index(shape, [&](int64_t flat, const std::vector<int64_t>& idx) {
    int64_t offset = 0;
    for (size_t d = 0; d < idx.size(); ++d) offset += idx[d] * step[d];
    std::memcpy(dst + flat * esz, src + offset * esz, esz);
  });
  return one(in_dtype(std::move(out), ctx.result_dtype()));
}

// embedding(indices, weight): out[idx..., :] = weight[indices[idx...], :], read row by row.
std::vector<Stored> embedding(const OpContext& ctx, const std::vector<const HostTensor*>& in) {
  ctx.expect_min_operands(in.size(), 2);
  const HostTensor& indices = *in[0];
  const HostTensor& weight = *in[1];
  if (weight.shape().size() < 2)
    ctx.fail(ErrorCode::kInvalidArgument, "weight must have rank >= 2");
  const int64_t width = weight.shape().back();
  const int64_t rows = width == 0 ? 0 : weight.volume() / width;
  Shape shape = indices.shape();
  shape.push_back(width);
  HostTensor out = HostTensor::uninitialized(shape, weight.dtype());
  const size_t esz = element_size(weight.dtype());
  for (int64_t i = 0; i < indices.volume(); ++i) {
    const double raw = indices.at(i);
    const auto row = static_cast<int64_t>(raw);
    if (row < 0 || row >= rows || static_cast<double>(row) != raw) {
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("index {} at position {} is not a row of a {}-row table", raw, i, rows));
    }
    weight.read(row * width, width, out.data() + i * width * static_cast<int64_t>(esz));
  }
  return one(in_dtype(std::move(out), ctx.result_dtype()));
}

}  // namespace

void register_host_data_kernels(KernelTable& table) {
  table.host["reshape"] = reshape;
  table.host["squeeze"] = reshape;
  table.host["unsqueeze"] = reshape;
  table.host["permute"] = permute;
  table.host["embedding"] = embedding;
}

}  // namespace meshrt::reference::interp
