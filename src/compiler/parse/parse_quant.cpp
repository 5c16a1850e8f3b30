// Quant dialect element types and the attributes quantization ops get from them (see
// parse_quant.hpp).
#include "parse_quant.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "parse_attrs.hpp"

namespace meshrt::compiler::detail {

namespace {

struct StorageKind {
  std::string_view name;
  DataType dtype;
  int64_t min;
  int64_t max;
};

constexpr std::array<StorageKind, 5> kStorageKinds = {{
    {"i16", DataType::kInt16, -32768, 32767},
    {"i32", DataType::kInt32, std::numeric_limits<int32_t>::min(),
     std::numeric_limits<int32_t>::max()},
    {"u8", DataType::kUInt8, 0, 255},
    {"u16", DataType::kUInt16, 0, 65535},
    {"u32", DataType::kUInt32, 0, std::numeric_limits<uint32_t>::max()},
}};

constexpr std::string_view kSupportedStorage = "i16, i32, u8, u16, u32";

// Reads one `!quant.uniform<...>` with errors that name the type and what is wrong.
class QuantReader {
 public:
  explicit QuantReader(Cursor& cursor) : c_(cursor), start_(cursor.pos()) {}

  QuantType read() {
    c_.set_pos(start_ + 1);  // '!'
    size_t kind_at = c_.pos();
    std::string kind = c_.parse_bare_id();
    if (kind != "quant.uniform") {
      c_.fail_at(
          kind_at, ErrorCode::kUnsupported,
          fmt::format("unsupported quantized type '!{}' (only !quant.uniform is supported)", kind));
    }
    expect("<", "'<' after !quant.uniform");
    QuantType q;
    read_storage(q);
    expect(":", "':' after the storage type");
    read_expressed(q);
    if (c_.try_consume(":")) {
      if (c_.peek() == '{')
        fail_here(ErrorCode::kUnsupported,
                  "sub-channel quantization (an axis list) is not supported");
      size_t axis_at = c_.pos();
      int64_t axis = read_integer("a quantization axis");
      if (axis < 0) fail_at(axis_at, fmt::format("quantization axis {} is negative", axis));
      q.axis = axis;
    }
    expect(",", "',' before the scale");
    if (c_.try_consume("{")) {
      if (!q.axis) fail_here("a '{...}' list of scales needs a quantization axis ('i32:f32:1')");
      do {
        read_scale_zero_point(q);
      } while (c_.try_consume(","));
      expect("}", "'}' to close the list of scales");
    } else {
      if (q.axis) fail_here("a per-axis quantized type needs a '{scale:zero_point, ...}' list");
      read_scale_zero_point(q);
    }
    expect(">", "'>' to close !quant.uniform");
    return q;
  }

 private:
  [[noreturn]] void fail_at(size_t at, const std::string& what,
                            ErrorCode code = ErrorCode::kInvalidArgument) const {
    c_.fail_at(at, code, fmt::format("malformed quantized type: {}", what));
  }
  [[noreturn]] void fail_here(const std::string& what) {
    c_.skip_ws();
    fail_at(c_.pos(), what);
  }
  [[noreturn]] void fail_here(ErrorCode code, const std::string& what) {
    c_.skip_ws();
    c_.fail_at(c_.pos(), code, what);
  }
  void expect(std::string_view token, const char* what) {
    if (!c_.try_consume(token)) fail_here(fmt::format("expected {}", what));
  }
  int64_t read_integer(const char* what) {
    c_.skip_ws();
    char ch = c_.peek_raw();
    if (!(ch == '-' || ch == '+' || (ch >= '0' && ch <= '9')))
      fail_here(fmt::format("expected {}", what));
    return c_.parse_integer();
  }

  void read_storage(QuantType& q) {
    c_.skip_ws();
    size_t at = c_.pos();
    if (!is_id_start(c_.peek_raw())) fail_here("expected a storage type such as i32");
    std::string name = c_.parse_bare_id();
    const StorageKind* kind = nullptr;
    for (const StorageKind& k : kStorageKinds) {
      if (k.name == name) kind = &k;
    }
    if (!kind) {
      bool integer = name.size() > 1 && (name[0] == 'i' || name[0] == 'u') &&
                     name.find_first_not_of("0123456789", 1) == std::string::npos;
      c_.fail_at(at, integer ? ErrorCode::kUnsupported : ErrorCode::kInvalidArgument,
                 fmt::format("{} storage type '{}' in a quantized type (supported: {})",
                             integer ? "unsupported" : "malformed quantized type: unknown", name,
                             kSupportedStorage));
    }
    q.storage = kind->dtype;
    q.storage_min = kind->min;
    q.storage_max = kind->max;
    if (c_.peek_raw() != '<') return;
    c_.set_pos(c_.pos() + 1);
    size_t range_at = c_.pos();
    q.storage_min = read_integer("the storage minimum");
    expect(":", "':' between the storage minimum and maximum");
    q.storage_max = read_integer("the storage maximum");
    expect(">", "'>' after the storage range");
    if (q.storage_min < kind->min || q.storage_max > kind->max || q.storage_min > q.storage_max) {
      fail_at(range_at, fmt::format("storage range [{}, {}] is not a non-empty part of {}'s "
                                    "range [{}, {}]",
                                    q.storage_min, q.storage_max, name, kind->min, kind->max));
    }
  }

  void read_expressed(QuantType& q) {
    c_.skip_ws();
    size_t at = c_.pos();
    if (!is_id_start(c_.peek_raw())) fail_here("expected an expressed type such as f32");
    std::string name = c_.parse_bare_id();
    std::optional<DataType> dtype = dtype_from_mlir(name);
    if (!dtype || !is_float(*dtype))
      fail_at(at, fmt::format("expressed type '{}' is not a float type", name));
    q.expressed = *dtype;
  }

  void read_scale_zero_point(QuantType& q) {
    c_.skip_ws();
    size_t at = c_.pos();
    char ch = c_.peek_raw();
    if (!(ch == '-' || ch == '+' || (ch >= '0' && ch <= '9'))) fail_here("expected a scale");
    std::string text = c_.parse_number_text();
    char* end = nullptr;
    double scale = std::strtod(text.c_str(), &end);
    bool hex = text.find_first_of("xX") != std::string::npos;
    if (hex || end != text.c_str() + text.size() || !std::isfinite(scale) || scale <= 0) {
      fail_at(at, fmt::format("scale '{}' is not a positive finite number", text));
    }
    int64_t zero_point = 0;
    if (c_.peek_raw() == ':') {
      c_.set_pos(c_.pos() + 1);
      size_t zp_at = c_.pos();
      zero_point = read_integer("a zero point after ':'");
      if (zero_point < q.storage_min || zero_point > q.storage_max) {
        fail_at(zp_at, fmt::format("zero point {} is outside the storage range [{}, {}]",
                                   zero_point, q.storage_min, q.storage_max));
      }
    }
    q.scales.push_back(scale);
    q.zero_points.push_back(zero_point);
  }

  Cursor& c_;
  size_t start_;
};

std::string quant_text(const ParsedType& t) { return t.element_text; }

}  // namespace

bool at_quant_type(const Cursor& cursor) {
  return cursor.text().substr(cursor.pos(), 7) == "!quant.";
}

QuantType parse_quant_type(Cursor& cursor) {
  DepthGuard guard(cursor);
  return QuantReader(cursor).read();
}

void check_quant_shape(const Cursor& cursor, size_t offset, const QuantType& quant,
                       const Shape& shape, std::string_view type_text) {
  if (!quant.axis) return;
  const auto axis = *quant.axis;
  if (axis >= static_cast<int64_t>(shape.size())) {
    cursor.fail_at(offset, ErrorCode::kInvalidArgument,
                   fmt::format("quantization axis {} is out of range for '{}' of rank {}", axis,
                               type_text, shape.size()));
  }
  const auto count = static_cast<int64_t>(quant.scales.size());
  if (count != shape[axis]) {
    cursor.fail_at(offset, ErrorCode::kInvalidArgument,
                   fmt::format("per-axis quantized type has {} scale(s) but dim {} of '{}' has "
                               "size {}",
                               count, axis, type_text, shape[axis]));
  }
}

void add_quant_attrs(const Cursor& cursor, size_t name_offset, binary::Op& op,
                     const std::vector<ParsedType>& operand_types,
                     const std::vector<ParsedType>& result_types) {
  const QuantType* result_quant =
      result_types.empty() || !result_types[0].quant ? nullptr : &*result_types[0].quant;
  const QuantType* operand_quant =
      operand_types.empty() || !operand_types[0].quant ? nullptr : &*operand_types[0].quant;
  if (op.name == "quantize_unrolled" || op.name == "requantize_unrolled") {
    if (!result_quant) return;
    op.attrs["storage_min"] = result_quant->storage_min;
    op.attrs["storage_max"] = result_quant->storage_max;
    return;
  }
  // quantize takes its parameters from its result type, dequantize from its operand type.
  if (op.name == "quantize" || op.name == "dequantize") {
    const bool from_result = op.name == "quantize";
    const QuantType* q = from_result ? result_quant : operand_quant;
    if (!q) {
      const std::vector<ParsedType>& types = from_result ? result_types : operand_types;
      cursor.fail_at(name_offset, ErrorCode::kInvalidArgument,
                     fmt::format("'ttir.{}' needs a quantized {} type (!quant.uniform), got '{}'",
                                 op.name, from_result ? "result" : "operand",
                                 types.empty() ? std::string("nothing") : quant_text(types[0])));
    }
    op.attrs["scale"] = q->scales;
    op.attrs["zero_point"] = q->zero_points;
    if (q->axis) op.attrs["axis"] = *q->axis;
    if (from_result) {
      op.attrs["storage_min"] = q->storage_min;
      op.attrs["storage_max"] = q->storage_max;
    }
    return;
  }
  if (op.name != "requantize") return;
  const QuantType* in =
      operand_types.empty() || !operand_types[0].quant ? nullptr : &*operand_types[0].quant;
  const QuantType* out =
      result_types.empty() || !result_types[0].quant ? nullptr : &*result_types[0].quant;
  if (!in || !out) {
    const ParsedType* plain = !in ? (operand_types.empty() ? nullptr : &operand_types[0])
                                  : (result_types.empty() ? nullptr : &result_types[0]);
    cursor.fail_at(name_offset, ErrorCode::kInvalidArgument,
                   fmt::format("'ttir.requantize' needs a quantized {} type, got '{}'",
                               !in ? "operand" : "result",
                               plain ? quant_text(*plain) : std::string("nothing")));
  }
  if (in->axis && out->axis && *in->axis != *out->axis) {
    cursor.fail_at(name_offset, ErrorCode::kInvalidArgument,
                   fmt::format("'ttir.requantize' operand is quantized along axis {} but its "
                               "result along axis {}",
                               *in->axis, *out->axis));
  }
  op.attrs["in_scale"] = in->scales;
  op.attrs["in_zero_point"] = in->zero_points;
  op.attrs["out_scale"] = out->scales;
  op.attrs["out_zero_point"] = out->zero_points;
  op.attrs["storage_min"] = out->storage_min;
  op.attrs["storage_max"] = out->storage_max;
  if (in->axis || out->axis) op.attrs["axis"] = in->axis ? *in->axis : *out->axis;
}

}  // namespace meshrt::compiler::detail
