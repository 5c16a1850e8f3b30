#include "meshrt/compiler/compile.hpp"

#include <fmt/format.h>

#include "meshrt/binary/binary_io.hpp"
#include "meshrt/binary/inputs.hpp"
#include "meshrt/catalog/op_catalog.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/reference/goldens.hpp"
#include "meshrt/compiler/parser.hpp"
#include "meshrt/verify/verify.hpp"

namespace meshrt::compiler {

// The layout each value has on the chips, as ttnn lays tensors out: 32x32 tiles, except
// tensors of rank 0 or 1 (ttnn keeps them row-major rather than padding one row to 32), and
// the operands the op catalogue marks: convolution weights as the matrix ttnn prepares, their
// biases row-major.
namespace {
void choose_layouts(binary::Binary& bin) {
  for (binary::Program& p : bin.programs) {
    for (binary::TensorDesc& d : p.values) {
      if (d.shape.size() <= 1) d.layout = binary::Layout::kRowMajor;
    }
    for (const binary::Op& op : p.ops) {
      const catalog::OpInfo* info = catalog::find_op(op.name);
      if (!info) continue;
      for (uint8_t k : info->row_major_operands)
        if (k < op.operands.size()) p.values[op.operands[k]].layout = binary::Layout::kRowMajor;
      const int k = info->conv_weight_operand;
      if (k >= 0 && static_cast<size_t>(k) < op.operands.size())
        p.values[op.operands[k]].layout = binary::Layout::kConvWeight;
    }
  }
}
}  // namespace

binary::Binary compile_mlir(std::string_view text, const CompileOptions& options) {
  ParseOptions parse;
  parse.path = options.path;
  parse.mesh_override = options.mesh_override;
  parse.mesh_note = options.mesh_note;
  binary::Binary bin = parse_mlir(text, parse);
  verify::verify_and_annotate(bin, options.path);
  choose_layouts(bin);
  bin.version = binary::current_version();
  bin.schema_hash = binary::current_schema_hash();
  bin.mlir_source = std::string(text);
  bin.source_path = options.path;
  bin.goldens.resize(bin.programs.size());
  uint64_t remaining = options.golden_budget_bytes;
  for (size_t p = 0; p < bin.programs.size(); ++p) {
    bin.goldens[p].seed = options.seed;
    bin.goldens[p].init = options.init;
    if (!options.goldens || bin.programs[p].is_private) continue;
    try {
      bin.goldens[p] = reference::compute_goldens(bin, p, options.seed, options.init, remaining,
                                       options.golden_input_limit_bytes);
    } catch (const Error& e) {
      if (options.warnings)
        options.warnings->push_back(
            fmt::format("no goldens for program '{}': {}", bin.programs[p].name, e.what()));
      continue;
    } catch (const std::bad_alloc&) {
      if (options.warnings)
        options.warnings->push_back(
            fmt::format("no goldens for program '{}': out of host memory", bin.programs[p].name));
      continue;
    }
    for (const auto& g : bin.goldens[p].goldens)
      remaining -= std::min<uint64_t>(remaining, g.tensor.size_bytes());
  }
  return bin;
}

}  // namespace meshrt::compiler
