// The backward with an arbitrary mask, from the matching forward pass.
func.func @main(%q: tensor<2x4x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x16xf32>, %do: tensor<2x4x16x16xf32>, %m: tensor<1x1x16x16xf32>) -> (tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>) {
  %o, %l = "ttir.sdpa_fw"(%q, %k, %v, %m) <{mask_type = #ttcore.attention_mask_type<arbitrary>, return_intermediates = true}> : (tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>, tensor<1x1x16x16xf32>) -> (tensor<2x4x16x16xf32>, tensor<2x4x16x32xf32>) loc("forward")
  %dq, %dk, %dv = "ttir.sdpa_bw"(%do, %o, %q, %k, %v, %l, %m) : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>, tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>, tensor<2x4x16x32xf32>, tensor<1x1x16x16xf32>) -> (tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>) loc("sdpa_bw")
  return %dq, %dk, %dv : tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>
}
