// Functionalisation of in-place cache ops (see parse_inplace.hpp).
#include "parse_inplace.hpp"

#include "meshrt/catalog/op_catalog.hpp"

namespace meshrt::compiler::detail {

bool writes_first_operand_in_place(std::string_view op_name) {
  const catalog::OpInfo* info = catalog::find_op(op_name);
  return info && info->writes_first_operand;
}

void bind_in_place_result(FunctionScope& scope, binary::Op& op, const ValueRef& cache_ref,
                          uint32_t cache_index) {
  binary::Program& program = *scope.program;
  if (op.operands.empty() || !op.results.empty()) return;
  // The written cache is a new value: same type and placement, none of the argument metadata.
  binary::TensorDesc desc = program.values.at(op.operands[0]);
  desc.presharded = false;
  desc.local_shape.clear();
  desc.name.clear();
  desc.argument_type.clear();
  const auto id = static_cast<uint32_t>(program.values.size());
  program.values.push_back(std::move(desc));
  op.results.push_back(id);
  for (auto& [name, ref] : scope.names) {
    if (&ref != &cache_ref) continue;
    if (ref.is_empty) {
      ref.is_empty = false;
      ref.ids = {id};
    } else if (cache_index < ref.ids.size()) {
      ref.ids[cache_index] = id;
    }
    return;
  }
}

}  // namespace meshrt::compiler::detail
