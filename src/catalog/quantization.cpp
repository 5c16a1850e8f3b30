// Quantization ops: per-tensor and per-axis affine (de/re)quantization, written out.
#include "families.hpp"

namespace meshrt::catalog::detail {

void add_quantization_ops(Ops& ops) {
  add_plain(ops, "quantization", CostFamily::kEltwise, {"quantize_unrolled", "quantize"});
  for (std::string_view name :
       {"dequantize_unrolled", "requantize", "dequantize", "requantize_unrolled"}) {
    OpInfo info;
    info.name = name;
    info.family = "quantization";
    info.operand_roles = {{OperandRole::Kind::kQuantized, 0, 0, 0, false, 0}};
    ops.push_back(info);
  }
}

}  // namespace meshrt::catalog::detail
