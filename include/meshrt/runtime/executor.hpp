// Runs one program of a binary on the simulated mesh, op by op, in lockstep on every rank
// (SPMD): each rank executes the ops on its own chips and moves shard bytes between ranks for
// collectives and mesh_shard. Checks every op's output against its golden.
//
// Blocking; call from the rank's main thread on every rank with the same arguments.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/device/device.hpp"
#include "meshrt/report/cost_model.hpp"
#include "meshrt/report/golden.hpp"
#include "meshrt/report/perf.hpp"
#include "meshrt/runtime/fault_plan.hpp"
#include "meshrt/runtime/mesh_context.hpp"

namespace meshrt::runtime {

struct ExecOptions {
  uint64_t seed = 0;
  InitKind init = InitKind::kRandn;
  uint32_t ones_density = 1;  // InitKind::kOnes: 1 in N generated elements is one
  bool check_golden = true;
  // With check_golden: false compares only the program's outputs, not every op's results
  // (ttrt's --disable-ttrt-callbacks).
  bool check_op_goldens = true;
  // The fabric collectives run over: the topology of the CCL cost model; kDisabled makes a
  // collective over more than one chip an error.
  report::FabricConfig fabric = report::FabricConfig::k1D;
  report::GoldenOptions golden;
  bool collect_memory = false;  // a memory view of every local chip after each op
  // For each program output that fails its golden check, the K largest absolute and relative
  // differences (ProgramResult::golden_diffs); 0: none.
  uint32_t golden_diff_topk = 0;
  // Called on this rank before each op runs (debug hooks); may be empty.
  std::function<void(const binary::Op& op)> pre_op;
};

struct OpGoldenResult {
  std::string loc;
  uint32_t device_id = 0;  // binary::Golden::kAllDevices for a host (whole-tensor) value
  report::GoldenMetrics metrics;
};

struct OpMemoryResult {
  std::string loc;
  std::string debug_str;
  std::vector<device::MemoryView> views;  // one per chip (all ranks', after collection)
};

// A program input or output as rank 0 sees it: a whole host tensor, or one shard per device.
struct TensorValue {
  std::shared_ptr<const HostTensor> host;                        // may be null
  std::map<DeviceId, std::shared_ptr<const HostTensor>> shards;  // device -> shard
  // Device-resident (also on a rank that holds no chip of the mesh, whose `shards` is empty).
  bool on_device = false;
};

// The largest differences of a program output that failed its golden check (rank 0).
struct GoldenDiff {
  struct Entry {
    double golden = 0, output = 0, diff = 0;  // diff: |golden - output| (relative: / |golden|)
    int64_t index = 0;                        // row-major element index
  };
  std::string key;                        // "output_<i>"
  uint32_t device_id = 0;                 // binary::Golden::kAllDevices for a host tensor
  bool integer = false;                   // integer or bool dtype
  std::vector<Entry> absolute, relative;  // largest first
};

// What an observer sees after each op on this rank (debug hooks).
using PostOpCallback =
    std::function<void(const binary::Op& op, const std::vector<TensorValue>& local_results)>;

struct ProgramResult {
  std::vector<TensorValue> inputs;       // rank 0: host inputs; every rank: its local shards
  std::vector<TensorValue> outputs;      // rank 0: host outputs and all devices' shards
  std::vector<OpGoldenResult> goldens;   // rank 0: every rank's, in op order
  std::vector<OpMemoryResult> memory;    // rank 0: every rank's chips
  std::vector<GoldenDiff> golden_diffs;  // rank 0: with ExecOptions::golden_diff_topk
  uint64_t ops_executed = 0;
  uint64_t goldens_unavailable = 0;  // op results with no golden to compare against
  // Buffers still live on this rank's chips after the program and its outputs were released.
  uint64_t leaked_buffers = 0;
  bool golden_source_stored = true;       // false: goldens recomputed by the reference interpreter
  std::string golden_unavailable_reason;  // why no goldens could be computed ("" if they could)
  // One row per op per chip (rank 0: every rank's, sorted by call count then device):
  // measured host times, modelled device times (report/perf.hpp).
  std::vector<report::OpPerfRow> perf;
  // Rank 0: measured wall time of the run, from when it started (after any earlier run on the
  // same chips) until every rank had answered.
  double host_seconds = 0;
};

// `inputs`: user-supplied program inputs instead of generated ones (one per program argument):
// rank 0 passes a host tensor for a whole argument; every rank passes the shards of its own
// chips for a presharded argument. Null: inputs are generated from options.seed/init.
// Golden checks of user inputs compute goldens from them on every rank, which then needs every
// input whole (the host tensors and all shards; extra shards are ignored by the run itself).
// `faults`: what a test plants in the run (fault_plan.hpp); none by default.
ProgramResult run_program(MeshContext& mesh, const binary::Binary& binary, size_t program_index,
                          const ExecOptions& options, const PostOpCallback& post_op = {},
                          const std::vector<TensorValue>* inputs = nullptr,
                          const FaultPlan& faults = {});

}  // namespace meshrt::runtime
