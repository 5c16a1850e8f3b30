// In-place TTIR ops (the catalogue's writes_first_operand: the KV-cache updates) write
// their first operand (the cache) and may declare no result. The parser makes them pure: such
// an op gets one result of the cache's type, and the cache's SSA name is rebound to it, so every
// later use of the name (the function's return included) reads the written cache. An op that
// already declares a result keeps it and rebinds nothing.
//
// Stateless; called by the one thread that parses a module.
#pragma once

#include <cstdint>
#include <string_view>

#include "parse_module.hpp"

namespace meshrt::compiler::detail {

// True for the op names (without "ttir.") that write their first operand in place.
bool writes_first_operand_in_place(std::string_view op_name);

// Gives `op` (already holding its operands, no results) a result typed like operand 0 and
// rebinds the SSA name that `cache_ref` (an entry of scope.names) denotes, at result index
// `cache_index`, to that result.
void bind_in_place_result(FunctionScope& scope, binary::Op& op, const ValueRef& cache_ref,
                          uint32_t cache_index);

}  // namespace meshrt::compiler::detail
