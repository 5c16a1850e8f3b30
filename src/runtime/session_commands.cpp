// Session::execute: what each command does on the rank executing it (rank 0 for its own API
// calls, every worker in serve()), the same code on every rank.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <variant>

#include "meshrt/common/error.hpp"
#include "meshrt/mesh/placement.hpp"
#include "meshrt/report/memory_json.hpp"
#include "meshrt/verify/verify.hpp"
#include "session.hpp"

namespace meshrt::runtime::detail {

namespace {

MeshEntry make_entry(const ClusterDesc& cluster, comm::Communicator& comm,
                     std::vector<ChipSlot> base, const MeshShape& box, const MeshShape& shape) {
  MeshEntry e;
  e.base = std::move(base);
  e.box = box;
  std::vector<DeviceId> physical;
  for (const auto& s : e.base) physical.push_back(s.physical);
  std::vector<uint32_t> order = meshrt::reshape_order(cluster, box, physical, shape);
  std::vector<ChipSlot> slots;
  for (uint32_t i : order) slots.push_back(e.base[i]);
  e.view = std::make_shared<MeshContext>(cluster, shape, comm, std::move(slots));
  return e;
}

}  // namespace

std::vector<uint8_t> Session::execute(const wire::Command& c) {
  return std::visit([this](const auto& command) { return apply(command); }, c.body);
}

std::vector<uint8_t> Session::apply(const wire::LoadBinary& c) {
  binary::LoadOptions lo;
  lo.ignore_version = c.ignore_version;
  binaries[BinaryHandle{c.binary}] =
      std::make_shared<const binary::Binary>(verify::load_verified(c.bytes, c.name, lo));
  return {};
}

std::vector<uint8_t> Session::apply(const wire::ReleaseBinary& c) {
  binaries.erase(BinaryHandle{c.binary});
  return {};
}

std::vector<uint8_t> Session::apply(const wire::OpenMesh& c) {
  ClusterDesc cluster = cluster_from_json_text(c.cluster_json, "cluster of the opened mesh");
  cluster.chip.l1_small_bytes = c.l1_small_size;
  cluster.chip.trace_region_bytes = c.trace_region_size;
  // The chips (a box of the cluster) and the shape the mesh has over them.
  MeshBox box = meshrt::box_of(cluster, c.device_ids);
  if (box.offset.row + box.shape.rows > cluster.mesh.rows ||
      box.offset.col + box.shape.cols > cluster.mesh.cols) {
    raise(ErrorCode::kIncompatible,
          fmt::format("a {} mesh at offset ({},{}) does not fit cluster '{}' ({})",
                      box.shape.to_string(), box.offset.row, box.offset.col, cluster.name,
                      cluster.mesh.to_string()));
  }
  MeshContext root(cluster, box.shape, comm(), box.offset);
  MeshEntry e = make_entry(cluster, comm(), root.slots(), box.shape, c.shape);
  e.l1_small_size = c.l1_small_size;
  e.trace_region_size = c.trace_region_size;
  meshes[MeshHandle{c.mesh}] = std::move(e);
  return {};
}

// A mesh and every sub-mesh carved from it, at any depth.
std::vector<uint8_t> Session::apply(const wire::CloseMesh& c) {
  std::vector<MeshHandle> doomed{MeshHandle{c.mesh}};
  for (size_t i = 0; i < doomed.size(); ++i) {
    for (const auto& [h, e] : meshes)
      if (e.parent == doomed[i]) doomed.push_back(h);
  }
  for (MeshHandle h : doomed) {
    meshes.erase(h);
    last_runs.erase(h);
  }
  return {};
}

std::vector<uint8_t> Session::apply(const wire::ReshapeMesh& c) {
  MeshEntry& m = mesh(MeshHandle{c.mesh});
  MeshEntry e = make_entry(m.view->cluster(), comm(), m.base, m.box, c.shape);
  m.view = e.view;
  return {};
}

std::vector<uint8_t> Session::apply(const wire::CreateSubMesh& c) {
  MeshEntry& parent = mesh(MeshHandle{c.parent});
  const MeshShape& ps = parent.view->shape();
  if (c.shape.rows == 0 || c.shape.cols == 0 || c.offset.row + c.shape.rows > ps.rows ||
      c.offset.col + c.shape.cols > ps.cols) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("sub-mesh {} at offset ({},{}) does not fit its {} parent mesh",
                      c.shape.to_string(), c.offset.row, c.offset.col, ps.to_string()));
  }
  std::vector<ChipSlot> slots;
  for (uint32_t d = 0; d < c.shape.volume(); ++d) {
    MeshCoordinate sc = c.shape.coord_of(DeviceId{d});
    slots.push_back(
        parent.view->slots()[ps.device_at({sc.row + c.offset.row, sc.col + c.offset.col}).value]);
  }
  MeshEntry e = make_entry(parent.view->cluster(), comm(), slots, c.shape, c.shape);
  e.parent = MeshHandle{c.parent};
  e.l1_small_size = parent.l1_small_size;
  e.trace_region_size = parent.trace_region_size;
  meshes[MeshHandle{c.mesh}] = std::move(e);
  return {};
}

std::vector<uint8_t> Session::apply(const wire::Submit&) {
  raise(ErrorCode::kInternal, "a Submit runs as a job, not as a command");
}

// This rank's chips of the mesh, as JSON.
std::vector<uint8_t> Session::apply(const wire::MemoryView& c) {
  MeshContext& m = *mesh(MeshHandle{c.mesh}).view;
  nlohmann::json views = nlohmann::json::array();
  for (size_t l = 0; l < m.local_devices().size(); ++l) {
    device::MemoryView v = m.device(l).memory_view();
    v.device = m.local_devices()[l];  // the device's id in this mesh
    views.push_back(report::memory_view_to_json(v));
  }
  std::string text = views.dump();
  return {text.begin(), text.end()};
}

std::vector<uint8_t> Session::apply(const wire::Shutdown&) { return {}; }

}  // namespace meshrt::runtime::detail
