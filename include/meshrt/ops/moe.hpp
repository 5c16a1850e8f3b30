// Expert-parallel (mixture-of-experts) steps as pure functions on one device's shards: where
// the rows of its operands land on the devices of its ring (the executor moves them, each row
// once per receiving rank), and the per-device remap of routing weights. Nothing here
// communicates; all functions are thread-safe.
//
// Semantics (docs/architecture.md, "Mixture of experts"): the ring of a device is its line
// along cluster_axis; expert_mapping [1, 1, E, devices] is one-hot (entry [e, d] != 0: device d
// owns expert e), except for all_to_all_dispatch_metadata whose [1, 1, D, E] mapping holds, in
// row 0, the device that owns each expert (so does moe_compute's, of any rank with E last).
// A device's local experts are the experts it owns,
// in ascending order. Slots nothing is routed to stay zero.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/mesh/mesh.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::ops {

// Row `src_row` of operand `operand` (rows along its last dim; kStaged: of the step's staged
// rows) becomes row `dest_row` of result `result` on device `device`.
struct RowRoute {
  static constexpr uint8_t kStaged = 255;
  uint8_t operand = 0;
  int64_t src_row = 0;
  uint8_t result = 0;
  uint32_t device = 0;
  int64_t dest_row = 0;
};

// What one chip contributes to an expert-parallel step: rows of its operands, or rows it
// computed (`staged`, in the result's dtype), and where each lands.
struct ExpertStep {
  std::vector<RowRoute> routes;
  HostTensor staged;
};

// all_to_all_dispatch, all_to_all_dispatch_metadata, all_to_all_combine and moe_compute on
// device `self`, whose ring (the devices along cluster_axis, in order, self among them) is
// `ring`; `in` are self's operands, `results` the op's result shapes and `result_dtype` its
// first result's dtype. Throws Error(kInvalidArgument) naming the op for an expert index that
// is not an expert, or a ring that is not num_devices long.
ExpertStep expert_step(const binary::Op& op, DeviceId self, std::span<const DeviceId> ring,
                       std::span<const HostTensor* const> in, std::span<const Shape> results,
                       DataType result_dtype);

// moe_expert_token_remap on device `self`: mapping[.., j] is the routing weight of local
// expert j for tokens that selected it (0 otherwise); reduced[0, 0, c, j] is 1 when a token of
// chunk c (reduction_size tokens) selected local expert j. `out` is zeroed.
void expert_token_remap(const binary::Op& op, DeviceId self, std::span<const HostTensor* const> in,
                        std::span<HostTensor* const> out);

}  // namespace meshrt::ops
