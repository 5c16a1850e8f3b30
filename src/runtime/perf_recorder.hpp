// Modelled chip clocks and per-op perf rows for the executor.
//
// Every rank models the clocks of ALL chips of the mesh (program-relative ns), so that a
// collective can start at the latest clock of its participants without asking other ranks:
// durations depend only on the program, the op and the cluster, never on the data. Rows are
// recorded only for this rank's chips. Local Device clocks follow (device base + model). Every
// op but mesh_shard (a host transfer) starts after the op-to-op dispatch gap.
//
// Not thread-safe: owned by one Executor.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/report/cost_model.hpp"
#include "meshrt/report/perf.hpp"
#include "meshrt/runtime/mesh_context.hpp"

namespace meshrt::runtime {

class PerfRecorder {
 public:
  PerfRecorder(MeshContext& mesh, report::FabricConfig fabric);

  static uint64_t now_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }

  // Models `op` (p.ops[op_index] of program `program_index`) on every chip, advances the
  // modelled clocks and appends one row per local chip to `rows`.
  void record(uint32_t program_index, const binary::Program& p, uint32_t op_index,
              uint64_t call_count, uint64_t host_start_ns, uint64_t host_end_ns,
              std::vector<report::OpPerfRow>& rows);

 private:
  void model_device(const binary::Program& p, const binary::Op& op);
  void model_mesh_shard(const binary::Program& p, const binary::Op& op);
  void model_line(const binary::Program& p, const binary::Op& op);
  void model_permute(const binary::Program& p, const binary::Op& op);
  const binary::TensorDesc& desc(const binary::Program& p, uint32_t id) const {
    return p.values[id];
  }

  MeshContext& mesh_;
  report::CostParams params_;
  uint64_t base_ns_ = 0;         // local device clocks when the program started
  std::vector<uint64_t> clock_;  // per mesh device, program-relative
  std::vector<uint64_t> start_;  // per mesh device, of the op being recorded
  uint32_t core_count_ = 0;
  uint64_t compute_ns_ = 0, bandwidth_ns_ = 0;  // roofline terms of the op being recorded
  report::OpFamily family_ = report::OpFamily::kEltwise;
  bool ring_ = false;   // collective of the op being recorded ran as a ring
  uint32_t links_ = 0;  // links it used per neighbour pair
  std::vector<const binary::TensorDesc*> in_, out_;
};

}  // namespace meshrt::runtime
