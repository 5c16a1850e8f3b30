// The executor's steps, one free function per family of op: each takes the op's operands from
// `values` (this rank's), does its part on this rank's chips, moves what crosses ranks, and
// stores the op's results in `values`. Every rank calls the same step for the same op
// (SPMD). A step throws meshrt::Error; the executor adds the op and the rank to its message.
#pragma once

#include "device_values.hpp"
#include "meshrt/binary/program.hpp"
#include "meshrt/report/cost_model.hpp"
#include "meshrt/runtime/mesh_context.hpp"

namespace meshrt::runtime {

struct StepContext {
  MeshContext& mesh;
  const binary::Program& program;
  // The fabric between the chips; kDisabled makes a step that crosses chips an error.
  report::FabricConfig fabric = report::FabricConfig::k1D;
};

// An op of the kernel catalogue, on every local chip at once (kernel_step.cpp).
void run_kernel_step(const StepContext& s, const binary::Op& op, Values& values);
// mesh_shard: host <-> devices (mesh_shard_step.cpp).
void run_mesh_shard_step(const StepContext& s, const binary::Op& op, Values& values);
// all_gather, reduce_scatter, all_reduce(_async), all_to_all, collective_permute,
// collective_broadcast, mesh_partition (ccl_step.cpp).
void run_ccl_step(const StepContext& s, const binary::Op& op, Values& values);
// distributed_rms_norm / distributed_layer_norm (ccl_step.cpp).
void run_distributed_norm_step(const StepContext& s, const binary::Op& op, Values& values);
// The mixture-of-experts ops (expert_step.cpp).
void run_expert_step(const StepContext& s, const binary::Op& op, Values& values);

// Throws Error(kInvalidArgument) naming the op when the fabric is disabled on a mesh of more
// than one chip.
void require_fabric(const StepContext& s, const binary::Op& op);

}  // namespace meshrt::runtime
