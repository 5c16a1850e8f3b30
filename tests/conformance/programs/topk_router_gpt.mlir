// 8 tokens of 64 values routed over 16 experts: the 4 best experts of each and their softmax
// weights.
func.func @main(%x: tensor<8x64xf32>, %w: tensor<64x16xf32>, %b: tensor<8x16xf32>) -> (tensor<8x4xi32>, tensor<8x4xf32>) {
  %i, %p = "ttir.topk_router_gpt"(%x, %w, %b) <{k = 4 : i32, num_experts = 16 : i32}> : (tensor<8x64xf32>, tensor<64x16xf32>, tensor<8x16xf32>) -> (tensor<8x4xi32>, tensor<8x4xf32>) loc("topk_router_gpt")
  return %i, %p : tensor<8x4xi32>, tensor<8x4xf32>
}
