// Functionalisation of in-place cache ops (see parse_inplace.hpp).
#include "parse_inplace.hpp"

#include <array>

namespace meshrt::compiler::detail {

bool writes_first_operand_in_place(std::string_view op_name) {
  static constexpr std::array<std::string_view, 4> kNames = {
      "update_cache", "fill_cache", "paged_update_cache", "paged_fill_cache"};
  for (std::string_view name : kNames) {
    if (name == op_name) return true;
  }
  return false;
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
