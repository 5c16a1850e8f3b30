// Program structure: calls of other programs of the binary, and the TTIR ops that exist only
// inside tt-mlir's own lowering pipelines (a program given to ttrt never holds them).
#include "families.hpp"

namespace meshrt::catalog::detail {

void add_program_ops(Ops& ops) {
  // func.call of a private function, as the parser records it.
  add_plain(ops, "program", CostFamily::kEltwise, {"call"}, Execution::kCall);
  struct PipelineOp {
    std::string_view name, why;
  };
  for (const PipelineOp& p : {
           PipelineOp{"alloc", "a buffer allocation inserted by tt-mlir's bufferization passes"},
           PipelineOp{"dealloc", "a buffer release inserted by tt-mlir's bufferization passes"},
           PipelineOp{"ttnn_metal_layout_cast",
                      "a layout cast between the TTNN and TTMetal lowerings"},
           PipelineOp{"tt_lang_op",
                      "an opaque op of the tt-lang frontend, lowered by its "
                      "own pipeline"},
       }) {
    OpInfo info = make_op(p.name, "program", CostFamily::kEltwise, Execution::kPipelineOnly);
    info.why_not = p.why;
    ops.push_back(info);
  }
}

}  // namespace meshrt::catalog::detail
