// Without a page table user u writes its own block.
func.func @main(%cache: tensor<4x4x16x32xf32>, %x: tensor<1x4x32x32xf32>, %idx: tensor<4xi32>) -> tensor<4x4x16x32xf32> {
  "ttir.paged_update_cache"(%cache, %x, %idx) : (tensor<4x4x16x32xf32>, tensor<1x4x32x32xf32>, tensor<4xi32>) -> () loc("paged_update_cache")
  return %cache : tensor<4x4x16x32xf32>
}
