// The simulated mesh as one rank sees it: the global mesh shape, the box of it each rank owns,
// and the chips this rank creates (only its own box).
//
// Not thread-safe: one executor thread drives a MeshContext (device kernels may run on worker
// threads, each touching only its own chip's tensors).
#pragma once

#include <memory>
#include <vector>

#include "meshrt/comm/communicator.hpp"
#include "meshrt/device/device.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "meshrt/mesh/mesh.hpp"

namespace meshrt::runtime {

// Which rank holds each chip of `box` (a box of the cluster's mesh), row-major over the box:
//  - with one rank per host of the cluster (hosts.size() == num_ranks > 1), the rank of the
//    host whose box holds the chip: a mesh inside one host's box runs on that rank alone;
//  - otherwise the box split evenly (split_evenly) over the most ranks it splits over, ranks
//    0..k-1 in order; the other ranks hold none of its chips and take no part in its programs
//    (a 1x1 mesh under 2 ranks runs on rank 0, a 1x2 mesh under 4 ranks on ranks 0 and 1).
// Ranks below `first_rank` hold no chips (a controller's world: Communicator::first_host_rank):
// the rules above apply to ranks first_rank..num_ranks-1 as if they were 0..
// Throws Error(kIncompatible) if the box does not lie inside the cluster's mesh.
std::vector<int> chip_owners(const ClusterDesc& cluster, const MeshBox& box, int num_ranks,
                             int first_rank = 0);

// One device of a mesh: the physical chip (its id in the cluster), the rank that holds it and,
// on that rank only, the simulated chip itself (shared between a mesh and its reshaped views
// and sub-meshes).
struct ChipSlot {
  DeviceId physical;
  int owner = -1;
  std::shared_ptr<device::Device> chip;
};

class MeshContext {
 public:
  // Creates the chips this rank holds (chip_owners) of the `mesh` box at `offset` of the
  // cluster's mesh; chips are numbered by their id in `mesh`. `comm` must outlive the context.
  MeshContext(const ClusterDesc& cluster, const MeshShape& mesh, comm::Communicator& comm,
              MeshCoordinate offset = {});
  // A view over chips another context created (a reshape or a sub-mesh): slots[d] is logical
  // device d of `mesh` (row-major). Throws Error(kInvalidArgument) if the slot count is not
  // mesh.volume().
  MeshContext(const ClusterDesc& cluster, const MeshShape& mesh, comm::Communicator& comm,
              std::vector<ChipSlot> slots);

  const ClusterDesc& cluster() const { return cluster_; }
  const MeshShape& shape() const { return mesh_; }
  comm::Communicator& comm() { return *comm_; }
  int rank() const { return comm_->rank(); }
  int num_ranks() const { return comm_->size(); }
  bool is_controller() const { return comm_->rank() == 0; }

  // Rank that owns a device of the mesh.
  int owner(DeviceId device) const;
  // Devices of this rank, row-major within its box.
  const std::vector<DeviceId>& local_devices() const { return local_ids_; }
  // Index of a device among local_devices(), or -1 when another rank owns it.
  int local_index(DeviceId device) const;
  device::Device& device(size_t local_index) { return *devices_[local_index]; }
  // Every device of the mesh, by logical id.
  const std::vector<ChipSlot>& slots() const { return slots_; }
  DeviceId physical_id(DeviceId device) const { return slots_.at(device.value).physical; }
  const device::Device& device(size_t local_index) const { return *devices_[local_index]; }

 private:
  ClusterDesc cluster_;
  MeshShape mesh_;
  comm::Communicator* comm_;
  std::vector<int> owner_;        // per device id
  std::vector<int> local_index_;  // per device id
  std::vector<DeviceId> local_ids_;
  std::vector<std::shared_ptr<device::Device>> devices_;
  std::vector<ChipSlot> slots_;
};

}  // namespace meshrt::runtime
