// tt::runtime: processes, binaries, meshes and program runs (see runtime.hpp).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>

#include "meshrt/binary/binary_io.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/mesh/placement.hpp"
#include "meshrt/report/memory_json.hpp"
#include "meshrt/report/perf_report.hpp"
#include "meshrt/runtime/debug.hpp"
#include "meshrt/runtime/runtime.hpp"
#include "meshrt/runtime/testing.hpp"
#include "session.hpp"
#include "tensor_state.hpp"

namespace tt::runtime {

using meshrt::ErrorCode;
using meshrt::MeshShape;
using meshrt::raise;
using meshrt::runtime::detail::BinaryHandle;
using meshrt::runtime::detail::MeshHandle;
using meshrt::runtime::detail::Session;
namespace wire = meshrt::runtime::wire;

namespace {

MeshHandle mesh_of(Device d) { return MeshHandle{d.handle()}; }

MeshShape shape_from(const std::vector<uint32_t>& v, const char* what) {
  if (v.size() != 2 || v[0] == 0 || v[1] == 0) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{} must be {{rows, cols}} with both non-zero, got [{}]", what,
                      fmt::join(v, ", ")));
  }
  return {v[0], v[1]};
}

meshrt::ClusterDesc resolve_cluster(const MeshDeviceOptions& o) {
  if (o.cluster) return *o.cluster;
  if (!o.clusterPath.empty()) return meshrt::binary::load_cluster_file(o.clusterPath);
  if (const char* env = std::getenv("TT_CLUSTER"); env && *env) {
    return meshrt::binary::load_cluster_file(env);
  }
  return meshrt::builtin_cluster("default");
}



}  // namespace

void setCommunicator(meshrt::comm::Communicator* comm) { Session::get().set_comm(comm); }

std::vector<int> shutdownWorkers() { return Session::get().shutdown_workers(); }

void setFabricConfig(meshrt::report::FabricConfig config) { Session::get().fabric = config; }

size_t getNumAvailableDevices() { return resolve_cluster({}).mesh.volume(); }

Binary Binary::loadFromPath(const char* path) {
  std::vector<uint8_t> bytes = meshrt::read_file_bytes(path);
  return loadFromBytes(bytes, path);
}

Binary Binary::loadFromBytes(std::span<const uint8_t> bytes, const std::string& name,
                             bool ignoreVersion) {
  Session& s = Session::get();
  const BinaryHandle handle = s.new_binary_handle();
  s.run_everywhere(wire::LoadBinary{handle.value, name, {bytes.begin(), bytes.end()}, ignoreVersion});
  return detail::Handles::binary(handle.value, s.binary(handle));
}

void releaseBinary(Binary binary) {
  Session& s = Session::get();
  s.binary(BinaryHandle{binary.id()});
  s.run_everywhere(wire::ReleaseBinary{binary.id()});
}

uint32_t Binary::getNumPrograms() const { return static_cast<uint32_t>(binary_->programs.size()); }
std::string Binary::getProgramName(uint32_t i) const { return binary_->programs.at(i).name; }
std::vector<uint32_t> Binary::getProgramMeshShape(uint32_t i) const {
  const MeshShape& m = binary_->programs.at(i).mesh_shape;
  return {m.rows, m.cols};
}

Device openMeshDevice(const meshrt::MeshShape& shape) {
  MeshDeviceOptions o;
  o.meshShape = std::vector<uint32_t>{shape.rows, shape.cols};
  return openMeshDevice(o);
}

Device openMeshDevice(const MeshDeviceOptions& o) {
  Session& s = Session::get();
  meshrt::ClusterDesc cluster = resolve_cluster(o);
  meshrt::validate_cluster(cluster);
  wire::OpenMesh c;
  c.mesh = s.new_mesh_handle().value;
  meshrt::MeshBox box;
  if (!o.deviceIds.empty()) {
    uint32_t r0 = UINT32_MAX, c0 = UINT32_MAX, r1 = 0, c1 = 0;
    for (int id : o.deviceIds) {
      if (id < 0 || static_cast<uint32_t>(id) >= cluster.mesh.volume()) {
        raise(ErrorCode::kInvalidArgument, fmt::format("device id {} is not a chip of cluster '{}' "
                                                       "({} chips)",
                                                       id, cluster.name, cluster.mesh.volume()));
      }
      auto at = cluster.mesh.coord_of(meshrt::DeviceId{static_cast<uint32_t>(id)});
      r0 = std::min(r0, at.row), c0 = std::min(c0, at.col);
      r1 = std::max(r1, at.row), c1 = std::max(c1, at.col);
      c.device_ids.push_back(static_cast<uint32_t>(id));
    }
    box = {{r0, c0}, {r1 - r0 + 1, c1 - c0 + 1}};
    c.shape = o.meshShape ? shape_from(*o.meshShape, "meshShape") : box.shape;
  } else {
    meshrt::MeshCoordinate offset;
    if (!o.meshOffset.empty()) {
      if (o.meshOffset.size() != 2)
        raise(ErrorCode::kInvalidArgument, "meshOffset must be {row, col}");
      offset = {o.meshOffset[0], o.meshOffset[1]};
    }
    c.shape = o.meshShape ? shape_from(*o.meshShape, "meshShape") : cluster.mesh;
    box = meshrt::choose_box(cluster, c.shape, offset);
    for (uint32_t d = 0; d < box.shape.volume(); ++d) {
      auto bc = box.shape.coord_of(meshrt::DeviceId{d});
      c.device_ids.push_back(
          cluster.mesh.device_at({bc.row + box.offset.row, bc.col + box.offset.col}).value);
    }
  }
  c.cluster_json = meshrt::cluster_to_json_text(cluster);
  c.l1_small_size = o.l1SmallSize;
  c.trace_region_size = o.traceRegionSize;
  s.run_everywhere(c);
  return detail::Handles::device(c.mesh);
}

void closeMeshDevice(Device parentMesh) {
  Session& s = Session::get();
  s.mesh(mesh_of(parentMesh));
  s.run_everywhere(wire::CloseMesh{parentMesh.handle()});
}

Device createSubMeshDevice(Device parentMesh, const std::vector<uint32_t>& meshShape,
                           const std::optional<const std::vector<uint32_t>>& meshOffset) {
  Session& s = Session::get();
  s.mesh(mesh_of(parentMesh));
  wire::CreateSubMesh c{s.new_mesh_handle().value, parentMesh.handle(),
                       shape_from(meshShape, "sub-mesh shape"), {}};
  if (meshOffset) {
    if (meshOffset->size() != 2)
      raise(ErrorCode::kInvalidArgument, "sub-mesh offset must be {row, col}");
    c.offset = {(*meshOffset)[0], (*meshOffset)[1]};
  }
  s.run_everywhere(c);
  return detail::Handles::device(c.mesh);
}

void releaseSubMeshDevice(Device subMesh) {
  Session& s = Session::get();
  if (s.mesh(mesh_of(subMesh)).parent.value == 0) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("mesh device {} is not a sub-mesh: close it with closeMeshDevice",
                      subMesh.handle()));
  }
  s.run_everywhere(wire::CloseMesh{subMesh.handle()});
}

void reshapeMeshDevice(Device meshDevice, const std::vector<uint32_t>& meshShape) {
  Session& s = Session::get();
  s.mesh(mesh_of(meshDevice));
  s.run_everywhere(wire::ReshapeMesh{meshDevice.handle(), shape_from(meshShape, "reshape target")});
}

std::vector<uint32_t> getMeshShape(Device meshDevice) {
  const MeshShape& m = Session::get().mesh(mesh_of(meshDevice)).view->shape();
  return {m.rows, m.cols};
}

std::vector<int> getDeviceIds(Device meshDevice) {
  std::vector<int> ids;
  for (const auto& slot : Session::get().mesh(mesh_of(meshDevice)).view->slots()) {
    ids.push_back(static_cast<int>(slot.physical.value));
  }
  return ids;
}

size_t getL1SmallSize(Device d) { return Session::get().mesh(mesh_of(d)).l1_small_size; }
size_t getTraceRegionSize(Device d) { return Session::get().mesh(mesh_of(d)).trace_region_size; }

namespace {

std::vector<meshrt::device::MemoryView> gather_views(Device device) {
  // Inside a post-op callback the ranks are running the program: the views after that op.
  if (const auto* views = meshrt::runtime::detail::callback_memory_views()) return *views;
  Session& s = Session::get();
  s.mesh(mesh_of(device));
  auto payloads = s.run_everywhere(wire::MemoryView{device.handle()});
  std::vector<meshrt::device::MemoryView> views;
  for (const auto& p : payloads) {
    if (p.empty()) continue;
    for (const auto& v : nlohmann::json::parse(p.begin(), p.end())) {
      views.push_back(meshrt::report::memory_view_from_json(v.get<std::string>()));
    }
  }
  std::sort(views.begin(), views.end(),
            [](const auto& a, const auto& b) { return a.device.value < b.device.value; });
  return views;
}

MemoryView convert(const meshrt::device::BankStats& b, const std::string& block_table) {
  MemoryView v;
  v.numBanks = b.num_banks;
  v.totalBytesPerBank = b.total_bytes_per_bank;
  v.totalBytesAllocatedPerBank = b.total_bytes_allocated_per_bank;
  v.totalBytesFreePerBank = b.total_bytes_free_per_bank;
  v.largestContiguousBytesFreePerBank = b.largest_contiguous_bytes_free_per_bank;
  v.blockTable = block_table;
  return v;
}

}  // namespace

std::unordered_map<MemoryBufferType, MemoryView> getMemoryView(Device device, int deviceId) {
  for (const auto& v : gather_views(device)) {
    if (static_cast<int>(v.device.value) != deviceId) continue;
    nlohmann::json j = nlohmann::json::parse(meshrt::report::memory_view_to_json(v));
    auto table = [&](const char* key) {
      return j.contains(key) && j[key].contains("block_table") ? j[key]["block_table"].dump()
                                                               : std::string();
    };
    return {{MemoryBufferType::DRAM, convert(v.dram, table("dram"))},
            {MemoryBufferType::L1, convert(v.l1, table("l1"))},
            {MemoryBufferType::L1_SMALL, convert(v.l1_small, table("l1_small"))},
            {MemoryBufferType::TRACE, convert(v.trace, table("trace"))}};
  }
  raise(ErrorCode::kNotFound,
        fmt::format("mesh device {} has no device {}", device.handle(), deviceId));
}

void dumpMemoryReport(Device device) {
  auto views = gather_views(device);
  if (!Session::get().controller()) return;
  for (const auto& v : views) {
    std::cout << fmt::format(
        "device {}: DRAM {} of {} bytes allocated per bank ({} banks), L1 {} of {} ({} banks), "
        "L1_SMALL {} of {}, TRACE {} of {}\n",
        v.device.value, v.dram.total_bytes_allocated_per_bank, v.dram.total_bytes_per_bank,
        v.dram.num_banks, v.l1.total_bytes_allocated_per_bank, v.l1.total_bytes_per_bank,
        v.l1.num_banks, v.l1_small.total_bytes_allocated_per_bank, v.l1_small.total_bytes_per_bank,
        v.trace.total_bytes_allocated_per_bank, v.trace.total_bytes_per_bank);
  }
}

bool PendingRun::ready() const {
  if (!job_) raise(ErrorCode::kInvalidArgument, "empty PendingRun");
  return job_->finished.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

const ProgramRun& PendingRun::get() const {
  if (!job_) raise(ErrorCode::kInvalidArgument, "empty PendingRun");
  job_->finished.wait();
  if (job_->error) std::rethrow_exception(job_->error);
  return job_->result;
}

std::vector<std::map<std::string, std::string>> readDeviceProfilerResults(Device device) {
  Session& s = Session::get();
  const auto& mesh = s.mesh(mesh_of(device));
  auto it = s.last_runs.find(mesh_of(device));
  if (it == s.last_runs.end()) return {};
  const ProgramRun& run = PendingRun(it->second).get();
  const meshrt::binary::Binary& bin = *it->second->binary;
  std::vector<std::map<std::string, std::string>> rows;
  for (const auto& row : run.perf) {
    const size_t inputs = meshrt::report::op_of(bin, row).operands.size();
    const std::vector<std::string> columns = meshrt::report::ops_perf_csv_columns(inputs);
    std::vector<std::string> cells =
        meshrt::report::ops_perf_cells(bin, mesh.view->cluster().chip, row, false, {}, inputs);
    std::map<std::string, std::string> m;
    for (size_t c = 0; c < columns.size() && c < cells.size(); ++c) m[columns[c]] = cells[c];
    rows.push_back(std::move(m));
  }
  return rows;
}

namespace {

PendingRun launch(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                  const RunOptions& options, const std::vector<Tensor>* inputs,
                  const meshrt::runtime::FaultPlan& faults) {
  Session& s = Session::get();
  s.mesh(mesh_of(deviceHandle));
  auto bin = s.binary(BinaryHandle{executableHandle.id()});
  if (programIndex >= bin->programs.size()) {
    raise(ErrorCode::kNotFound, fmt::format("program index {} out of range: the binary has {}",
                                            programIndex, bin->programs.size()));
  }
  wire::Submit c;
  c.mesh = deviceHandle.handle();
  c.binary = executableHandle.id();
  c.program_index = programIndex;
  c.exec = options;
  c.exec.pre_op = nullptr;
  c.faults = faults;
  c.hooks = meshrt::runtime::detail::hooks_active();
  if (inputs) {
    c.has_inputs = true;
    c.full_inputs = options.check_golden;  // every rank computes the goldens of these inputs
    for (const Tensor& t : *inputs) c.inputs.push_back(detail::to_value(t));
  }
  return PendingRun(s.submit(std::move(c)));
}

}  // namespace

PendingRun launchProgram(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                         const RunOptions& options, const std::vector<Tensor>* inputs) {
  return launch(deviceHandle, executableHandle, programIndex, options, inputs, {});
}

namespace testing {

PendingRun launchProgram(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                         const RunOptions& options, const meshrt::runtime::FaultPlan& faults,
                         const std::vector<Tensor>* inputs) {
  return launch(deviceHandle, executableHandle, programIndex, options, inputs, faults);
}

ProgramRun runProgram(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                      const RunOptions& options, const meshrt::runtime::FaultPlan& faults,
                      const std::vector<Tensor>* inputs) {
  return launchProgram(deviceHandle, executableHandle, programIndex, options, faults, inputs).get();
}

}  // namespace testing

ProgramRun runProgram(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                      const RunOptions& options, const std::vector<Tensor>* inputs) {
  return launchProgram(deviceHandle, executableHandle, programIndex, options, inputs).get();
}

std::vector<Tensor> submit(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                           std::vector<Tensor>& inputs) {
  auto bin = Session::get().binary(BinaryHandle{executableHandle.id()});
  RunOptions options;
  options.check_golden = false;  // as tt-mlir's submit; launchProgram() checks goldens
  options.fabric = Session::get().fabric;
  if (programIndex < bin->goldens.size()) {
    options.seed = bin->goldens[programIndex].seed;
    options.init = bin->goldens[programIndex].init;
  }
  PendingRun run = launchProgram(deviceHandle, executableHandle, programIndex, options,
                                 inputs.empty() ? nullptr : &inputs);
  // With debug hooks, as in tt-mlir, every callback has run when submit returns.
  if (meshrt::runtime::detail::hooks_active()) run.get();
  const MeshShape& mesh = Session::get().mesh(mesh_of(deviceHandle)).view->shape();
  std::vector<Tensor> outputs;
  for (uint32_t i = 0; i < bin->programs[programIndex].outputs.size(); ++i) {
    auto state = std::make_shared<detail::TensorState>();
    state->pending = run;
    state->pending_output = i;
    state->pending_mesh = mesh;
    state->device = deviceHandle.handle();
    outputs.emplace_back(state);
  }
  return outputs;
}

}  // namespace tt::runtime
