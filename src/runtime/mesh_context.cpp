#include "meshrt/runtime/mesh_context.hpp"

#include <fmt/format.h>

#include "meshrt/common/error.hpp"

namespace meshrt::runtime {

std::vector<int> chip_owners(const ClusterDesc& cluster, const MeshBox& box, int num_ranks,
                             int first_rank) {
  if (first_rank > 0) {
    std::vector<int> owners = chip_owners(cluster, box, num_ranks - first_rank);
    for (int& r : owners) r += first_rank;
    return owners;
  }
  const MeshShape& c = cluster.mesh;
  if (box.offset.row + box.shape.rows > c.rows || box.offset.col + box.shape.cols > c.cols) {
    raise(ErrorCode::kIncompatible,
          fmt::format("the program needs a {} mesh ({} chips) but cluster '{}' has {} chips ({}){}",
                      box.shape.to_string(), box.shape.volume(), cluster.name, c.volume(),
                      c.to_string(),
                      box.shape.volume() <= c.volume()
                          ? fmt::format(" from offset ({},{})", box.offset.row, box.offset.col)
                          : ""));
  }
  std::vector<int> owners(box.shape.volume(), 0);
  if (num_ranks > 1 && cluster.hosts.size() == static_cast<size_t>(num_ranks)) {
    for (uint32_t d = 0; d < box.shape.volume(); ++d) {
      MeshCoordinate at = box.shape.coord_of(DeviceId{d});
      at = {at.row + box.offset.row, at.col + box.offset.col};
      owners[d] = static_cast<int>(host_index_of(cluster, c.device_at(at)));
    }
    return owners;
  }
  for (int k = std::min<int>(num_ranks, static_cast<int>(box.shape.volume())); k > 1; --k) {
    std::vector<MeshBox> parts;
    try {
      parts = split_evenly(box.shape, static_cast<uint32_t>(k));
    } catch (const Error&) {
      continue;
    }
    for (uint32_t d = 0; d < box.shape.volume(); ++d) {
      for (size_t r = 0; r < parts.size(); ++r) {
        if (parts[r].contains(box.shape.coord_of(DeviceId{d}))) owners[d] = static_cast<int>(r);
      }
    }
    break;
  }
  return owners;
}

MeshContext::MeshContext(const ClusterDesc& cluster, const MeshShape& mesh,
                         comm::Communicator& comm, MeshCoordinate offset)
    : cluster_(cluster), mesh_(mesh), comm_(&comm) {
  owner_ = chip_owners(cluster, MeshBox{offset, mesh}, comm.size(), comm.first_host_rank());
  local_index_.assign(mesh.volume(), -1);
  for (uint32_t d = 0; d < mesh.volume(); ++d) {
    MeshCoordinate c = mesh.coord_of(DeviceId{d});
    DeviceId physical = cluster.mesh.device_at({c.row + offset.row, c.col + offset.col});
    std::shared_ptr<device::Device> chip;
    if (owner_[d] == comm.rank()) {
      local_index_[d] = static_cast<int>(local_ids_.size());
      local_ids_.push_back(DeviceId{d});
      chip = std::make_shared<device::Device>(DeviceId{d}, cluster.chip);
      devices_.push_back(chip);
    }
    slots_.push_back({physical, owner_[d], std::move(chip)});
  }
}

MeshContext::MeshContext(const ClusterDesc& cluster, const MeshShape& mesh,
                         comm::Communicator& comm, std::vector<ChipSlot> slots)
    : cluster_(cluster), mesh_(mesh), comm_(&comm), slots_(std::move(slots)) {
  if (slots_.size() != mesh.volume()) {
    raise(ErrorCode::kInvalidArgument, fmt::format("a {} mesh needs {} chips, got {}",
                                                   mesh.to_string(), mesh.volume(), slots_.size()));
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
