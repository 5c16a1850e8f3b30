// Reference-interpreter kernels (f64) of mixture-of-experts routing, computed per receiving
// device from every ring device's operands (the device side computes per sending device which
// rows go where; see ops/moe.hpp for the semantics both follow).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "interp_kernels.hpp"

namespace meshrt::reference::interp {

namespace {

// Operand i on device d, in its own dtype.
Tensor operand_on(const std::vector<DeviceTensors>& operands, size_t i, uint32_t d) {
  const HostTensor& h = *operands.at(i).at(d);
  return from_host(h, h.dtype());
}

int64_t last(const Tensor& t) { return t.shape.empty() ? 1 : t.shape.back(); }
int64_t rows(const Tensor& t) { return last(t) > 0 ? t.numel() / last(t) : 0; }

int64_t expert(const OpContext& ctx, double v, int64_t experts) {
  const auto e = static_cast<int64_t>(v);
  if (v != static_cast<double>(e) || e < 0 || e >= experts)
    ctx.fail(ErrorCode::kInvalidArgument,
             fmt::format("expert index {} is not an expert (0 to {})", v, experts - 1));
  return e;
}

void copy_row(const Tensor& from, int64_t row, Tensor& to, int64_t at) {
  const int64_t w = last(from);
  std::copy_n(from.v.begin() + row * w, w, to.v.begin() + at * w);
}

std::vector<DeviceId> ring_of(const OpContext& ctx, const MeshShape& mesh, uint32_t d) {
  const auto axis = static_cast<uint32_t>(ctx.op.int_attr("cluster_axis"));
  std::vector<DeviceId> ring = line_through(mesh, DeviceId{d}, axis);
  if (ctx.op.int_attr("num_devices") != static_cast<int64_t>(ring.size()))
    ctx.fail(ErrorCode::kInvalidArgument, "num_devices is not the ring's device count");
  return ring;
}

// Experts whose one-hot mapping column `d` is set, ascending.
std::vector<int64_t> owned_by(const Tensor& mapping, uint32_t d) {
  std::vector<int64_t> out;
  const int64_t devices = mapping.shape[3];
  for (int64_t e = 0; e < mapping.shape[2]; ++e)
    if (d < devices && mapping.v[static_cast<size_t>(e * devices + d)] != 0) out.push_back(e);
  return out;
}

// Receiving device t: ring position p's token r is row p * T + r of both results; the tokens
// land in `dispatched` when one of their experts is t's.
std::vector<DeviceTensors> dispatch(const OpContext& ctx, const MeshShape& mesh,
                                    const std::vector<DeviceTensors>& operands) {
  ctx.expect_operands(operands.size(), 3);
  std::vector<DeviceTensors> out(2, DeviceTensors(mesh.volume()));
  for (uint32_t t = 0; t < mesh.volume(); ++t) {
    Tensor dispatched(ctx.result_shape(0), ctx.result_dtype(0));
    Tensor metadata(ctx.result_shape(1), ctx.result_dtype(1));
    const std::vector<DeviceId> ring = ring_of(ctx, mesh, t);
    for (size_t p = 0; p < ring.size(); ++p) {
      const Tensor x = operand_on(operands, 0, ring[p].value);
      const Tensor idx = operand_on(operands, 1, ring[p].value);
      const Tensor map = operand_on(operands, 2, ring[p].value);
      const int64_t tokens = rows(x), k = last(idx);
      const std::vector<int64_t> mine = owned_by(map, t);
      for (int64_t r = 0; r < tokens; ++r) {
        const int64_t at = static_cast<int64_t>(p) * tokens + r;
        copy_row(idx, r, metadata, at);
        for (int64_t j = 0; j < k; ++j) {
          const int64_t e = expert(ctx, idx.v[static_cast<size_t>(r * k + j)], map.shape[2]);
          if (std::find(mine.begin(), mine.end(), e) != mine.end()) {
            copy_row(x, r, dispatched, at);
            break;
          }
        }
      }
    }
    out[0][t] = to_host(dispatched, ctx.result_dtype(0));
    out[1][t] = to_host(metadata, ctx.result_dtype(1));
  }
  return out;
}

// As dispatch, the owner of each expert read from row 0 of the [1, 1, D, E] mapping, and the
// scores gathered with the indices.
std::vector<DeviceTensors> dispatch_metadata(const OpContext& ctx, const MeshShape& mesh,
                                             const std::vector<DeviceTensors>& operands) {
  ctx.expect_operands(operands.size(), 4);
  std::vector<DeviceTensors> out(3, DeviceTensors(mesh.volume()));
  for (uint32_t t = 0; t < mesh.volume(); ++t) {
    std::vector<Tensor> res;
    for (size_t k = 0; k < 3; ++k) res.emplace_back(ctx.result_shape(k), ctx.result_dtype(k));
    const std::vector<DeviceId> ring = ring_of(ctx, mesh, t);
    for (size_t p = 0; p < ring.size(); ++p) {
      const Tensor x = operand_on(operands, 0, ring[p].value);
      const Tensor idx = operand_on(operands, 1, ring[p].value);
      const Tensor scores = operand_on(operands, 2, ring[p].value);
      const Tensor map = operand_on(operands, 3, ring[p].value);
      const int64_t tokens = rows(x), k = last(idx), experts = last(map);
      for (int64_t m = 0; m < tokens; ++m) {
        const int64_t at = static_cast<int64_t>(p) * tokens + m;
        copy_row(idx, m, res[1], at);
        copy_row(scores, m, res[2], at);
        for (int64_t j = 0; j < k; ++j) {
          const int64_t e = expert(ctx, idx.v[static_cast<size_t>(m * k + j)], experts);
          if (map.v[static_cast<size_t>(e)] == static_cast<double>(t)) {
            copy_row(x, m, res[0], at);
            break;
          }
        }
      }
    }
    for (size_t k = 0; k < 3; ++k) out[k][t] = to_host(res[k], ctx.result_dtype(k));
  }
  return out;
}

// Receiving device t at ring position q holds tokens (b, s) of its shard of the batches
// (output_shard_dim 1) or sequence positions (2); slot k of each is the row of the ring device
// owning the token's k-th expert, read at that expert's local index.
std::vector<DeviceTensors> combine(const OpContext& ctx, const MeshShape& mesh,
                                   const std::vector<DeviceTensors>& operands) {
  ctx.expect_operands(operands.size(), 3);
  const Shape& shape = ctx.result_shape();
  const bool by_batch = ctx.op.int_attr_or("output_shard_dim", 2) == 1;
  DeviceTensors out(mesh.volume());
  for (uint32_t t = 0; t < mesh.volume(); ++t) {
    Tensor result(shape, ctx.result_dtype());
    const std::vector<DeviceId> ring = ring_of(ctx, mesh, t);
    const int64_t q = std::find(ring.begin(), ring.end(), DeviceId{t}) - ring.begin();
    for (DeviceId o : ring) {
      const Tensor x = operand_on(operands, 0, o.value);
      const Tensor md = operand_on(operands, 1, o.value);
      const Tensor map = operand_on(operands, 2, o.value);
      const std::vector<int64_t> mine = owned_by(map, o.value);
      const int64_t batches = md.shape[1], seq = md.shape[2], k = md.shape[3];
      for (int64_t bl = 0; bl < shape[1]; ++bl)
        for (int64_t sl = 0; sl < shape[2]; ++sl) {
          const int64_t b = by_batch ? q * shape[1] + bl : bl;
          const int64_t s = by_batch ? sl : q * shape[2] + sl;
          for (int64_t j = 0; j < k; ++j) {
            const int64_t e =
                expert(ctx, md.v[static_cast<size_t>((b * seq + s) * k + j)], map.shape[2]);
            const auto it = std::find(mine.begin(), mine.end(), e);
            if (it == mine.end()) continue;
            const int64_t le = it - mine.begin();
            if (le >= x.shape[0])
              ctx.fail(ErrorCode::kInvalidArgument, "a device owns more experts than it holds");
            copy_row(x, (le * batches + b) * seq + s, result, (j * shape[1] + bl) * shape[2] + sl);
          }
        }
    }
    out[t] = to_host(result, ctx.result_dtype());
  }
  return {out};
}

// Device d: the routing weights of the experts it owns, for the tokens that selected them, and
// per chunk of reduction_size tokens whether any token selected each.
std::vector<DeviceTensors> token_remap(const OpContext& ctx, const MeshShape& mesh,
                                       const std::vector<DeviceTensors>& operands) {
  ctx.expect_operands(operands.size(), 3);
  std::vector<DeviceTensors> out(2, DeviceTensors(mesh.volume()));
  const int64_t chunk = ctx.op.int_attr("reduction_size");
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    const Tensor topk = operand_on(operands, 0, d);
    const Tensor map = operand_on(operands, 1, d);
    const Tensor md = operand_on(operands, 2, d);
    const std::vector<int64_t> mine = owned_by(map, d);
    Tensor weights(ctx.result_shape(0), ctx.result_dtype(0));
    Tensor reduced(ctx.result_shape(1), ctx.result_dtype(1));
    const int64_t local = last(weights), experts = last(topk), k = last(md);
    if (static_cast<int64_t>(mine.size()) != local)
      ctx.fail(ErrorCode::kInvalidArgument,
               fmt::format("device {} owns {} experts, not {}", d, mine.size(), local));
    for (int64_t t = 0; t < rows(topk); ++t)
      for (int64_t j = 0; j < k; ++j) {
        const int64_t e = expert(ctx, md.v[static_cast<size_t>(t * k + j)], experts);
        const auto it = std::find(mine.begin(), mine.end(), e);
        if (it == mine.end()) continue;
        const int64_t le = it - mine.begin();
        weights.v[static_cast<size_t>(t * local + le)] =
            topk.v[static_cast<size_t>(t * experts + e)];
        reduced.v[static_cast<size_t>((t / chunk) * local + le)] = 1;
      }
    out[0][d] = to_host(weights, ctx.result_dtype(0));
    out[1][d] = to_host(reduced, ctx.result_dtype(1));
  }
  return out;
}

// Receiving chip t at ring position q: slot k of its local token j (global g = q * T/n + j) is
// the FFN of the ring chip owning the token's k-th expert, on that chip's buffer row g.
std::vector<DeviceTensors> moe_compute(const OpContext& ctx, const MeshShape& mesh,
                                       const std::vector<DeviceTensors>& operands) {
  const std::vector<int> seg = ctx.op.segment_operands(10);
  for (size_t r = 0; r < 7; ++r)
    if (seg[r] < 0) ctx.fail(ErrorCode::kInvalidArgument, "a required operand is missing");
  const auto axis = static_cast<uint32_t>(ctx.op.int_attr("cluster_axis"));
  const Shape& shape = ctx.result_shape();  // [K, T / n, H]
  const int64_t layer = ctx.op.int_attr("layer_id");
  const bool swiglu = ctx.op.has_attr("activation_function") &&
                      ctx.op.string_attr("activation_function") == "swiglu";
  auto on = [&](size_t role, uint32_t d) {
    return operand_on(operands, static_cast<size_t>(seg[role]), d);
  };
  DeviceTensors out(mesh.volume());
  for (uint32_t t = 0; t < mesh.volume(); ++t) {
    Tensor result(shape, ctx.result_dtype());
    const std::vector<DeviceId> ring = line_through(mesh, DeviceId{t}, axis);
    const int64_t q = std::find(ring.begin(), ring.end(), DeviceId{t}) - ring.begin();
    for (DeviceId o : ring) {
      const Tensor x = on(0, o.value), idx = on(1, o.value), map = on(3, o.value);
      const Tensor w0 = on(4, o.value), w1 = on(5, o.value), w2 = on(6, o.value);
      std::vector<Tensor> bias;
      for (size_t b = 7; b < 10; ++b)
        if (seg[b] >= 0) bias.push_back(on(b, o.value));
      const int64_t hidden = last(x), k = last(idx), experts = last(map);
      const int64_t local = w0.shape[1], inter = w0.shape[3];
      std::vector<int64_t> mine;
      for (int64_t e = 0; e < experts; ++e)
        if (map.v[static_cast<size_t>(e)] == static_cast<double>(o.value)) mine.push_back(e);
      for (int64_t j = 0; j < shape[1]; ++j) {
        const int64_t g = q * shape[1] + j;
        for (int64_t slot = 0; slot < k; ++slot) {
          const int64_t e = expert(ctx, idx.v[static_cast<size_t>(g * k + slot)], experts);
          const auto it = std::find(mine.begin(), mine.end(), e);
          if (it == mine.end()) continue;
          const int64_t le = it - mine.begin();
          if (le >= local)
            ctx.fail(ErrorCode::kInvalidArgument, "a chip owns more experts than its weights hold");
          const int64_t expert_at = layer * local + le;
          std::vector<double> h(static_cast<size_t>(inter));
          for (int64_t c = 0; c < inter; ++c) {
            double gate = 0, up = 0;
            for (int64_t i = 0; i < hidden; ++i) {
              const double xv = x.v[static_cast<size_t>(g * hidden + i)];
              gate += xv * w0.v[static_cast<size_t>((expert_at * hidden + i) * inter + c)];
              up += xv * w1.v[static_cast<size_t>((expert_at * hidden + i) * inter + c)];
            }
            if (!bias.empty()) {
              gate += bias[0].v[static_cast<size_t>(expert_at * inter + c)];
              up += bias[1].v[static_cast<size_t>(expert_at * inter + c)];
            }
            if (swiglu) {
              const double gc = std::min(gate, 7.0), uc = std::clamp(up, -7.0, 7.0);
              h[static_cast<size_t>(c)] = (uc + 1.0) * gc / (1.0 + std::exp(-1.702 * gc));
            } else {
              h[static_cast<size_t>(c)] = gate / (1.0 + std::exp(-gate)) * up;
            }
          }
          for (int64_t i = 0; i < hidden; ++i) {
            double y = bias.empty() ? 0.0 : bias[2].v[static_cast<size_t>(expert_at * hidden + i)];
            for (int64_t c = 0; c < inter; ++c)
              y += h[static_cast<size_t>(c)] *
                   w2.v[static_cast<size_t>((expert_at * inter + c) * hidden + i)];
            result.v[static_cast<size_t>((slot * shape[1] + j) * hidden + i)] = y;
          }
        }
      }
    }
    out[t] = to_host(result, ctx.result_dtype());
  }
  return {out};
}

// topk_router_gpt: logits rounded to the input dtype after the product and after the bias, the
// k largest (the lower expert first on ties), softmax over those.
std::vector<Tensor> topk_router(const OpContext& ctx, const std::vector<const Tensor*>& in) {
  ctx.expect_operands(in.size(), 3);
  const Tensor &x = *in[0], &w = *in[1], &bias = *in[2];
  const int64_t batch = x.shape[0], hidden = x.shape[1], experts = w.shape[1];
  const int64_t k = ctx.op.int_attr("k");
  Tensor indices(ctx.result_shape(0), ctx.result_dtype(0));
  Tensor weights(ctx.result_shape(1), ctx.result_dtype(1));
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<std::pair<double, int64_t>> logits;
    for (int64_t e = 0; e < experts; ++e) {
      double sum = 0;
      for (int64_t i = 0; i < hidden; ++i)
        sum += x.v[static_cast<size_t>(b * hidden + i)] * w.v[static_cast<size_t>(i * experts + e)];
      const double l = round_to_dtype(
          round_to_dtype(sum, x.dtype) + bias.v[static_cast<size_t>(b * experts + e)], x.dtype);
      logits.push_back({l, e});
    }
    std::stable_sort(logits.begin(), logits.end(),
                     [](const auto& a, const auto& c) { return a.first > c.first; });
    double total = 0;
    for (int64_t j = 0; j < k; ++j)
      total += std::exp(logits[static_cast<size_t>(j)].first - logits[0].first);
    for (int64_t j = 0; j < k; ++j) {
      indices.v[static_cast<size_t>(b * k + j)] =
          static_cast<double>(logits[static_cast<size_t>(j)].second);
      weights.v[static_cast<size_t>(b * k + j)] =
          std::exp(logits[static_cast<size_t>(j)].first - logits[0].first) / total;
    }
  }
  std::vector<Tensor> outs;
  outs.push_back(std::move(indices));
  outs.push_back(std::move(weights));
  return outs;
}

}  // namespace

void register_moe_kernels(KernelTable& table) {
  table.mesh["all_to_all_dispatch"] = dispatch;
  table.mesh["all_to_all_dispatch_metadata"] = dispatch_metadata;
  table.mesh["all_to_all_combine"] = combine;
  table.mesh["moe_expert_token_remap"] = token_remap;
  table.mesh["moe_compute"] = moe_compute;
  table.device["topk_router_gpt"] = topk_router;
}

}  // namespace meshrt::reference::interp
