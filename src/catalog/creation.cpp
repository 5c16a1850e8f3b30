// Creation ops: constants, fills, ranges and random tensors. They only write their result.
#include "families.hpp"

namespace meshrt::catalog::detail {

void add_creation_ops(Ops& ops) {
  add_plain(ops, "creation", CostFamily::kCreation,
            {"constant", "full", "zeros", "ones", "arange", "empty"});
  // A scalar read of a shape: costed as the smallest eltwise op.
  add_plain(ops, "creation", CostFamily::kEltwise, {"get_dimension_size"});
  add_plain(ops, "random", CostFamily::kCreation, {"rand"});
  add_plain(ops, "random", CostFamily::kEltwise, {"dropout"});
  // Sorting and a softmax over each row's candidates.
  add_plain(ops, "random", CostFamily::kReduction, {"sampling"});
}

}  // namespace meshrt::catalog::detail
