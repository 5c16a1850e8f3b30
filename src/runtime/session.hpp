// The runtime's process-wide state behind the public API: loaded binaries and open meshes by
// handle, the communicator, and the one place where commands execute (on rank 0 for its API
// calls and on workers in serve()), so both sides run the same code in lockstep.
//
// Not thread-safe: one thread drives the runtime.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "meshrt/runtime/executor.hpp"
#include "meshrt/runtime/mesh_context.hpp"
#include "wire.hpp"

namespace meshrt::runtime::detail {

inline constexpr int kTagResponse = 11;
inline constexpr int kTagHookGather = 12;

struct MeshEntry {
  std::shared_ptr<MeshContext> view;  // what programs run on
  std::vector<ChipSlot> base;         // the chips as opened or carved, row-major over `box`
  MeshShape box;
  uint64_t parent = 0;  // a sub-mesh's parent mesh, else 0
  uint64_t l1_small_size = 0;
  uint64_t trace_region_size = 0;
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
  std::vector<std::vector<uint8_t>> run_everywhere(wire::Command command);
  void shutdown_workers();

  uint64_t new_handle() { return next_handle_++; }
  MeshEntry& mesh(uint64_t handle);
  std::shared_ptr<const binary::Binary> binary(uint64_t handle);

  std::map<uint64_t, std::shared_ptr<const binary::Binary>> binaries;
  std::map<uint64_t, MeshEntry> meshes;
  std::map<uint64_t, ProgramResult> last_runs;  // rank 0: the last run per mesh

 private:
  ProgramResult run_submit(const wire::Command& c);
  comm::Communicator* comm_ = nullptr;
  std::unique_ptr<comm::Communicator> own_;
  uint64_t next_handle_ = 1;
  uint64_t seq_ = 0;
  bool workers_down_ = false;
  std::string broken_;  // why workers are out of step ("" while in step)
};

// Debug hooks around one program run (api_debug.cpp): on every rank when `hooks` is set.
void attach_hooks(MeshContext& mesh, uint64_t binary_handle,
                  std::shared_ptr<const binary::Binary> binary, uint32_t program_index,
                  ExecOptions& options, PostOpCallback& post_op);
void program_hook(bool before, uint64_t binary_handle, std::shared_ptr<const binary::Binary> binary,
                  uint32_t program_index);
bool hooks_active();

}  // namespace meshrt::runtime::detail
