// ttir.rearrange's einops pattern ("b (h w) c -> b c h w"), resolved against the operand and
// result shapes into two plain attributes every later layer reads instead of the pattern:
//
//   axes_shape        the sizes of the pattern's elementary axes, in input order (the input
//                     viewed with this shape, row-major, is the same memory)
//   axes_permutation  the elementary axes in output order (the permuted view, read row-major,
//                     is the result)
//
// Pattern grammar: each side is a list of axis names (letters, digits, '_'), parenthesised
// groups of names (merged into one dim), "1" or "()" (a dim of size 1), and at most one "..."
// (the dims not named, kept in order; top level only). Each name appears once per side and on
// both sides. A group's sizes come from the dims they are read from: a name's size is known
// from any single-name dim on either side; one unknown name per group is the dim divided by
// the others (TTIR has no axes_lengths attribute).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/tensor/host_tensor.hpp"
#include "parse_cursor.hpp"

namespace meshrt::compiler::detail {

struct RearrangePlan {
  std::vector<int64_t> axes_shape;
  std::vector<int64_t> axes_permutation;
};

// Throws Error(kInvalidArgument) naming what in the pattern is wrong (a malformed side, a name
// repeated or missing on one side, sizes that do not divide or multiply up to the shapes).
RearrangePlan plan_rearrange(std::string_view pattern, const Shape& input, const Shape& result);

struct ParsedType;  // parse_attrs.hpp

// Adds axes_shape and axes_permutation to a ttir.rearrange from its pattern and types; a
// missing or unusable pattern fails at `name_offset` (the error names what is wrong).
void add_rearrange_attrs(const Cursor& cursor, size_t name_offset, binary::Op& op,
                         const std::vector<ParsedType>& operand_types,
                         const std::vector<ParsedType>& result_types);

}  // namespace meshrt::compiler::detail
