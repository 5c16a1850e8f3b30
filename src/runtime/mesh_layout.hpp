// Reshaping a box of chips: which chip of the box becomes each device of the new shape, so that
// mesh neighbours stay physical (Ethernet) neighbours. Pure functions; thread-safe.
#pragma once

#include <vector>

#include "meshrt/mesh/cluster.hpp"

namespace meshrt::runtime {

// A walk through every position of `box` (row-major indices into it) in which consecutive
// positions are grid neighbours: a ring when one exists (an even side), else a snake.
std::vector<uint32_t> snake_order(const MeshShape& box);

// order[d] = row-major index into `box` of the chip that becomes device d of `to`.
// `physical[i]`: the cluster id of the box's chip i (for link checks).
// Throws Error(kInvalidArgument) for a zero or volume-mismatched shape, Error(kIncompatible)
// when two neighbours of `to` along a line would sit on chips with no Ethernet link.
std::vector<uint32_t> reshape_order(const ClusterDesc& cluster, const MeshShape& box,
                                    const std::vector<DeviceId>& physical, const MeshShape& to);

}  // namespace meshrt::runtime
