// The sizes of h and w come from the result's dims (TTIR has no axes_lengths).
func.func @main(%a: tensor<2x12x4xf32>) -> tensor<4x2x4x3xf32> {
  %r = "ttir.rearrange"(%a) <{pattern = "b (h w) c -> c b w h"}> : (tensor<2x12x4xf32>) -> tensor<4x2x4x3xf32> loc("rearrange")
  return %r : tensor<4x2x4x3xf32>
}
