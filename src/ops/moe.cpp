// Expert-parallel routing (see meshrt/ops/moe.hpp).
#include "meshrt/ops/moe.hpp"

#include <algorithm>
#include <cmath>

#include <cblas.h>

#include "kernel_util.hpp"

namespace meshrt::ops {

using detail::fail;
using detail::to_f32;

namespace {

int64_t rows_of(const HostTensor& t) {
  const int64_t width = t.shape().empty() ? 1 : t.shape().back();
  return width > 0 ? t.volume() / width : 0;
}

void expect_operands(const binary::Op& op, std::span<const HostTensor* const> in, size_t n) {
  if (in.size() != n)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("expected {} operands, got {}", n, in.size()));
}

int64_t width_of(const HostTensor& t) { return t.shape().empty() ? 1 : t.shape().back(); }

// The expert held at flat index i of an index tensor, checked against the expert count.
int64_t expert_at(const binary::Op& op, const HostTensor& indices, int64_t i, int64_t experts) {
  const double v = indices.at(i);
  const auto e = static_cast<int64_t>(v);
  if (v != static_cast<double>(e) || e < 0 || e >= experts)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("expert index {} (element {} of the indices) is not an expert (0 to {})", v, i,
                     experts - 1));
  return e;
}

// The device owning expert e in an owner table (row 0 of a [.., E] mapping of device ids).
double owner_of(const HostTensor& mapping, int64_t e) { return mapping.at(e); }

// One-hot mapping [1, 1, E, devices]: does `device` own expert e?
bool owns(const HostTensor& mapping, int64_t e, uint32_t device) {
  return mapping.at(e * width_of(mapping) + device) != 0.0;
}

// The experts `device` owns, ascending.
std::vector<int64_t> local_experts(const binary::Op& op, const HostTensor& mapping,
                                   DeviceId device) {
  const Shape& s = mapping.shape();
  if (s.size() != 4 || device.value >= static_cast<uint64_t>(s[3]))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("expert_mapping {} has no column for device {}", shape_to_string(s),
                     device.value));
  std::vector<int64_t> out;
  for (int64_t e = 0; e < s[2]; ++e)
    if (owns(mapping, e, device.value)) out.push_back(e);
  return out;
}

size_t ring_position(const binary::Op& op, DeviceId self, std::span<const DeviceId> ring) {
  const int64_t n = op.int_attr("num_devices");
  if (n != static_cast<int64_t>(ring.size()))
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("num_devices {} is not the {} devices along cluster_axis {}", n, ring.size(),
                     op.int_attr_or("cluster_axis", 0)));
  return static_cast<size_t>(std::find(ring.begin(), ring.end(), self) - ring.begin());
}

// all_to_all_dispatch(input [B, S, 1, H] or [B, 1, S, H], indices [.., K], mapping [1, 1, E,
// devices]): token r = b * S + s of the device at ring position p becomes row p * B * S + r of
// `dispatched` on every ring device that owns one of its experts, and of `metadata` on every
// ring device.
void dispatch_routes(const binary::Op& op, DeviceId self, std::span<const DeviceId> ring,
                     std::span<const HostTensor* const> in, std::vector<RowRoute>& routes) {
  const size_t p = ring_position(op, self, ring);
  const HostTensor &indices = *in[1], &mapping = *in[2];
  const int64_t tokens = rows_of(*in[0]), k = width_of(indices), experts = mapping.shape()[2];
  for (int64_t r = 0; r < tokens; ++r) {
    const int64_t dest = static_cast<int64_t>(p) * tokens + r;
    for (DeviceId t : ring) {
      bool routed = false;
      for (int64_t j = 0; j < k; ++j)
        routed |= owns(mapping, expert_at(op, indices, r * k + j, experts), t.value);
      if (routed) routes.push_back({0, r, 0, t.value, dest});
      routes.push_back({1, r, 1, t.value, dest});
    }
  }
}

// all_to_all_dispatch_metadata(input [1, 1, M, H], indices [1, 1, M, K], scores [1, 1, M, K],
// mapping [1, 1, D, E]): token m of ring position p becomes row p * M + m of `dispatched` on
// the ring devices that own one of its experts (mapping row 0: the owner of each expert), and of
// the indices and scores on every ring device.
void dispatch_metadata_routes(const binary::Op& op, DeviceId self, std::span<const DeviceId> ring,
                              std::span<const HostTensor* const> in,
                              std::vector<RowRoute>& routes) {
  const size_t p = ring_position(op, self, ring);
  const HostTensor &indices = *in[1], &mapping = *in[3];
  const int64_t tokens = rows_of(*in[0]), k = width_of(indices), experts = width_of(mapping);
  for (int64_t m = 0; m < tokens; ++m) {
    const int64_t dest = static_cast<int64_t>(p) * tokens + m;
    for (DeviceId t : ring) {
      bool routed = false;
      for (int64_t j = 0; j < k; ++j)
        routed |=
            mapping.at(expert_at(op, indices, m * k + j, experts)) == static_cast<double>(t.value);
      if (routed) routes.push_back({0, m, 0, t.value, dest});
      routes.push_back({1, m, 1, t.value, dest});
      routes.push_back({2, m, 2, t.value, dest});
    }
  }
}

// all_to_all_combine(input [E_local, BD, S, H], metadata [1, BD, S, K], mapping [1, 1, E,
// devices]) -> [K, Bo, So, H]: for every token (b, s) and slot k whose expert e is local
// expert le of this device, row (le, b, s) goes to slot (k, b', s') of the token's home device
// (output_shard_dim 1: batches split along the ring, 2: sequence positions).
void combine_routes(const binary::Op& op, DeviceId self, std::span<const DeviceId> ring,
                    std::span<const HostTensor* const> in, const Shape& out_shape,
                    std::vector<RowRoute>& routes) {
  ring_position(op, self, ring);
  const HostTensor &input = *in[0], &metadata = *in[1], &mapping = *in[2];
  const std::vector<int64_t> mine = local_experts(op, mapping, self);
  if (static_cast<int64_t>(mine.size()) > input.shape()[0])
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("device {} owns {} experts but its input holds {}", self.value, mine.size(),
                     input.shape()[0]));
  const int64_t batches = metadata.shape()[1], seq = metadata.shape()[2];
  const int64_t k = width_of(metadata), experts = mapping.shape()[2];
  const int64_t out_b = out_shape[1], out_s = out_shape[2];
  const bool by_batch = op.int_attr_or("output_shard_dim", 2) == 1;
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t s = 0; s < seq; ++s)
      for (int64_t j = 0; j < k; ++j) {
        const int64_t e = expert_at(op, metadata, (b * seq + s) * k + j, experts);
        const auto it = std::find(mine.begin(), mine.end(), e);
        if (it == mine.end()) continue;
        const int64_t le = it - mine.begin();
        const int64_t home = by_batch ? b / out_b : s / out_s;
        const int64_t bl = by_batch ? b % out_b : b, sl = by_batch ? s : s % out_s;
        if (home >= static_cast<int64_t>(ring.size())) continue;  // the verifier sizes it
        routes.push_back({0, (le * batches + b) * seq + s, 0, ring[static_cast<size_t>(home)].value,
                          (j * out_b + bl) * out_s + sl});
      }
}

// x [m, k] times w [k, n] (row-major, f32 accumulation) into out [m, n].
void gemm(const float* x, const float* w, int64_t m, int64_t k, int64_t n, float* out) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), 1.0f, x, static_cast<int>(k), w, static_cast<int>(n), 0.0f, out,
              static_cast<int>(n));
}

// moe_compute(tilize_input [.., T, H], indices [.., T, K], scores, mapping [.., E], w0, w1
// [L, E_local, H, N], w2 [L, E_local, N, H], bias_0?, bias_1? [L, E_local, N], bias_2?
// [L, E_local, H]) -> [K, T / n, H]: this chip runs its local experts' FFN (layer layer_id) on
// the tokens that chose them, read from its own dispatched buffer, and sends each result to
// slot k of the token's home chip (ring position token / (T / n)). f32 throughout, rounded
// once into the result dtype.
void compute_experts(const binary::Op& op, DeviceId self, std::span<const DeviceId> ring,
                     std::span<const HostTensor* const> in, DataType dtype, ExpertStep& step) {
  const std::vector<int> seg = op.segment_operands(10);
  for (size_t r = 0; r < 7; ++r)
    if (seg[r] < 0)
      fail(ErrorCode::kInvalidArgument, op, "the seven tensors before the biases are required");
  auto at = [&](size_t role) -> const HostTensor& { return *in[static_cast<size_t>(seg[role])]; };
  const HostTensor &input = at(0), &indices = at(1), &mapping = at(3);
  const HostTensor &w0 = at(4), &w1 = at(5), &w2 = at(6);
  const int64_t tokens = rows_of(input), hidden = width_of(input), k = width_of(indices);
  const int64_t experts = width_of(mapping), n = static_cast<int64_t>(ring.size());
  const int64_t local = w0.shape()[1], inter = w0.shape()[3];
  const int64_t layer = op.int_attr("layer_id");
  if (tokens % n != 0 || rows_of(indices) != tokens)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("{} tokens do not split over the {} ring devices", tokens, n));
  const int64_t per_device = tokens / n;
  std::vector<int64_t> mine;
  for (int64_t e = 0; e < experts; ++e)
    if (owner_of(mapping, e) == static_cast<double>(self.value)) mine.push_back(e);
  if (static_cast<int64_t>(mine.size()) > local)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("device {} owns {} experts but its weights hold {}", self.value, mine.size(),
                     local));
  const bool swiglu =
      op.has_attr("activation_function") && op.string_attr("activation_function") == "swiglu";
  // The expert matrices of this layer, widened to f32 once.
  const std::vector<float> f0 = to_f32(w0), f1 = to_f32(w1), f2 = to_f32(w2);
  const std::vector<float> x_all = to_f32(input);
  std::vector<std::vector<float>> bias(3);
  for (size_t b = 0; b < 3; ++b)
    if (seg[7 + b] >= 0) bias[b] = to_f32(at(7 + b));
  std::vector<float> out_rows;  // staged rows, in route order
  for (size_t le = 0; le < mine.size(); ++le) {
    // The tokens that chose this expert, and the slots they chose it in.
    std::vector<int64_t> chosen;
    std::vector<std::pair<int64_t, int64_t>> slots;  // (row of `chosen`, k)
    for (int64_t g = 0; g < tokens; ++g)
      for (int64_t j = 0; j < k; ++j)
        if (expert_at(op, indices, g * k + j, experts) == mine[le]) {
          if (chosen.empty() || chosen.back() != g) chosen.push_back(g);
          slots.push_back({static_cast<int64_t>(chosen.size()) - 1, j});
        }
    if (chosen.empty()) continue;
    const auto m = static_cast<int64_t>(chosen.size());
    std::vector<float> x(static_cast<size_t>(m * hidden));
    for (int64_t r = 0; r < m; ++r)
      std::copy_n(x_all.begin() + chosen[static_cast<size_t>(r)] * hidden, hidden,
                  x.begin() + r * hidden);
    const size_t w_at =
        static_cast<size_t>((layer * local + static_cast<int64_t>(le)) * hidden * inter);
    std::vector<float> gate(static_cast<size_t>(m * inter)), up(gate.size());
    gemm(x.data(), f0.data() + w_at, m, hidden, inter, gate.data());
    gemm(x.data(), f1.data() + w_at, m, hidden, inter, up.data());
    const size_t b_at = static_cast<size_t>((layer * local + static_cast<int64_t>(le)) * inter);
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = 0; c < inter; ++c) {
        float& g = gate[static_cast<size_t>(r * inter + c)];
        float& u = up[static_cast<size_t>(r * inter + c)];
        if (!bias[0].empty()) g += bias[0][b_at + static_cast<size_t>(c)];
        if (!bias[1].empty()) u += bias[1][b_at + static_cast<size_t>(c)];
        if (swiglu) {
          const float gc = std::min(g, 7.0f), uc = std::clamp(u, -7.0f, 7.0f);
          g = (uc + 1.0f) * gc / (1.0f + std::exp(-1.702f * gc));
        } else {
          g = g / (1.0f + std::exp(-g)) * u;
        }
      }
    std::vector<float> y(static_cast<size_t>(m * hidden));
    gemm(gate.data(), f2.data() + w_at, m, inter, hidden, y.data());
    if (!bias[2].empty())
      for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < hidden; ++c)
          y[static_cast<size_t>(r * hidden + c)] +=
              bias[2][static_cast<size_t>((layer * local + static_cast<int64_t>(le)) * hidden + c)];
    const auto first = static_cast<int64_t>(out_rows.size()) / std::max<int64_t>(hidden, 1);
    out_rows.insert(out_rows.end(), y.begin(), y.end());
    for (const auto& [r, j] : slots) {
      const int64_t g = chosen[static_cast<size_t>(r)];
      step.routes.push_back({RowRoute::kStaged, first + r, 0,
                             ring[static_cast<size_t>(g / per_device)].value,
                             j * per_device + g % per_device});
    }
  }
  step.staged = HostTensor(
      Shape{static_cast<int64_t>(out_rows.size()) / std::max<int64_t>(hidden, 1), hidden}, dtype);
  detail::from_f32(out_rows, step.staged);
}

// topk_router_gpt(input [B, H], weight [H, E], bias [B, E]) -> indices [B, k], weights [B, k]:
// logits = input . weight (f32 accumulation, rounded to the input dtype) + bias (rounded
// again), the k largest (ties: the lower expert first), and softmax over those k.
void topk_router_kernel(const binary::Op& op, detail::Inputs in, detail::Outputs out) {
  detail::expect_arity(op, in, 3, 3, out, 2);
  const HostTensor &x = *in[0], &w = *in[1], &bias = *in[2];
  const int64_t batch = x.shape()[0], hidden = x.shape()[1], experts = w.shape()[1];
  const int64_t k = op.int_attr("k");
  const std::vector<float> xf = detail::to_f32(x), wf = detail::to_f32(w);
  std::vector<float> logits(static_cast<size_t>(batch * experts));
  gemm(xf.data(), wf.data(), batch, hidden, experts, logits.data());
  const DataType dt = x.dtype();
  auto round = [&](float v) {
    return dt == DataType::kBFloat16 ? bf16_bits_to_float(float_to_bf16_bits(v)) : v;
  };
  std::vector<int64_t> order(static_cast<size_t>(experts));
  for (int64_t b = 0; b < batch; ++b) {
    float* row = logits.data() + b * experts;
    for (int64_t e = 0; e < experts; ++e)
      row[e] = round(round(row[e]) + static_cast<float>(bias.at(b * experts + e)));
    for (int64_t e = 0; e < experts; ++e) order[static_cast<size_t>(e)] = e;
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t c) { return row[a] > row[c]; });
    const float peak = row[order[0]];
    float total = 0;
    for (int64_t j = 0; j < k; ++j) total += std::exp(row[order[static_cast<size_t>(j)]] - peak);
    for (int64_t j = 0; j < k; ++j) {
      const int64_t e = order[static_cast<size_t>(j)];
      out[0]->set(b * k + j, static_cast<double>(e));
      out[1]->set(b * k + j, std::exp(row[e] - peak) / total);
    }
  }
}

}  // namespace

ExpertStep expert_step(const binary::Op& op, DeviceId self, std::span<const DeviceId> ring,
                       std::span<const HostTensor* const> in, std::span<const Shape> results,
                       DataType result_dtype) {
  ExpertStep step;
  std::vector<RowRoute>& routes = step.routes;
  if (op.name == "all_to_all_dispatch") {
    expect_operands(op, in, 3);
    dispatch_routes(op, self, ring, in, routes);
  } else if (op.name == "all_to_all_dispatch_metadata") {
    expect_operands(op, in, 4);
    dispatch_metadata_routes(op, self, ring, in, routes);
  } else if (op.name == "all_to_all_combine") {
    expect_operands(op, in, 3);
    if (results.size() != 1 || results[0].size() != 4)
      fail(ErrorCode::kInvalidArgument, op, "all_to_all_combine has one result [K, B, S, H]");
    combine_routes(op, self, ring, in, results[0], routes);
  } else if (op.name == "moe_compute") {
    if (results.size() != 1 || results[0].size() != 3)
      fail(ErrorCode::kInvalidArgument, op, "moe_compute has one result [K, tokens, H]");
    compute_experts(op, self, ring, in, result_dtype, step);
  } else {
    fail(ErrorCode::kUnsupported, op, "is not an expert-parallel step");
  }
  return step;
}

void expert_token_remap(const binary::Op& op, DeviceId self, std::span<const HostTensor* const> in,
                        std::span<HostTensor* const> out) {
  expect_operands(op, in, 3);
  if (out.size() != 2) fail(ErrorCode::kInvalidArgument, op, "needs two results");
  const HostTensor &topk = *in[0], &mapping = *in[1], &metadata = *in[2];
  HostTensor &weights = *out[0], &reduced = *out[1];
  const std::vector<int64_t> mine = local_experts(op, mapping, self);
  const int64_t local = width_of(weights);
  if (static_cast<int64_t>(mine.size()) != local)
    fail(ErrorCode::kInvalidArgument, op,
         fmt::format("device {} owns {} experts, the mapping result has {} columns", self.value,
                     mine.size(), local));
  const int64_t tokens = rows_of(topk), experts = width_of(topk), k = width_of(metadata);
  const int64_t chunk = op.int_attr("reduction_size");
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t j = 0; j < local; ++j) {
      bool selected = false;
      for (int64_t s = 0; s < k; ++s)
        selected |= expert_at(op, metadata, t * k + s, experts) == mine[static_cast<size_t>(j)];
      if (!selected) continue;
      weights.set(t * local + j, topk.at(t * experts + mine[static_cast<size_t>(j)]));
      reduced.set((t / chunk) * local + j, 1.0);
    }
}

namespace detail {
void register_moe(KernelTable& table) { table["topk_router_gpt"] = topk_router_kernel; }
}  // namespace detail

}  // namespace meshrt::ops
