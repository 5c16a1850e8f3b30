// The runtime's process-wide state behind the public API: loaded binaries and open meshes by
// handle, the communicator, and the one place where commands execute (on rank 0 for its API
// calls and on workers in serve()), so both sides run the same code in lockstep.
//
// Program runs (Submit) do not run in lockstep with the other commands: each is a Job on its
// own thread, talking over its own channel (comm/channel.hpp), so runs on disjoint chips
// overlap. A job first waits for every earlier job that shares a chip with it (or for all of
// them, when debug hooks make it exclusive); every rank sees the same submits in the same order
// and so builds the same waits, which keeps ranks from deadlocking. Any other command first
// waits for every job in flight (drain).
//
// Threads: one thread drives the Session (the API thread on rank 0, serve() on workers); job
// threads touch only their Job, the communicator and `broken_` (under its mutex).
#pragma once

#include <exception>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "meshrt/runtime/executor.hpp"
#include "meshrt/runtime/mesh_context.hpp"
#include "message_tags.hpp"
#include "wire.hpp"

namespace meshrt::runtime::detail {

// A mesh's and a binary's handle inside the runtime: distinct types, so one cannot be looked up
// as the other. Both come from one counter, so a number the wire carries names one object.
struct MeshHandle {
  uint64_t value = 0;
  friend auto operator<=>(const MeshHandle&, const MeshHandle&) = default;
};
struct BinaryHandle {
  uint64_t value = 0;
  friend auto operator<=>(const BinaryHandle&, const BinaryHandle&) = default;
};

struct MeshEntry {
  std::shared_ptr<MeshContext> view;  // what programs run on
  std::vector<ChipSlot> base;         // the chips as opened or carved, row-major over `box`
  MeshShape box;
  MeshHandle parent;  // a sub-mesh's parent mesh, else {0}
  uint64_t l1_small_size = 0;
  uint64_t trace_region_size = 0;
};

// One program run in flight on this rank.
struct Job {
  uint64_t seq = 0;
  std::vector<std::pair<MeshHandle, uint32_t>> chips;  // (root mesh, physical chip), sorted
  bool exclusive = false;                            // debug hooks: runs alone
  std::shared_ptr<const binary::Binary> binary;
  // Ready when the run is over here (on rank 0: and every worker has answered).
  std::shared_future<void> finished;
  ProgramResult result;      // rank 0, once finished without error
  std::exception_ptr error;  // rank 0: the run's failure (every rank's, combined)

  bool overlaps(const Job& other) const;
};

class Session {
 public:
  static Session& get();

  comm::Communicator& comm();
  void set_comm(comm::Communicator* comm);
  bool controller() { return comm().rank() == 0; }

  // Executes a command on this rank; returns its response payload.
  std::vector<uint8_t> execute(const wire::Command& command);
  // Rank 0: sends the command to every worker, executes it here and collects every answer.
  // Returns each worker's payload (index = rank; [0] is rank 0's). Throws one Error naming
  // every failed rank ("rank R: message" under MPI).
  std::vector<std::vector<uint8_t>> run_everywhere(wire::Body command);
  std::vector<int> shutdown_workers();  // the ranks that did not answer

  // Rank 0: sends a Submit to every worker and starts its job here; returns at once.
  std::shared_ptr<Job> submit(wire::Submit run);
  // Worker: starts the job of a Submit received from rank 0; it answers rank 0 when done.
  void start_worker_job(const wire::Command& command);
  // Waits until every job of this rank has finished.
  void drain();

  MeshHandle new_mesh_handle() { return {next_handle_++}; }
  BinaryHandle new_binary_handle() { return {next_handle_++}; }
  MeshEntry& mesh(MeshHandle handle);
  std::shared_ptr<const binary::Binary> binary(BinaryHandle handle);

  std::map<BinaryHandle, std::shared_ptr<const binary::Binary>> binaries;
  std::map<MeshHandle, MeshEntry> meshes;
  std::map<MeshHandle, std::shared_ptr<Job>> last_runs;  // rank 0: the last run per mesh
  // The fabric submit() runs collectives over (setFabricConfig).
  report::FabricConfig fabric = report::FabricConfig::k1D;

 private:
  std::shared_ptr<Job> start_job(uint64_t seq, const wire::Submit& run);
  void run_job(Job& job, uint64_t seq, const wire::Submit& run,
               std::shared_ptr<const binary::Binary> bin, const MeshContext& view);
  // What each command does (session_commands.cpp); the payload it answers with.
  std::vector<uint8_t> apply(const wire::LoadBinary& c);
  std::vector<uint8_t> apply(const wire::ReleaseBinary& c);
  std::vector<uint8_t> apply(const wire::OpenMesh& c);
  std::vector<uint8_t> apply(const wire::CloseMesh& c);
  std::vector<uint8_t> apply(const wire::ReshapeMesh& c);
  std::vector<uint8_t> apply(const wire::CreateSubMesh& c);
  std::vector<uint8_t> apply(const wire::Submit& c);
  std::vector<uint8_t> apply(const wire::MemoryView& c);
  std::vector<uint8_t> apply(const wire::Shutdown& c);
  // Sends the command to every worker: a Submit carries only the inputs of the worker's own
  // chips, unless it asks for full inputs.
  void send_to_workers(const wire::Command& command);
  // Rank 0: every worker's answer to `command` on `from` (tag kTagResponse), after rank 0's own
  // outcome (`local`: its error, if any; `mine`: its payload). Returns the payloads (index =
  // rank); throws one Error naming every failed rank, and marks the workers out of step when
  // they disagree or one does not answer.
  std::vector<std::vector<uint8_t>> answers(comm::Communicator& from, uint64_t seq,
                                            wire::Kind kind, const Error* local,
                                            std::vector<uint8_t> mine);
  void check_in_step();
  void mark_broken(const std::string& why);
  comm::Communicator* comm_ = nullptr;
  std::unique_ptr<comm::Communicator> own_;
  uint64_t next_handle_ = 1;
  uint64_t seq_ = 0;
  bool workers_down_ = false;
  std::mutex broken_mu_;
  std::string broken_;                      // why workers are out of step ("" while in step)
  std::vector<std::shared_ptr<Job>> jobs_;  // started and not yet seen finished
};

// Debug hooks around one program run (api_debug.cpp): on every rank when `hooks` is set.
void attach_hooks(MeshContext& mesh, uint64_t binary_handle,
                  std::shared_ptr<const binary::Binary> binary, uint32_t program_index,
                  ExecOptions& options, PostOpCallback& post_op);
void program_hook(bool before, uint64_t binary_handle, std::shared_ptr<const binary::Binary> binary,
                  uint32_t program_index);
bool hooks_active();
// Inside a post-op callback (on its thread): every chip's memory after the op; else null.
const std::vector<device::MemoryView>* callback_memory_views();

}  // namespace meshrt::runtime::detail
