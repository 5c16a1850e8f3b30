// 4 users, 4 heads (the input padded to 32 heads as ttnn lays it out), blocks of 16 positions;
// positions and pages are generated within range.
func.func @main(%cache: tensor<8x4x16x32xf32>, %x: tensor<1x4x32x32xf32>, %idx: tensor<4xi32>, %pt: tensor<4x2xi32>) -> tensor<8x4x16x32xf32> {
  "ttir.paged_update_cache"(%cache, %x, %idx, %pt) <{share_cache = false}> : (tensor<8x4x16x32xf32>, tensor<1x4x32x32xf32>, tensor<4xi32>, tensor<4x2xi32>) -> () loc("paged_update_cache")
  return %cache : tensor<8x4x16x32xf32>
}
