// Tensor types and locations (see parse_attrs.hpp).
#include <fmt/format.h>

#include "parse_attrs.hpp"

namespace meshrt::compiler::detail {

namespace {
constexpr int64_t kMaxDim = int64_t{1} << 40;
constexpr int64_t kMaxVolume = int64_t{1} << 48;
constexpr size_t kMaxRank = 32;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

ParsedType parse_type(Cursor& cursor) {
  ParsedType type;
  cursor.skip_ws();
  type.offset = cursor.pos();
  if (!(cursor.text().substr(cursor.pos(), 7) == "tensor<")) {
    type.text = std::string(cursor.skip_balanced());
    return type;
  }
  cursor.set_pos(cursor.pos() + 7);
  type.is_tensor = true;
  int64_t volume = 1;
  while (true) {
    cursor.skip_ws();
    char c = cursor.peek_raw();
    if (c == '?')
      cursor.fail_at(cursor.pos(), ErrorCode::kUnsupported,
                     "dynamic tensor dimensions are not supported");
    if (c == '*')
      cursor.fail_at(cursor.pos(), ErrorCode::kUnsupported, "unranked tensors are not supported");
    if (!is_digit(c)) break;
    size_t start = cursor.pos();
    int64_t dim = 0;
    size_t p = start;
    while (p < cursor.text().size() && is_digit(cursor.text()[p])) {
      dim = dim * 10 + (cursor.text()[p] - '0');
      if (dim > kMaxDim)
        cursor.fail_at(start, ErrorCode::kInvalidArgument, "tensor dimension too large");
      ++p;
    }
    cursor.set_pos(p);
    if (cursor.peek_raw() != 'x') cursor.fail("expected 'x' after a tensor dimension");
    cursor.set_pos(p + 1);
    type.shape.push_back(dim);
    if (type.shape.size() > kMaxRank)
      cursor.fail_at(start, ErrorCode::kInvalidArgument, "tensor rank too large");
    volume = dim == 0 ? 0 : volume;
    if (volume != 0 && dim != 0) {
      if (volume > kMaxVolume / dim)
        cursor.fail_at(start, ErrorCode::kInvalidArgument, "tensor too large");
      volume *= dim;
    }
  }
  cursor.skip_ws();
  const size_t element_at = cursor.pos();
  if (at_quant_type(cursor)) {
    type.quant = parse_quant_type(cursor);
    type.element_text = std::string(cursor.text().substr(element_at, cursor.pos() - element_at));
    type.dtype = type.quant->storage;
  } else if (cursor.peek_raw() == '!') {
    type.element_text = std::string(cursor.skip_balanced());
  } else {
    type.element_text = cursor.parse_bare_id();
    if (cursor.peek_raw() == '<') type.element_text += std::string(cursor.skip_balanced());
  }
  if (!type.quant) type.dtype = dtype_from_mlir(type.element_text);
  if (cursor.try_consume(",")) cursor.skip_balanced();  // encoding, ignored
  cursor.expect(">");
  type.text = std::string(cursor.text().substr(type.offset, cursor.pos() - type.offset));
  if (type.quant) check_quant_shape(cursor, element_at, *type.quant, type.shape, type.text);
  return type;
}

binary::TensorDesc tensor_desc_of(const Cursor& cursor, const ParsedType& type) {
  if (!type.is_tensor) {
    cursor.fail_at(type.offset, ErrorCode::kUnsupported,
                   fmt::format("unsupported type '{}': only tensors are supported", type.text));
  }
  if (!type.dtype) {
    cursor.fail_at(
        type.offset, ErrorCode::kUnsupported,
        fmt::format("unsupported element type '{}' in '{}'", type.element_text, type.text));
  }
  binary::TensorDesc desc;
  desc.shape = type.shape;
  desc.dtype = *type.dtype;
  return desc;
}

std::optional<ParsedType> find_tensor_type(std::string_view text, const std::string& path) {
  size_t at = text.find("tensor<");
  if (at == std::string_view::npos) return std::nullopt;
  Cursor sub(text, path);
  sub.set_pos(at);
  return parse_type(sub);
}

LocExpr parse_loc_body(Cursor& cursor) {
  DepthGuard guard(cursor);
  LocExpr loc;
  char c = cursor.peek();
  if (c == '"') {
    loc.kind = LocExpr::Kind::kName;
    loc.text = cursor.parse_string();
    if (cursor.try_consume(":")) {
      // FileLineCol (possibly a range): keep "file:line:col".
      loc.text += ":" + std::to_string(cursor.parse_integer());
      if (cursor.try_consume(":")) loc.text += ":" + std::to_string(cursor.parse_integer());
      if (cursor.try_keyword("to")) {
        while (!cursor.at_end() && cursor.peek() != ')') cursor.set_pos(cursor.pos() + 1);
      }
    } else if (cursor.try_consume("(")) {
      loc.children.push_back(parse_loc_body(cursor));
      cursor.expect(")");
    }
    return loc;
  }
  if (c == '#') {
    size_t start = cursor.pos();
    cursor.set_pos(start + 1);
    loc.kind = LocExpr::Kind::kRef;
    loc.text = "#" + cursor.parse_bare_id();
    return loc;
  }
  if (cursor.try_keyword("unknown")) return loc;
  if (cursor.try_keyword("fused")) {
    loc.kind = LocExpr::Kind::kGroup;
    if (cursor.peek() == '<') cursor.skip_balanced();
    cursor.expect("[");
    if (!cursor.try_consume("]")) {
      do {
        loc.children.push_back(parse_loc_body(cursor));
      } while (cursor.try_consume(","));
      cursor.expect("]");
    }
    return loc;
  }
  if (cursor.try_keyword("callsite")) {
    loc.kind = LocExpr::Kind::kGroup;
    cursor.expect("(");
    loc.children.push_back(parse_loc_body(cursor));
    cursor.expect_keyword("at");
    loc.children.push_back(parse_loc_body(cursor));
    cursor.expect(")");
    return loc;
  }
  cursor.fail("malformed location");
}

bool try_parse_loc(Cursor& cursor, LocExpr& out) {
  size_t save = cursor.pos();
  if (!cursor.try_keyword("loc")) return false;
  if (!cursor.try_consume("(")) {
    cursor.set_pos(save);
    return false;
  }
  out = parse_loc_body(cursor);
  cursor.expect(")");
  return true;
}

std::string resolve_loc(const LocExpr& loc, const std::map<std::string, LocExpr>& aliases,
                        int depth) {
  if (depth > 64) return "";
  switch (loc.kind) {
    case LocExpr::Kind::kUnknown:
      return "";
    case LocExpr::Kind::kName:
      return loc.text;
    case LocExpr::Kind::kRef: {
      auto it = aliases.find(loc.text);
      return it == aliases.end() ? "" : resolve_loc(it->second, aliases, depth + 1);
    }
    case LocExpr::Kind::kGroup:
      for (const LocExpr& child : loc.children) {
        std::string s = resolve_loc(child, aliases, depth + 1);
        if (!s.empty()) return s;
      }
      return "";
  }
  return "";
}

}  // namespace meshrt::compiler::detail
