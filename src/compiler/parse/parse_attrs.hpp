// Types, attribute values and locations of the MLIR syntax, normalised to the forms documented
// on binary::AttrValue. Used by the TTIR parser; all functions throw "path:line:col" errors
// through the Cursor they are given.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "parse_cursor.hpp"
#include "parse_quant.hpp"

namespace meshrt::compiler::detail {

struct ParsedType {
  bool is_tensor = false;
  Shape shape;
  std::optional<DataType> dtype;   // empty when the element type has no DataType
  std::string element_text;        // element type as written ("bf16", "!quant.uniform<...>")
  std::optional<QuantType> quant;  // a !quant.uniform element type (dtype is its storage)
  std::string text;                // the whole type as written
  size_t offset = 0;               // where the type starts in the source
};

// A tensor type (`tensor<1x32xbf16>`, `tensor<f32>`, `tensor<4x4xf32, #layout>`) or any other
// type, which is kept as raw text.
ParsedType parse_type(Cursor& cursor);
// The TensorDesc of a tensor type; throws kUnsupported for non-tensor types or element types
// without a DataType, naming the type and its position.
binary::TensorDesc tensor_desc_of(const Cursor& cursor, const ParsedType& type);
// Parses the first `tensor<...>` found inside `text` (e.g. a ttcore.local_shape attribute).
std::optional<ParsedType> find_tensor_type(std::string_view text, const std::string& path);

using AttrDict = std::map<std::string, binary::AttrValue>;

binary::AttrValue parse_attr_value(Cursor& cursor);
// `{ key = value, flag, "quoted" = value }`, entries added to `out` (later keys win).
void parse_attr_dict(Cursor& cursor, AttrDict& out);

// A location expression: loc("name"), loc("file":1:2), loc("name"(child)), loc(#locN),
// loc(unknown), loc(fused[...]), loc(callsite(a at b)).
struct LocExpr {
  enum class Kind { kUnknown, kName, kRef, kGroup };
  Kind kind = Kind::kUnknown;
  std::string text;  // kName: the name; kRef: the alias ("#loc3")
  std::vector<LocExpr> children;
};

// Parses `loc(...)` if it comes next; returns false (consuming nothing) otherwise.
bool try_parse_loc(Cursor& cursor, LocExpr& out);
// Parses a location body (what is inside `loc(...)`).
LocExpr parse_loc_body(Cursor& cursor);

// Resolves a location to a display string using the `#alias = loc(...)` table. Empty for
// unknown locations or unresolvable aliases.
std::string resolve_loc(const LocExpr& loc, const std::map<std::string, LocExpr>& aliases,
                        int depth = 0);

// The numeric value of a scalar literal's bit pattern in `dtype` (for hex float literals).
double value_from_bits(uint64_t bits, DataType dtype);

}  // namespace meshrt::compiler::detail
