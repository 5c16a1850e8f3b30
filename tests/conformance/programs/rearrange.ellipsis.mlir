func.func @main(%a: tensor<2x3x4x8xf32>) -> tensor<2x3x8x4xf32> {
  %r = "ttir.rearrange"(%a) <{pattern = "... h w -> ... w h"}> : (tensor<2x3x4x8xf32>) -> tensor<2x3x8x4xf32> loc("rearrange")
  return %r : tensor<2x3x8x4xf32>
}
