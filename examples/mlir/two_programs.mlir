// Two public programs sharing a private helper: two runnable programs in one binary.
module {
  func.func private @scale_add(%a: tensor<32x64xbf16>, %b: tensor<32x64xbf16>) -> tensor<32x64xbf16> {
    %0 = "ttir.multiply"(%a, %b) : (tensor<32x64xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16> loc("helper_multiply")
    %1 = "ttir.add"(%0, %a) : (tensor<32x64xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16> loc("helper_add")
    return %1 : tensor<32x64xbf16>
  }
  func.func @first(%x: tensor<32x64xbf16>, %y: tensor<32x64xbf16>) -> tensor<32x64xbf16> {
    %0 = call @scale_add(%x, %y) : (tensor<32x64xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16>
    %1 = "ttir.relu"(%0) : (tensor<32x64xbf16>) -> tensor<32x64xbf16> loc("first_relu")
    return %1 : tensor<32x64xbf16>
  }
  func.func @second(%x: tensor<32x64xbf16>) -> tensor<32x1xbf16> {
    %0 = call @scale_add(%x, %x) : (tensor<32x64xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16>
    %1 = "ttir.sum"(%0) <{dim_arg = [1 : i32], keep_dim = true}> : (tensor<32x64xbf16>) -> tensor<32x1xbf16> loc("second_sum")
    return %1 : tensor<32x1xbf16>
  }
}
