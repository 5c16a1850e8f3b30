// An arbitrary additive mask.
func.func @main(%q: tensor<2x4x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x16xf32>, %m: tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32> {
  %o = "ttir.sdpa_fw"(%q, %k, %v, %m) <{mask_type = #ttcore.attention_mask_type<arbitrary>}> : (tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<2x4x16x16xf32> loc("sdpa_fw")
  return %o : tensor<2x4x16x16xf32>
}
