// Pieces `ttrt run` shares between its plain runs (run_cmd.cpp) and its data-parallel runs
// (data_parallel.cpp).
#pragma once

#include <string>
#include <utility>

#include "commands.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/runtime/fault_plan.hpp"
#include "meshrt/runtime/runtime.hpp"
#include "run_driver.hpp"
#include "run_report.hpp"

namespace meshrt::cli {

// Closes a mesh when the run leaves its scope; a close that fails (workers out of step after
// an error) is not worth a second error.
struct MeshGuard {
  tt::runtime::Device device;
  MeshGuard() = default;
  explicit MeshGuard(tt::runtime::Device d) : device(d) {}
  MeshGuard(MeshGuard&& other) noexcept : device(std::exchange(other.device, {})) {}
  MeshGuard& operator=(MeshGuard&&) = delete;
  ~MeshGuard() {
    try {
      if (device.valid()) tt::runtime::closeMeshDevice(device);
    } catch (const Error&) {
    }
  }
};

// The mesh `ttrt run` opens for a program of `shape` on `cluster`.
tt::runtime::MeshDeviceOptions mesh_options(const RunOptions& o, const ClusterDesc& cluster,
                                            const MeshShape& shape);
// The run options of program `index` of `bin` (seed and init from the binary's goldens unless
// given).
runtime::ExecOptions exec_options(const RunOptions& o, const binary::Binary& bin, size_t index);
// --inject-fault / --debug-leak: the faults planted in every run (empty: none).
runtime::FaultPlan fault_plan(const RunOptions& o);

// --data-parallel: program `index` once per sub-mesh of its shape tiling the cluster's mesh,
// the sub-meshes concurrently; one outcome with every sub-mesh's in its details.
ProgramOutcome run_data_parallel(const RunOptions& o, RunReport& report, const std::string& file,
                                 const tt::runtime::Binary& bin, size_t index,
                                 const ClusterDesc& cluster, const ProgramHook& after_program,
                                 bool keep_all_loops);

}  // namespace meshrt::cli
