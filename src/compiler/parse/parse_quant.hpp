// Uniform quantized element types of the MLIR quant dialect, as the TTIR parser reads them:
//
//   !quant.uniform<i32:f32, 2.0e-02>                 per-tensor scale, zero point 0
//   !quant.uniform<i16<-100:100>:f32, 0.1:5>         storage range, scale:zero point
//   !quant.uniform<i32:f32:1, {0.1:10, 0.2:20}>      per-axis (axis 1): one scale[:zp] per index
//
// A value of such a type is stored as its storage type (i32 -> DataType::kInt32). The
// quantization parameters are not kept on the TensorDesc: the ops that need them
// (ttir.quantize, ttir.dequantize, ttir.requantize, ...) receive them as ordinary attributes, filled in by
// add_quant_attrs() from their operand and result types:
//
//   requantize:        in_scale, out_scale (float arrays), in_zero_point, out_zero_point (int
//                      arrays; one entry, or one per index of `axis`), axis (per-axis only),
//                      storage_min, storage_max (the result's storage range)
//   quantize_unrolled, requantize_unrolled: storage_min, storage_max (the result's storage
//                      range)
//   quantize:          scale (float array), zero_point (int array), axis (per-axis only) from
//                      the quantized result type, and its storage_min, storage_max
//   dequantize:        scale, zero_point, axis from the quantized operand type
//
// Stateless functions; they throw "path:line:col" errors through the Cursor they are given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/tensor/host_tensor.hpp"
#include "parse_cursor.hpp"

namespace meshrt::compiler::detail {

struct QuantType {
  DataType storage = DataType::kInt32;  // the DataType of the tensor
  int64_t storage_min = 0;              // inclusive range the stored integers are clamped to
  int64_t storage_max = 0;
  DataType expressed = DataType::kFloat32;  // the real-valued type the integers stand for
  std::optional<int64_t> axis;              // set for per-axis quantization
  std::vector<double> scales;               // one, or one per index of `axis`
  std::vector<int64_t> zero_points;         // same count as scales
};

// True when the text at the cursor's position starts a quant dialect type ("!quant.").
bool at_quant_type(const Cursor& cursor);

// Parses a `!quant.uniform<...>` type at the cursor's position and consumes it. Malformed text
// (missing parts, a scale that is not a positive finite number, a zero point outside the
// storage range) throws kInvalidArgument; other quant types (!quant.any, sub-channel axes) and
// storage types without a DataType (i8) throw kUnsupported.
QuantType parse_quant_type(Cursor& cursor);

// Checks a per-axis type against the shape of its tensor: the axis is a dim of the tensor and
// there is one scale per index of that dim. Errors point at `offset`.
void check_quant_shape(const Cursor& cursor, size_t offset, const QuantType& quant,
                       const Shape& shape, std::string_view type_text);

struct ParsedType;  // parse_attrs.hpp

// Adds the attributes listed at the top of this file to `op` (its name without "ttir.") from
// its declared operand and result types. A requantize whose operand or result type is not
// quantized, or whose types are per-axis along different axes, fails at `name_offset`.
void add_quant_attrs(const Cursor& cursor, size_t name_offset, binary::Op& op,
                     const std::vector<ParsedType>& operand_types,
                     const std::vector<ParsedType>& result_types);

}  // namespace meshrt::compiler::detail
