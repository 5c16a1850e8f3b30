// Expert-parallel (mixture-of-experts) steps as pure functions on one device's shards: where
// the rows of its operands land on the devices of its ring (the executor moves them, each row
// once per receiving rank), and the per-device remap of routing weights. Nothing here
// communicates; all functions are thread-safe.
//
// Semantics (docs/architecture.md, "Mixture of experts"): the ring of a device is its line
// along cluster_axis; expert_mapping [1, 1, E, devices] is one-hot (entry [e, d] != 0: device d
// owns expert e), except for all_to_all_dispatch_metadata whose [1, 1, D, E] mapping holds, in
// row 0, the device that owns each expert. A device's local experts are the experts it owns,
// in ascending order. Slots nothing is routed to stay zero.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/mesh/mesh.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::ops {

// Row `src_row` of operand `operand` (rows along its last dim) becomes row `dest_row` of
// result `result` on device `device`.
struct RowRoute {
  uint8_t operand = 0;
  int64_t src_row = 0;
  uint8_t result = 0;
  uint32_t device = 0;
  int64_t dest_row = 0;
};

// all_to_all_dispatch, all_to_all_dispatch_metadata and all_to_all_combine on device `self`,
// whose ring (the devices along cluster_axis, in order, self among them) is `ring`; `in` are
// self's operands, `results` the op's result shapes. Throws Error(kInvalidArgument) naming the op
// for an expert index that is not an expert, or a ring that is not num_devices long.
std::vector<RowRoute> expert_routes(const binary::Op& op, DeviceId self,
                                    std::span<const DeviceId> ring,
                                    std::span<const HostTensor* const> in,
                                    std::span<const Shape> results);

// moe_expert_token_remap on device `self`: mapping[.., j] is the routing weight of local
// expert j for tokens that selected it (0 otherwise); reduced[0, 0, c, j] is 1 when a token of
// chunk c (reduction_size tokens) selected local expert j. `out` is zeroed.
void expert_token_remap(const binary::Op& op, DeviceId self, std::span<const HostTensor* const> in,
                        std::span<HostTensor* const> out);

}  // namespace meshrt::ops
