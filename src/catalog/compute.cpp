// Compute ops: matmuls and convolutions (costed as a compute vs DRAM roofline), pooling,
// reductions, scans, sorting and normalisations (DRAM bound).
#include "families.hpp"

namespace meshrt::catalog::detail {

void add_compute_ops(Ops& ops) {
  add_plain(ops, "matmul", CostFamily::kMatmul, {"matmul", "linear", "dot_general", "sparse_matmul"});
  // ttnn prepares a convolution weight [O, I, kh, kw] as the tiled [I*kh*kw, O] matrix (tiles
  // of the 4-D weight would take 1024 times a 1x1 kernel's bytes) and keeps its bias row-major.
  for (std::string_view name : {"conv1d", "conv2d", "conv3d", "conv_transpose2d"}) {
    OpInfo conv = make_op(name, "convolution", CostFamily::kMatmul);
    conv.conv_weight_operand = 1;
    conv.row_major_operands = {2};
    ops.push_back(conv);
  }
  add_plain(ops, "pooling", CostFamily::kDataMovement,
            {"max_pool2d", "avg_pool2d", "max_pool2d_with_indices", "upsample2d"});
  // A per-channel mean and a per-channel affine map: one pass over the input, like eltwise.
  add_plain(ops, "pooling", CostFamily::kEltwise, {"global_avg_pool2d"});
  add_plain(ops, "reduction", CostFamily::kReduction,
            {"sum", "mean", "max", "min", "prod", "argmax", "reduce_and", "reduce_or", "cumsum",
             "cumprod", "sort", "topk"});
  add_plain(ops, "normalization", CostFamily::kReduction,
            {"softmax", "rms_norm", "layer_norm", "group_norm", "batch_norm_training"});
  add_plain(ops, "normalization", CostFamily::kEltwise, {"batch_norm_inference"});
}

}  // namespace meshrt::catalog::detail
