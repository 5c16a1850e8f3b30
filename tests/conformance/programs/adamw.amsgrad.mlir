// AMSGrad: max_exp_avg_sq given, a fourth result.
func.func @main(%p: tensor<8x64xf32>, %g: tensor<8x64xf32>, %m: tensor<8x64xf32>, %v0: tensor<8x64xf32>, %x0: tensor<8x64xf32>) -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) {
  %v = "ttir.abs"(%v0) : (tensor<8x64xf32>) -> tensor<8x64xf32> loc("abs_v")
  %x = "ttir.abs"(%x0) : (tensor<8x64xf32>) -> tensor<8x64xf32> loc("abs_max")
  %p1, %m1, %v1, %x1 = "ttir.adamw"(%p, %g, %m, %v, %x) <{lr = 1.000000e-02 : f32, beta1 = 0.899999976 : f32, beta2 = 0.999000012 : f32, beta1_pow = 0.899999976 : f32, beta2_pow = 0.999000012 : f32, epsilon = 9.99999993E-9 : f32, weight_decay = 0.000000e+00 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}> : (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) -> (tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) loc("adamw")
  return %p1, %m1, %v1, %x1 : tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>
}
