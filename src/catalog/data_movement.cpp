// Data movement: reshapes, permutes, slices, concatenation, padding, gathers and scatters.
// DRAM bound: every byte of the result is read and written once.
#include "families.hpp"

namespace meshrt::catalog::detail {

void add_data_movement_ops(Ops& ops) {
  constexpr CostFamily kCost = CostFamily::kDataMovement;
  add_plain(ops, "data_movement", kCost,
            {"reshape", "permute", "transpose", "concat", "slice_static", "slice_dynamic",
             "broadcast", "repeat", "repeat_interleave", "squeeze", "unsqueeze", "pad", "index",
             "index_select", "reverse", "to_layout", "rearrange"});
  for (OpInfo& op : ops) {
    if (op.name == "reshape" || op.name == "squeeze" || op.name == "unsqueeze") {
      op.element_order = OpInfo::ElementOrder::kKept;
    } else if (op.name == "permute") {
      op.element_order = OpInfo::ElementOrder::kKeptByIdentityPermutation;
    }
  }
  OpInfo embedding = make_op("embedding", "data_movement", kCost);
  embedding.operand_roles = {index_role(0, 1, 0)};  // rows of the table
  embedding.rows_read_operand = 1;
  ops.push_back(embedding);
  OpInfo embedding_backward = make_op("embedding_backward", "data_movement", kCost);
  embedding_backward.operand_roles = {index_role(0, 1, 0)};
  ops.push_back(embedding_backward);
  OpInfo gather = make_op("gather", "data_movement", kCost);
  gather.operand_roles = {index_role_at_attr_dim(1, 0)};  // entries of the gathered dim
  ops.push_back(gather);
  OpInfo scatter = make_op("scatter", "data_movement", kCost);
  scatter.operand_roles = {index_role_at_attr_dim(1, 0)};  // the addressed dim of the target
  ops.push_back(scatter);
}

}  // namespace meshrt::catalog::detail
