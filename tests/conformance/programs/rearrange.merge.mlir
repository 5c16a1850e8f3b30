func.func @main(%a: tensor<2x4x4x8xf32>) -> tensor<2x16x8xf32> {
  %r = "ttir.rearrange"(%a) <{pattern = "b h w c -> b (h w) c"}> : (tensor<2x4x4x8xf32>) -> tensor<2x16x8xf32> loc("rearrange")
  return %r : tensor<2x16x8xf32>
}
