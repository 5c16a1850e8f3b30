func.func @main(%a: tensor<4x1x8xf32>) -> tensor<8x1x4xf32> {
  %r = "ttir.rearrange"(%a) <{pattern = "a 1 b -> b () a"}> : (tensor<4x1x8xf32>) -> tensor<8x1x4xf32> loc("rearrange")
  return %r : tensor<8x1x4xf32>
}
