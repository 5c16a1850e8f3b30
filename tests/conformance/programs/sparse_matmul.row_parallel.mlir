// a sparse (row-parallel MoE down projection): a [A, E, M, K], sparsity [1, 1, A, E].
func.func @main(%a: tensor<2x4x8x32xf32>, %b: tensor<1x4x32x16xf32>) -> tensor<2x4x8x16xf32> {
  %s = "ttir.constant"() <{value = dense<[[[[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 1.0]]]]> : tensor<1x1x2x4xf32>}> : () -> tensor<1x1x2x4xf32> loc("sparsity")
  %r = "ttir.sparse_matmul"(%a, %b, %s) <{is_input_a_sparse = true, is_input_b_sparse = false}> : (tensor<2x4x8x32xf32>, tensor<1x4x32x16xf32>, tensor<1x1x2x4xf32>) -> tensor<2x4x8x16xf32> loc("sparse_matmul")
  return %r : tensor<2x4x8x16xf32>
}
