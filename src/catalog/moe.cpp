// Mixture of experts: the steps that route tokens between the chips of a ring (their rows move
// once per receiving rank, see ops/moe.hpp), and the per-device remap of routing weights.
#include "families.hpp"

namespace meshrt::catalog::detail {

void add_moe_ops(Ops& ops) {
  // Expert indices are bounded by the expert count of the mapping (dim 2 of a one-hot
  // [1, 1, E, devices] mapping, dim 3 of dispatch_metadata's [1, 1, D, E] owner table).
  OpInfo dispatch =
      make_op("all_to_all_dispatch", "moe", CostFamily::kCollective, Execution::kCollective);
  dispatch.operand_roles = {index_role(1, 2, 2)};
  ops.push_back(dispatch);
  OpInfo metadata = make_op("all_to_all_dispatch_metadata", "moe", CostFamily::kCollective,
                            Execution::kCollective);
  metadata.operand_roles = {index_role(1, 3, 3)};
  ops.push_back(metadata);
  OpInfo combine =
      make_op("all_to_all_combine", "moe", CostFamily::kCollective, Execution::kCollective);
  combine.operand_roles = {index_role(1, 2, 2)};
  ops.push_back(combine);
  // Runs on each chip, but needs to know which chip it is (its column of the mapping).
  OpInfo remap =
      make_op("moe_expert_token_remap", "moe", CostFamily::kDataMovement, Execution::kCollective);
  remap.operand_roles = {index_role(2, 1, 2)};
  ops.push_back(remap);
}

}  // namespace meshrt::catalog::detail
