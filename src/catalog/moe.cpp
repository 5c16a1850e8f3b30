// Mixture of experts: the router, the steps that route tokens between the chips of a ring
// (their rows move once per receiving rank, see ops/moe.hpp), the expert compute and the
// per-device remap of routing weights.
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
  // Runs each chip's local experts on the tokens that chose them, then combines the results
  // home: compute, costed by its three products, plus rows routed like all_to_all_combine.
  OpInfo compute = make_op("moe_compute", "moe", CostFamily::kMatmul, Execution::kCollective);
  compute.operand_roles = {index_role(1, 3, -1)};  // experts: the mapping's last dim
  ops.push_back(compute);
  // The router: a matmul, then top-k and softmax on one chip.
  ops.push_back(make_op("topk_router_gpt", "moe", CostFamily::kMatmul));
}

}  // namespace meshrt::catalog::detail
