// Attribute values (see parse_attrs.hpp for the normalisation rules).
#include "parse_attrs.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace meshrt::compiler::detail {

namespace {

using binary::AttrValue;
using binary::DenseElements;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One literal of a dense/array attribute before its element type is known.
struct Literal {
  bool is_hex = false;    // 0x... : a bit pattern for float element types
  bool is_float = false;  // has a '.', an exponent, inf or nan
  uint64_t bits = 0;      // hex value
  double value = 0;
};

bool is_hex_text(const std::string& t) {
  size_t i = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? 1 : 0;
  return t.size() > i + 1 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X');
}

Literal literal_from_text(const Cursor& cursor, size_t offset, const std::string& t) {
  Literal lit;
  if (is_hex_text(t)) {
    bool negative = t[0] == '-';
    std::string digits = t.substr(negative ? 3 : (t[0] == '+' ? 3 : 2));
    if (digits.size() > 16)
      cursor.fail_at(offset, ErrorCode::kInvalidArgument,
                     fmt::format("hexadecimal literal '{}' too long", t));
    lit.is_hex = true;
    lit.bits = std::stoull(digits, nullptr, 16);
    lit.value = negative ? -static_cast<double>(lit.bits) : static_cast<double>(lit.bits);
    if (negative) lit.bits = static_cast<uint64_t>(-static_cast<int64_t>(lit.bits));
    return lit;
  }
  lit.is_float = t.find_first_of(".eEin") != std::string::npos;
  char* end = nullptr;
  lit.value = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size())
    cursor.fail_at(offset, ErrorCode::kInvalidArgument, fmt::format("malformed number '{}'", t));
  return lit;
}

// Parses a scalar literal: number, hex, true/false.
Literal parse_literal(Cursor& cursor) {
  cursor.skip_ws();
  size_t offset = cursor.pos();
  if (cursor.try_keyword("true")) return Literal{false, false, 1, 1.0};
  if (cursor.try_keyword("false")) return Literal{false, false, 0, 0.0};
  char c = cursor.peek_raw();
  if (!(is_digit(c) || c == '-' || c == '+' || c == 'i' || c == 'n'))
    cursor.fail("expected a number");
  return literal_from_text(cursor, offset, cursor.parse_number_text());
}

double literal_value(const Literal& lit, std::optional<DataType> dtype) {
  if (lit.is_hex && dtype && is_float(*dtype)) return value_from_bits(lit.bits, *dtype);
  if (lit.is_hex && dtype) return value_from_bits(lit.bits, *dtype);
  return lit.value;
}

bool is_float_type_name(const std::string& t) {
  return t == "f32" || t == "f16" || t == "bf16" || t == "f64" || t == "tf32";
}

// Scalar type after ':' in `3 : si32`.
std::string parse_scalar_type(Cursor& cursor) {
  cursor.skip_ws();
  if (cursor.peek_raw() == '!') return std::string(cursor.skip_balanced());
  return cursor.parse_bare_id();
}

AttrValue parse_number_attr(Cursor& cursor) {
  cursor.skip_ws();
  size_t offset = cursor.pos();
  std::string text = cursor.parse_number_text();
  Literal lit = literal_from_text(cursor, offset, text);
  std::string type;
  if (cursor.try_consume(":")) type = parse_scalar_type(cursor);
  if (type == "i1") return lit.value != 0;
  if (is_float_type_name(type)) {
    auto dtype = dtype_from_mlir(type);
    if (lit.is_hex) return value_from_bits(lit.bits, dtype.value_or(DataType::kFloat32));
    return lit.value;
  }
  if (lit.is_float) return lit.value;
  if (lit.is_hex) return static_cast<int64_t>(lit.bits);
  const char* b = text.data() + (text[0] == '+' ? 1 : 0);
  const char* e = text.data() + text.size();
  int64_t value = 0;
  if (auto [p, ec] = std::from_chars(b, e, value); ec == std::errc() && p == e) return value;
  uint64_t unsigned_value = 0;  // e.g. a ui64 maximum: keep the bit pattern
  if (auto [p, ec] = std::from_chars(b, e, unsigned_value); ec == std::errc() && p == e) {
    return static_cast<int64_t>(unsigned_value);
  }
  cursor.fail_at(offset, ErrorCode::kInvalidArgument,
                 fmt::format("integer '{}' out of range", text));
}

// `array<i64: 1, 2>` / `array<f32: 1.0>` / `array<i64>`.
AttrValue parse_dense_array(Cursor& cursor) {
  cursor.expect("<");
  std::string type = parse_scalar_type(cursor);
  std::vector<Literal> lits;
  if (cursor.try_consume(":")) {
    do {
      lits.push_back(parse_literal(cursor));
    } while (cursor.try_consume(","));
  }
  cursor.expect(">");
  if (is_float_type_name(type)) {
    std::vector<double> out;
    for (const Literal& l : lits) out.push_back(literal_value(l, dtype_from_mlir(type)));
    return out;
  }
  std::vector<int64_t> out;
  for (const Literal& l : lits) {
    // 2^63 is the first double past int64's range.
    if (!l.is_hex && !(std::trunc(l.value) == l.value && std::fabs(l.value) < 9223372036854775808.0))
      cursor.fail_at(cursor.pos(), ErrorCode::kInvalidArgument,
                     fmt::format("array<{}> element {} is not an integer of 64 bits", type,
                                 l.value));
    out.push_back(l.is_hex ? static_cast<int64_t>(l.bits) : static_cast<int64_t>(l.value));
  }
  return out;
}

// Nested literal lists of a dense attribute, flattened; records the nesting shape.
void parse_dense_elements(Cursor& cursor, std::vector<Literal>& out, int depth, Shape& shape) {
  DepthGuard guard(cursor);
  if (cursor.peek() == '(')
    cursor.fail_at(cursor.pos(), ErrorCode::kUnsupported,
                   "complex dense literals are not supported");
  if (!cursor.try_consume("[")) {
    out.push_back(parse_literal(cursor));
    return;
  }
  int64_t count = 0;
  if (!cursor.try_consume("]")) {
    do {
      parse_dense_elements(cursor, out, depth + 1, shape);
      ++count;
    } while (cursor.try_consume(","));
    cursor.expect("]");
  }
  if (static_cast<int>(shape.size()) <= depth) shape.resize(depth + 1, count);
}

std::vector<uint8_t> decode_hex_string(const Cursor& cursor, size_t offset, const std::string& s) {
  if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || s.size() % 2 != 0) {
    cursor.fail_at(offset, ErrorCode::kInvalidArgument, "malformed hex dense literal");
  }
  std::vector<uint8_t> bytes;
  bytes.reserve(s.size() / 2 - 1);
  for (size_t i = 2; i < s.size(); i += 2) {
    auto nibble = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      cursor.fail_at(offset, ErrorCode::kInvalidArgument, "malformed hex dense literal");
    };
    bytes.push_back(static_cast<uint8_t>(nibble(s[i]) * 16 + nibble(s[i + 1])));
  }
  return bytes;
}

AttrValue parse_dense(Cursor& cursor) {
  size_t offset = cursor.pos();
  cursor.expect("<");
  std::vector<Literal> lits;
  Shape nested_shape;
  std::optional<std::string> hex;
  size_t hex_offset = cursor.pos();
  if (cursor.peek() == '"') {
    hex_offset = cursor.pos();
    hex = cursor.parse_string();
  } else if (cursor.peek() != '>') {
    parse_dense_elements(cursor, lits, 0, nested_shape);
  }
  cursor.expect(">");
  DenseElements dense;
  if (cursor.try_consume(":")) {
    ParsedType type = parse_type(cursor);
    binary::TensorDesc desc = tensor_desc_of(cursor, type);
    dense.shape = desc.shape;
    dense.dtype = desc.dtype;
  } else {
    dense.shape = nested_shape.empty() ? Shape{static_cast<int64_t>(lits.size())} : nested_shape;
    bool any_float = false;
    for (const Literal& l : lits) any_float = any_float || l.is_float;
    dense.dtype = any_float ? DataType::kFloat32 : DataType::kInt64;
  }
  int64_t expected = volume(dense.shape);
  if (hex) {
    std::vector<uint8_t> bytes = decode_hex_string(cursor, hex_offset, *hex);
    size_t esize = element_size(dense.dtype);
    size_t count = bytes.size() / esize;
    if (bytes.size() % esize != 0 || (count != 1 && static_cast<int64_t>(count) != expected)) {
      cursor.fail_at(hex_offset, ErrorCode::kInvalidArgument,
                     fmt::format("hex dense literal has {} bytes, expected {} elements of {} bytes",
                                 bytes.size(), expected, esize));
    }
    dense.values.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      uint64_t bits = 0;
      for (size_t b = 0; b < esize; ++b)
        bits |= static_cast<uint64_t>(bytes[i * esize + b]) << (8 * b);
      dense.values.push_back(value_from_bits(bits, dense.dtype));
    }
    return dense;
  }
  if (lits.size() != 1 && static_cast<int64_t>(lits.size()) != expected) {
    cursor.fail_at(
        offset, ErrorCode::kInvalidArgument,
        fmt::format("dense literal has {} elements but its type has {}", lits.size(), expected));
  }
  dense.values.reserve(lits.size());
  for (const Literal& l : lits) dense.values.push_back(literal_value(l, dense.dtype));
  return dense;
}

// `[a, b, ...]`: ints -> vector<int64_t>, numbers -> vector<double>, equal-length int lists ->
// DenseElements, anything else -> the raw text.
AttrValue parse_list(Cursor& cursor) {
  size_t start = cursor.pos();
  cursor.expect("[");
  std::vector<AttrValue> items;
  if (!cursor.try_consume("]")) {
    do {
      items.push_back(parse_attr_value(cursor));
    } while (cursor.try_consume(","));
    cursor.expect("]");
  }
  std::string raw(cursor.text().substr(start, cursor.pos() - start));
  bool all_int = true, all_number = true, all_int_lists = true;
  for (const AttrValue& v : items) {
    bool is_int = std::holds_alternative<int64_t>(v) || std::holds_alternative<bool>(v);
    all_int = all_int && is_int;
    all_number = all_number && (is_int || std::holds_alternative<double>(v));
    all_int_lists = all_int_lists && std::holds_alternative<std::vector<int64_t>>(v);
  }
  if (all_int) {
    std::vector<int64_t> out;
    for (const AttrValue& v : items) {
      out.push_back(std::holds_alternative<bool>(v) ? (std::get<bool>(v) ? 1 : 0)
                                                    : std::get<int64_t>(v));
    }
    return out;
  }
  if (all_number) {
    std::vector<double> out;
    for (const AttrValue& v : items) {
      out.push_back(std::holds_alternative<double>(v) ? std::get<double>(v)
                                                      : static_cast<double>(std::get<int64_t>(v)));
    }
    return out;
  }
  if (all_int_lists) {
    size_t width = std::get<std::vector<int64_t>>(items[0]).size();
    DenseElements dense;
    dense.dtype = DataType::kInt64;
    bool rectangular = true;
    for (const AttrValue& v : items) {
      const auto& row = std::get<std::vector<int64_t>>(v);
      rectangular = rectangular && row.size() == width;
      for (int64_t x : row) dense.values.push_back(static_cast<double>(x));
    }
    if (rectangular) {
      dense.shape = {static_cast<int64_t>(items.size()), static_cast<int64_t>(width)};
      return dense;
    }
  }
  return raw;
}

// `#dialect.enum<value>` -> "value"; `#alias` -> "#alias"; anything else -> raw text.
AttrValue parse_hash_attr(Cursor& cursor) {
  size_t start = cursor.pos();
  cursor.expect("#");
  cursor.parse_bare_id();
  if (cursor.peek_raw() != '<')
    return std::string(cursor.text().substr(start, cursor.pos() - start));
  std::string_view body = cursor.skip_balanced();
  std::string_view inner = body.substr(1, body.size() - 2);
  while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
  while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
  bool plain = !inner.empty() && is_id_start(inner[0]);
  for (char c : inner) plain = plain && is_id_char(c);
  if (plain) return std::string(inner);
  return std::string(cursor.text().substr(start, cursor.pos() - start));
}

}  // namespace

double value_from_bits(uint64_t bits, DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32: {
      float f;
      uint32_t b = static_cast<uint32_t>(bits);
      std::memcpy(&f, &b, sizeof f);
      return f;
    }
    case DataType::kBFloat16:
      return bf16_bits_to_float(static_cast<uint16_t>(bits));
    case DataType::kFloat16:
      return f16_bits_to_float(static_cast<uint16_t>(bits));
    case DataType::kFloat64: {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case DataType::kInt32:
      return static_cast<int32_t>(static_cast<uint32_t>(bits));
    case DataType::kUInt32:
      return static_cast<uint32_t>(bits);
    case DataType::kUInt16:
      return static_cast<uint16_t>(bits);
    case DataType::kUInt8:
      return static_cast<uint8_t>(bits);
    case DataType::kInt64:
      return static_cast<double>(static_cast<int64_t>(bits));
    case DataType::kBool:
      return bits != 0 ? 1.0 : 0.0;
    case DataType::kInt16:
      return static_cast<int16_t>(static_cast<uint16_t>(bits));
  }
  return static_cast<double>(bits);
}

AttrValue parse_attr_value(Cursor& cursor) {
  DepthGuard guard(cursor);
  char c = cursor.peek();
  if (c == '"') return cursor.parse_string();
  if (c == '@') return cursor.parse_symbol();
  if (c == '[') return parse_list(cursor);
  if (c == '#') return parse_hash_attr(cursor);
  if (c == '{' || c == '(' || c == '!') return std::string(cursor.skip_balanced());
  if (is_digit(c) || c == '-' || c == '+') return parse_number_attr(cursor);
  if (!is_id_start(c)) {
    if (c == '\0') cursor.fail("expected an attribute value but the text ended");
    cursor.fail("expected an attribute value");
  }
  if (cursor.try_keyword("true")) return true;
  if (cursor.try_keyword("false")) return false;
  if (cursor.try_keyword("unit")) return true;
  if (cursor.text().substr(cursor.pos(), 3) == "inf" ||
      cursor.text().substr(cursor.pos(), 3) == "nan") {
    return parse_number_attr(cursor);
  }
  size_t save = cursor.pos();
  if (cursor.try_keyword("array") && cursor.peek_raw() == '<') return parse_dense_array(cursor);
  cursor.set_pos(save);
  if (cursor.try_keyword("dense") && cursor.peek_raw() == '<') return parse_dense(cursor);
  cursor.set_pos(save);
  if (cursor.text().substr(save, 7) == "tensor<") return parse_type(cursor).text;
  return std::string(cursor.skip_balanced());
}

void parse_attr_dict(Cursor& cursor, AttrDict& out) {
  DepthGuard guard(cursor);
  cursor.expect("{");
  if (cursor.try_consume("}")) return;
  do {
    std::string key = cursor.peek() == '"' ? cursor.parse_string() : cursor.parse_bare_id();
    if (cursor.try_consume("=")) {
      out[key] = parse_attr_value(cursor);
    } else {
      out[key] = true;  // unit attribute
    }
  } while (cursor.try_consume(","));
  cursor.expect("}");
}

}  // namespace meshrt::compiler::detail
