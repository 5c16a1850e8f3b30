// b sparse (column-parallel MoE gate/up): a [A, B, M, K], b [1, E, K, N], sparsity [A, B, 1, E];
// blocks whose sparsity entry is 0 are skipped and read as zeros.
func.func @main(%a: tensor<2x2x8x32xf32>, %b: tensor<1x4x32x16xf32>) -> tensor<2x2x1x4x8x16xf32> {
  %s = "ttir.constant"() <{value = dense<[[[[1.0, 0.0, 1.0, 0.0]], [[0.0, 1.0, 1.0, 0.0]]], [[[0.0, 0.0, 0.0, 1.0]], [[1.0, 1.0, 0.0, 0.0]]]]> : tensor<2x2x1x4xf32>}> : () -> tensor<2x2x1x4xf32> loc("sparsity")
  %r = "ttir.sparse_matmul"(%a, %b, %s) <{is_input_a_sparse = false, is_input_b_sparse = true, nnz = 2 : i64}> : (tensor<2x2x8x32xf32>, tensor<1x4x32x16xf32>, tensor<2x2x1x4xf32>) -> tensor<2x2x1x4x8x16xf32> loc("sparse_matmul")
  return %r : tensor<2x2x1x4x8x16xf32>
}
