// The public meshrt runtime API, named as tt-mlir's tt::runtime so ported code reads the same.
//
// Process model: in one process every call acts directly. Under MPI, rank 0 calls this API and
// every other rank runs meshrt::runtime::serve(comm) (serve.hpp): each call that touches the
// mesh (load a binary, open/reshape/close a mesh, create/release a sub-mesh, submit, memory
// view) is sent to the workers as a command and executed on every rank in the same order;
// outputs, goldens and memory views are gathered to rank 0. A worker that fails answers with an
// error (thrown here as meshrt::Error naming the rank), a worker that stops answering is
// reported by a deadline (Error kTimeout naming the rank) within 30 s.
//
// Program runs are asynchronous: submit() and launchProgram() return at once and the run goes
// on in the background, on every rank. Runs on disjoint chips (the sub-meshes of one mesh, say)
// execute concurrently; a run that shares a chip with an earlier one waits for it. Reading an
// output (wait, toHost, memcpy, getTensorShape...) or PendingRun::get() waits for its run and
// throws the run's error. Every other call that touches a mesh first waits for all runs in
// flight. With debug hooks set, runs execute one at a time (callbacks never overlap).
//
// Thread-safety: the runtime state is process-wide; call the API from one thread.
// Errors: every function throws meshrt::Error (see meshrt/common/error.hpp), never aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/comm/communicator.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "meshrt/runtime/executor.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::runtime::detail {
struct Job;
}

namespace tt::runtime {

using meshrt::DataType;

struct MeshDeviceOptions {
  // Where the mesh starts in the cluster's mesh ({row, col}); default {0, 0}.
  std::vector<uint32_t> meshOffset;
  // Cluster chip ids to open instead of meshShape/meshOffset; they must form a box of the
  // cluster's mesh (any order). The mesh then has meshShape if given (reshaped), else the box.
  std::vector<int> deviceIds;
  size_t l1SmallSize = 32 * 1024;  // bytes per core carved from L1 for L1_SMALL
  size_t traceRegionSize = 0;      // bytes per chip reserved in DRAM for traces
  // {rows, cols}; default: the whole cluster. A shape that does not fit as a box but whose
  // volume fits opens a box of that volume reshaped along the Ethernet links.
  std::optional<std::vector<uint32_t>> meshShape;
  // meshrt: the cluster. Default: `cluster` if set, else the file `clusterPath` (cluster JSON
  // or .ttsys), else the file in $TT_CLUSTER (set by tt-run), else the built-in "default"
  // cluster (galaxy 8x4).
  std::string clusterPath;
  std::optional<meshrt::ClusterDesc> cluster;
};

namespace detail {
struct Handles;  // the runtime's maker of Device and Binary handles
}

// A mesh (or sub-mesh) opened on every rank. A cheap handle; closing it invalidates copies.
// Only the runtime makes one (openMeshDevice, createSubMeshDevice): no number passes as a mesh.
class Device {
 public:
  Device() = default;
  uint64_t handle() const { return handle_; }
  bool valid() const { return handle_ != 0; }

 private:
  friend struct detail::Handles;
  explicit Device(uint64_t handle) : handle_(handle) {}
  uint64_t handle_ = 0;
};

// A loaded binary, shared by every rank (rank 0 sends its bytes to the workers).
class Binary {
 public:
  Binary() = default;
  // Reads a .ttnn file on rank 0 and loads it on every rank.
  static Binary loadFromPath(const char* path);
  // Loads bytes that rank 0 holds; `name` names them in errors.
  static Binary loadFromBytes(std::span<const uint8_t> bytes, const std::string& name,
                              bool ignoreVersion = false);
  uint64_t id() const { return handle_; }
  const meshrt::binary::Binary& get() const { return *binary_; }
  std::string getFileIdentifier() const { return "MRTB"; }
  uint32_t getNumPrograms() const;
  std::string getProgramName(uint32_t programIndex) const;
  std::vector<uint32_t> getProgramMeshShape(uint32_t programIndex) const;


 private:
  friend struct detail::Handles;
  Binary(uint64_t handle, std::shared_ptr<const meshrt::binary::Binary> binary)
      : handle_(handle), binary_(std::move(binary)) {}
  uint64_t handle_ = 0;
  std::shared_ptr<const meshrt::binary::Binary> binary_;
};

namespace detail {
struct TensorState;
// Makes the handles the runtime hands out (its own files only).
struct Handles {
  static Device device(uint64_t handle) { return Device(handle); }
  static Binary binary(uint64_t handle, std::shared_ptr<const meshrt::binary::Binary> b) {
    return Binary(handle, std::move(b));
  }
};
}  // namespace detail

// A tensor as rank 0 holds it: a host tensor, or a multi-device tensor (one shard per device of
// a mesh). Copies share storage. deallocateTensor() releases it for every copy.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<detail::TensorState> state) : state_(std::move(state)) {}
  detail::TensorState& state() const;
  bool valid() const { return state_ != nullptr; }

 private:
  std::shared_ptr<detail::TensorState> state_;
};

enum class StorageType { Host, MultiDeviceHost, Device };
// Where a tensor lives; toLayout() moves a tensor onto a mesh or back to the host.
struct Layout {
  StorageType storage = StorageType::Host;
};

enum class MemoryBufferType { DRAM, L1, L1_SMALL, TRACE };
struct MemoryView {
  uint64_t numBanks = 0;
  uint64_t totalBytesPerBank = 0;
  uint64_t totalBytesAllocatedPerBank = 0;
  uint64_t totalBytesFreePerBank = 0;
  uint64_t largestContiguousBytesFreePerBank = 0;
  std::string blockTable;  // JSON text of the allocator's block table
};

// Everything one program run produced (goldens, memory views, inputs, outputs), on rank 0.
using ProgramRun = meshrt::runtime::ProgramResult;
using RunOptions = meshrt::runtime::ExecOptions;

// meshrt: a program run in flight (launchProgram). Copies share the run.
class PendingRun {
 public:
  PendingRun() = default;
  explicit PendingRun(std::shared_ptr<meshrt::runtime::detail::Job> job) : job_(std::move(job)) {}
  bool valid() const { return job_ != nullptr; }
  // True once the run is over on every rank (get() returns at once).
  bool ready() const;
  // Waits for the run and returns its result; throws the run's meshrt::Error if it failed on
  // any rank (every failed rank named).
  const ProgramRun& get() const;

 private:
  std::shared_ptr<meshrt::runtime::detail::Job> job_;
};

// ---- process and system -------------------------------------------------------------------
// meshrt: the communicator the runtime uses (rank 0's under MPI); must outlive its use.
// Default: a single-process world. Closes every open mesh and loaded binary first.
void setCommunicator(meshrt::comm::Communicator* comm);
// meshrt: tells every worker to leave serve() (rank 0; no-op in one process). Idempotent.
// Returns the ranks that did not answer (gone already).
std::vector<int> shutdownWorkers();
// The fabric the collectives of later submit() calls run over (tt-mlir's setFabricConfig):
// the topology the cost model gives them; disabled makes a multi-chip collective an error.
// Default fabric_1d.
void setFabricConfig(meshrt::report::FabricConfig config);
// meshrt: frees a loaded binary on every rank (handles to it become invalid).
void releaseBinary(Binary binary);
// Chips of the default cluster (MeshDeviceOptions without a cluster).
size_t getNumAvailableDevices();

// ---- meshes ---------------------------------------------------------------------------------
Device openMeshDevice(const MeshDeviceOptions& options = {});
// A mesh of `shape` on the default cluster (or $TT_CLUSTER's), the other options defaulted.
Device openMeshDevice(const meshrt::MeshShape& shape);
// Closes a mesh and every sub-mesh carved from it; frees its chips.
void closeMeshDevice(Device parentMesh);
// A box of `parentMesh`: `meshShape` at `meshOffset` (default {0, 0}), sharing its chips.
// Throws Error(kInvalidArgument) if the box does not fit.
Device createSubMeshDevice(
    Device parentMesh, const std::vector<uint32_t>& meshShape,
    const std::optional<const std::vector<uint32_t>>& meshOffset = std::nullopt);
void releaseSubMeshDevice(Device subMesh);
// Views the mesh's chips as `meshShape`, ordered along the Ethernet links (a 1x8 line on a
// 2x4 t3k is a ring). Throws Error(kInvalidArgument) for a volume mismatch and
// Error(kIncompatible) when the chips cannot be chained by links in that shape.
void reshapeMeshDevice(Device meshDevice, const std::vector<uint32_t>& meshShape);
std::vector<uint32_t> getMeshShape(Device meshDevice);
// Cluster chip id of each device of the mesh, in row-major mesh order.
std::vector<int> getDeviceIds(Device meshDevice);
size_t getL1SmallSize(Device meshDevice);
size_t getTraceRegionSize(Device meshDevice);
// Memory of one chip of the mesh (`deviceId`: its id in the mesh), gathered to rank 0.
std::unordered_map<MemoryBufferType, MemoryView> getMemoryView(Device device, int deviceId = 0);
// Prints every chip's memory (rank 0, stdout).
void dumpMemoryReport(Device device);
// Perf rows of the last program run submitted on `device` (waits for it): one map per op per
// chip, keyed by the columns of ops_perf_results.csv ("OP CODE", "DEVICE ID", "DEVICE KERNEL
// DURATION [ns]" (modelled), "HOST DURATION [ns]" (measured), "LOC", ...; see `ttrt perf`).
// Empty when no program has run on it since it was opened.
std::vector<std::map<std::string, std::string>> readDeviceProfilerResults(Device device);

// ---- programs --------------------------------------------------------------------------------
// Starts program `programIndex` on `deviceHandle` and returns its outputs at once (host tensors
// for host outputs, multi-device tensors with every device's shard otherwise); reading one
// waits for the run. `inputs`: one per program argument (host tensors for whole arguments,
// multi-device tensors for presharded ones); empty: inputs generated from the binary's seed.
// Checks no goldens (as tt-mlir's submit; launchProgram() does). readDeviceProfilerResults()
// gives the run's perf rows. With debug hooks set, submit() waits for the run (every callback
// has been called when it returns) and throws its error.
std::vector<Tensor> submit(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                           std::vector<Tensor>& inputs);
// meshrt: submit() with options (seed, init, golden checks, memory views, fault injection),
// returning the run in flight; get() gives the full result. `inputs` may be null (generated
// inputs). Golden checks of user inputs compare against goldens the reference interpreter
// computes from those inputs (on every rank: each gets every input whole). Throws at once for a
// mesh or binary that is not open or loaded, or a bad program index; everything else the run
// raises comes from get().
PendingRun launchProgram(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                         const RunOptions& options, const std::vector<Tensor>* inputs = nullptr);
// meshrt: launchProgram(...).get(). Used by `ttrt run`.
ProgramRun runProgram(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                      const RunOptions& options, const std::vector<Tensor>* inputs = nullptr);

// ---- tensors ---------------------------------------------------------------------------------
Tensor createOwnedHostTensor(const void* data, const std::vector<std::uint32_t>& shape,
                             const std::vector<std::uint32_t>& stride, std::uint32_t itemsize,
                             DataType dataType);
// meshrt copies the data too (simulated devices never read host memory directly).
Tensor createBorrowedHostTensor(void* data, const std::vector<std::uint32_t>& shape,
                                const std::vector<std::uint32_t>& stride, std::uint32_t itemsize,
                                DataType dataType);
// One shard per device of a `meshShape` mesh, row-major. `strategy` is recorded, not used.
Tensor createMultiDeviceHostTensor(const std::vector<Tensor>& tensorShards,
                                   const std::unordered_map<std::string, std::string>& strategy,
                                   const std::vector<uint32_t>& meshShape);
Tensor createMultiDeviceHostTensor(const std::vector<const void*>& data,
                                   const std::vector<std::uint32_t>& shape,
                                   const std::vector<std::uint32_t>& stride, std::uint32_t itemsize,
                                   DataType dataType,
                                   const std::unordered_map<std::string, std::string>& strategy,
                                   const std::vector<uint32_t>& meshShape);
// meshrt: wraps a host tensor (no copy).
Tensor createTensor(std::shared_ptr<const meshrt::HostTensor> host);

bool isTensorAllocated(Tensor tensor);
DataType getTensorDataType(Tensor tensor);
std::uint32_t getTensorElementSize(Tensor tensor);
std::uint32_t getTensorVolume(Tensor tensor);
// Per-shard shape for a multi-device tensor.
std::vector<std::uint32_t> getTensorShape(Tensor tensor);
std::vector<std::uint32_t> getTensorStride(Tensor tensor);
// meshrt: number of shards (1 for a host tensor) and one shard by device id.
uint32_t getNumShards(Tensor tensor);
std::shared_ptr<const meshrt::HostTensor> getTensorShard(Tensor tensor, uint32_t deviceId);
// meshrt: the data of a host tensor (or of a single-shard tensor).
std::shared_ptr<const meshrt::HostTensor> getHostTensor(Tensor tensor);

// Waits for the run that produces the tensor (if it is an output still in flight); throws the
// run's error, or Error(kInvalidArgument) for a deallocated tensor.
void wait(Tensor tensor);
void wait(const std::vector<Tensor>& tensors);
// One host tensor per shard (device order), or the tensor itself for a host tensor.
std::vector<Tensor> toHost(Tensor tensor, bool untilize = false, bool blocking = true);
// Moves a tensor to the host (StorageType::Host; a multi-device tensor must have one shard)
// or marks a multi-device tensor as resident on `device` (StorageType::Device).
Tensor toLayout(Tensor tensor, Device device, Layout layout);
Layout getLayout(Tensor tensor);
// Copies a host tensor's bytes (optionally converted to `targetDataType`) into `dst`.
void memcpy(void* dst, Tensor src, std::optional<DataType> targetDataType = std::nullopt);
// Copies src into dst (same shape, dtype and shard count).
void memcpy(Tensor dst, Tensor src);
void deallocateTensor(Tensor& tensor, bool force = false);

}  // namespace tt::runtime
