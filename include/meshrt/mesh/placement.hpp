// Where a mesh sits on a cluster: the box of chips it opens on, the box a set of device ids
// covers, and, reshaping a box, which chip becomes each device of the new shape so that mesh
// neighbours stay physical (Ethernet) neighbours. Pure functions; thread-safe.
#pragma once

#include <vector>

#include "meshrt/mesh/cluster.hpp"

namespace meshrt {

// A walk through every position of `box` (row-major indices into it) in which consecutive
// positions are grid neighbours: a ring when one exists (an even side), else a snake.
std::vector<uint32_t> snake_order(const MeshShape& box);

// order[d] = row-major index into `box` of the chip that becomes device d of `to`.
// `physical[i]`: the cluster id of the box's chip i (for link checks).
// Throws Error(kInvalidArgument) for a zero or volume-mismatched shape, Error(kIncompatible)
// when two neighbours of `to` along a line would sit on chips with no Ethernet link.
std::vector<uint32_t> reshape_order(const ClusterDesc& cluster, const MeshShape& box,
                                    const std::vector<DeviceId>& physical, const MeshShape& to);

// The box of `cluster` a mesh of `shape` opens on: `shape` itself at `offset` when it fits,
// else a box of the same volume (its transpose first, then the squarest) to reshape. Throws
// Error(kIncompatible) naming both shapes when none fits.
MeshBox choose_box(const ClusterDesc& cluster, const MeshShape& shape, MeshCoordinate offset);

// The box of `cluster` covered by device `ids` (they must fill it exactly, each once). Throws
// Error(kInvalidArgument) for an id outside the cluster or ids that do not form a box.
MeshBox box_of(const ClusterDesc& cluster, const std::vector<uint32_t>& ids);

}  // namespace meshrt
