// Element types of tensors and exact conversions between their bit patterns and double.
//
// bf16 and f16 conversions round to nearest even, as hardware does; NaN stays NaN.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace meshrt {

enum class DataType : uint8_t {
  kFloat32,
  kBFloat16,
  kFloat16,
  kFloat64,
  kInt32,
  kUInt32,
  kUInt16,
  kUInt8,
  kInt64,
  kBool,
  kInt16,  // appended: the values above are stored in binaries
};

size_t element_size(DataType dtype);
bool is_float(DataType dtype);
// MLIR spelling: "f32", "bf16", "f16", "f64", "i32", "ui32", "ui16", "ui8", "i64", "i1", "i16".
std::string_view mlir_name(DataType dtype);
// Accepts the MLIR spellings plus "si32", "u32", "bool", "i8"->none. Empty if unknown.
std::optional<DataType> dtype_from_mlir(std::string_view name);

// bf16 <-> f32, inline: kernels convert every element through these. Round to nearest even;
// a NaN stays a (quiet) NaN.
inline uint16_t float_to_bf16_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}
inline float bf16_bits_to_float(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &wide, 4);
  return f;
}
uint16_t float_to_f16_bits(float value);  // round to nearest even, overflow -> inf
float f16_bits_to_float(uint16_t bits);

// Rounds `value` to what `dtype` can hold (bf16/f16/f32 rounding, integer truncation with
// saturation, bool -> 0/1). Used by kernels to "compute in the dtype".
double round_to_dtype(double value, DataType dtype);

// Reads/writes one element at `p` (which points at element storage of `dtype`) as double.
double load_element(const std::byte* p, DataType dtype);
void store_element(std::byte* p, DataType dtype, double value);

}  // namespace meshrt
