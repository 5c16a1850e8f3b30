// Expert-parallel routing (see meshrt/ops/moe.hpp).
#include "meshrt/ops/moe.hpp"

#include <algorithm>
#include <cmath>

#include "kernel_util.hpp"

namespace meshrt::ops {

using detail::fail;

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

}  // namespace

std::vector<RowRoute> expert_routes(const binary::Op& op, DeviceId self,
                                    std::span<const DeviceId> ring,
                                    std::span<const HostTensor* const> in,
                                    std::span<const Shape> results) {
  std::vector<RowRoute> routes;
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
  } else {
    fail(ErrorCode::kUnsupported, op, "is not an expert-parallel exchange");
  }
  return routes;
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

}  // namespace meshrt::ops
