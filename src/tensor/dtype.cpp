#include "meshrt/tensor/dtype.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace meshrt {

size_t element_size(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return 4;
    case DataType::kBFloat16:
      return 2;
    case DataType::kFloat16:
      return 2;
    case DataType::kFloat64:
      return 8;
    case DataType::kInt32:
      return 4;
    case DataType::kUInt32:
      return 4;
    case DataType::kUInt16:
      return 2;
    case DataType::kUInt8:
      return 1;
    case DataType::kInt64:
      return 8;
    case DataType::kBool:
      return 1;
    case DataType::kInt16:
      return 2;
  }
  return 1;
}

bool is_float(DataType dtype) {
  return dtype == DataType::kFloat32 || dtype == DataType::kBFloat16 ||
         dtype == DataType::kFloat16 || dtype == DataType::kFloat64;
}

std::string_view mlir_name(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return "f32";
    case DataType::kBFloat16:
      return "bf16";
    case DataType::kFloat16:
      return "f16";
    case DataType::kFloat64:
      return "f64";
    case DataType::kInt32:
      return "i32";
    case DataType::kUInt32:
      return "ui32";
    case DataType::kUInt16:
      return "ui16";
    case DataType::kUInt8:
      return "ui8";
    case DataType::kInt64:
      return "i64";
    case DataType::kBool:
      return "i1";
    case DataType::kInt16:
      return "i16";
  }
  return "?";
}

std::optional<DataType> dtype_from_mlir(std::string_view n) {
  if (n == "f32") return DataType::kFloat32;
  if (n == "bf16") return DataType::kBFloat16;
  if (n == "f16") return DataType::kFloat16;
  if (n == "f64") return DataType::kFloat64;
  if (n == "i32" || n == "si32") return DataType::kInt32;
  if (n == "ui32" || n == "u32") return DataType::kUInt32;
  if (n == "ui16" || n == "u16") return DataType::kUInt16;
  if (n == "ui8" || n == "u8") return DataType::kUInt8;
  if (n == "i64" || n == "si64") return DataType::kInt64;
  if (n == "i1" || n == "bool") return DataType::kBool;
  if (n == "i16" || n == "si16") return DataType::kInt16;
  return std::nullopt;
}

uint16_t float_to_f16_bits(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t exp = (x >> 23) & 0xffu;
  uint32_t man = x & 0x7fffffu;
  if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (man ? 0x200u : 0));
  int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    man |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - e);
    uint32_t half = man >> shift;
    uint32_t rem = man & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(e) << 10) | (man >> 13);
  uint32_t rem = man & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) ++half;  // may carry into exponent
  return static_cast<uint16_t>(half);
}

float f16_bits_to_float(uint16_t h) {
  uint32_t sign = (static_cast<uint32_t>(h) & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  float f;
  if (exp == 0) {
    f = std::ldexp(static_cast<float>(man), -24);
    return sign ? -f : f;
  }
  uint32_t bits = exp == 31 ? (sign | 0x7f800000u | (man << 13))
                            : (sign | ((exp - 15 + 127) << 23) | (man << 13));
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {
template <typename T>
double saturate(double v) {
  if (std::isnan(v)) return 0;
  double lo = static_cast<double>(std::numeric_limits<T>::lowest());
  double hi = static_cast<double>(std::numeric_limits<T>::max());
  // int64's maximum rounds up to 2^63 as a double, which no longer converts back: stay below.
  if (hi >= std::ldexp(1.0, std::numeric_limits<T>::digits)) hi = std::nextafter(hi, 0.0);
  v = std::trunc(v);
  return v < lo ? lo : (v > hi ? hi : v);
}
}  // namespace

double round_to_dtype(double v, DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return static_cast<float>(v);
    case DataType::kBFloat16:
      return bf16_bits_to_float(float_to_bf16_bits(static_cast<float>(v)));
    case DataType::kFloat16:
      return f16_bits_to_float(float_to_f16_bits(static_cast<float>(v)));
    case DataType::kFloat64:
      return v;
    case DataType::kInt32:
      return saturate<int32_t>(v);
    case DataType::kUInt32:
      return saturate<uint32_t>(v);
    case DataType::kUInt16:
      return saturate<uint16_t>(v);
    case DataType::kUInt8:
      return saturate<uint8_t>(v);
    case DataType::kInt64:
      return saturate<int64_t>(v);
    case DataType::kBool:
      return (v != 0 && !std::isnan(v)) ? 1.0 : 0.0;
    case DataType::kInt16:
      return saturate<int16_t>(v);
  }
  return v;
}

double load_element(const std::byte* p, DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32: {
      float v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case DataType::kBFloat16: {
      uint16_t b;
      std::memcpy(&b, p, 2);
      return bf16_bits_to_float(b);
    }
    case DataType::kFloat16: {
      uint16_t b;
      std::memcpy(&b, p, 2);
      return f16_bits_to_float(b);
    }
    case DataType::kFloat64: {
      double v;
      std::memcpy(&v, p, 8);
      return v;
    }
    case DataType::kInt32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case DataType::kUInt32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case DataType::kUInt16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case DataType::kUInt8:
      return static_cast<double>(static_cast<uint8_t>(*p));
    case DataType::kInt64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return static_cast<double>(v);
    }
    case DataType::kBool:
      return static_cast<uint8_t>(*p) ? 1.0 : 0.0;
    case DataType::kInt16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
  }
  return 0;
}

void store_element(std::byte* p, DataType dtype, double value) {
  double v = round_to_dtype(value, dtype);
  switch (dtype) {
    case DataType::kFloat32: {
      float f = static_cast<float>(v);
      std::memcpy(p, &f, 4);
      return;
    }
    case DataType::kBFloat16: {
      uint16_t b = float_to_bf16_bits(static_cast<float>(v));
      std::memcpy(p, &b, 2);
      return;
    }
    case DataType::kFloat16: {
      uint16_t b = float_to_f16_bits(static_cast<float>(v));
      std::memcpy(p, &b, 2);
      return;
    }
    case DataType::kFloat64:
      std::memcpy(p, &v, 8);
      return;
    case DataType::kInt32: {
      int32_t x = static_cast<int32_t>(v);
      std::memcpy(p, &x, 4);
      return;
    }
    case DataType::kUInt32: {
      uint32_t x = static_cast<uint32_t>(v);
      std::memcpy(p, &x, 4);
      return;
    }
    case DataType::kUInt16: {
      uint16_t x = static_cast<uint16_t>(v);
      std::memcpy(p, &x, 2);
      return;
    }
    case DataType::kUInt8:
      *p = static_cast<std::byte>(static_cast<uint8_t>(v));
      return;
    case DataType::kInt64: {
      int64_t x = static_cast<int64_t>(v);
      std::memcpy(p, &x, 8);
      return;
    }
    case DataType::kBool:
      *p = static_cast<std::byte>(v != 0 ? 1 : 0);
      return;
    case DataType::kInt16: {
      int16_t x = static_cast<int16_t>(v);
      std::memcpy(p, &x, 2);
      return;
    }
  }
}

}  // namespace meshrt
