// Collectives: host <-> mesh distribution and the steps that move shards between chips.
#include "families.hpp"

namespace meshrt::catalog::detail {

void add_collective_ops(Ops& ops) {
  add_plain(ops, "collective", CostFamily::kHostTransfer, {"mesh_shard"}, Execution::kMeshShard);
  add_plain(ops, "collective", CostFamily::kCollective,
            {"all_gather", "reduce_scatter", "all_reduce", "all_reduce_async", "collective_permute",
             "mesh_partition", "collective_broadcast", "all_to_all"},
            Execution::kCollective);
  // Only per-row statistics cross chips; the normalisation itself is local.
  add_plain(ops, "collective", CostFamily::kReduction,
            {"distributed_rms_norm", "distributed_layer_norm"}, Execution::kCollective);
}

}  // namespace meshrt::catalog::detail
