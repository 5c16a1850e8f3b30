#include "meshrt/runtime/mesh_context.hpp"

#include <fmt/format.h>

#include "meshrt/common/error.hpp"

namespace meshrt::runtime {

std::vector<MeshBox> place_mesh(const ClusterDesc& cluster, const MeshShape& mesh,
                                int num_ranks) {
  if (mesh.volume() > cluster.mesh.volume()) {
    raise(ErrorCode::kIncompatible,
          fmt::format("the program needs a {} mesh ({} chips) but cluster '{}' has {} chips ({})",
                      mesh.to_string(), mesh.volume(), cluster.name, cluster.mesh.volume(),
                      cluster.mesh.to_string()));
  }
  if (mesh == cluster.mesh && cluster.hosts.size() == static_cast<size_t>(num_ranks)) {
    std::vector<MeshBox> boxes;
    for (const auto& h : cluster.hosts) boxes.push_back(h.box);
    return boxes;
  }
  return split_evenly(mesh, static_cast<uint32_t>(num_ranks));
}

MeshContext::MeshContext(const ClusterDesc& cluster, const MeshShape& mesh,
                         comm::Communicator& comm, MeshCoordinate offset)
    : cluster_(cluster), mesh_(mesh), comm_(&comm) {
  boxes_ = place_mesh(cluster, mesh, comm.size());
  owner_.assign(mesh.volume(), -1);
  local_index_.assign(mesh.volume(), -1);
  for (size_t r = 0; r < boxes_.size(); ++r) {
    for (uint32_t d = 0; d < mesh.volume(); ++d) {
      if (boxes_[r].contains(mesh.coord_of(DeviceId{d}))) owner_[d] = static_cast<int>(r);
    }
  }
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    if (owner_[d] < 0) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("device {} of the {} mesh is owned by no rank", d, mesh.to_string()));
    }
    if (owner_[d] == comm.rank()) {
      local_index_[d] = static_cast<int>(local_ids_.size());
      local_ids_.push_back(DeviceId{d});
      devices_.push_back(std::make_shared<device::Device>(DeviceId{d}, cluster.chip));
    }
  }
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    MeshCoordinate c = mesh.coord_of(DeviceId{d});
    MeshCoordinate at{c.row + offset.row, c.col + offset.col};
    DeviceId physical = cluster.mesh.contains(at) ? cluster.mesh.device_at(at) : DeviceId{d};
    int local = local_index_[d];
    slots_.push_back({physical, owner_[d], local >= 0 ? devices_[static_cast<size_t>(local)] : nullptr});
  }
}

MeshContext::MeshContext(const ClusterDesc& cluster, const MeshShape& mesh,
                         comm::Communicator& comm, std::vector<ChipSlot> slots)
    : cluster_(cluster), mesh_(mesh), comm_(&comm), slots_(std::move(slots)) {
  if (slots_.size() != mesh.volume()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("a {} mesh needs {} chips, got {}", mesh.to_string(), mesh.volume(),
                      slots_.size()));
  }
  owner_.assign(mesh.volume(), -1);
  local_index_.assign(mesh.volume(), -1);
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    owner_[d] = slots_[d].owner;
    if (slots_[d].owner == comm.rank()) {
      if (!slots_[d].chip) {
        raise(ErrorCode::kInternal, fmt::format("device {} of this rank has no chip", d));
      }
      local_index_[d] = static_cast<int>(local_ids_.size());
      local_ids_.push_back(DeviceId{d});
      devices_.push_back(slots_[d].chip);
    }
  }
}

int MeshContext::owner(DeviceId device) const { return owner_.at(device.value); }

int MeshContext::local_index(DeviceId device) const { return local_index_.at(device.value); }

}  // namespace meshrt::runtime
