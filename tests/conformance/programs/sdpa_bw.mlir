// The backward of a causal forward pass: its output and intermediates feed sdpa_bw, as in
// training.
func.func @main(%q: tensor<2x4x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x16xf32>, %do: tensor<2x4x16x16xf32>) -> (tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>) {
  %o, %l = "ttir.sdpa_fw"(%q, %k, %v) <{mask_type = #ttcore.attention_mask_type<causal>, return_intermediates = true}> : (tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>) -> (tensor<2x4x16x16xf32>, tensor<2x4x16x32xf32>) loc("forward")
  %dq, %dk, %dv = "ttir.sdpa_bw"(%do, %o, %q, %k, %v, %l) <{mask_type = #ttcore.attention_mask_type<causal>}> : (tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>, tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>, tensor<2x4x16x32xf32>) -> (tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>) loc("sdpa_bw")
  return %dq, %dk, %dv : tensor<2x4x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x16xf32>
}
