// Causal, 4 query heads over 2 KV heads, with the log-sum-exp intermediates.
func.func @main(%q: tensor<2x4x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x16xf32>) -> (tensor<2x4x16x16xf32>, tensor<2x4x16x32xf32>) {
  %o, %l = "ttir.sdpa_fw"(%q, %k, %v) <{mask_type = #ttcore.attention_mask_type<causal>, return_intermediates = true}> : (tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>) -> (tensor<2x4x16x16xf32>, tensor<2x4x16x32xf32>) loc("sdpa_fw")
  return %o, %l : tensor<2x4x16x16xf32>, tensor<2x4x16x32xf32>
}
