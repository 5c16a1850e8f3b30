// bf16 and f16 conversions: round to nearest even (ties included), NaN and infinities kept,
// overflow to infinity, f16 subnormals, and every 16-bit pattern surviving a round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "meshrt/tensor/dtype.hpp"

namespace meshrt {
namespace {

float from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

TEST(HalfPrecision, Bf16RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16_bits(1.0f), 0x3f80);
  // Exactly halfway between 0x3f80 and 0x3f81: to the even 0x3f80; between 0x3f81 and 0x3f82:
  // to 0x3f82.
  EXPECT_EQ(float_to_bf16_bits(from_bits(0x3f808000u)), 0x3f80);
  EXPECT_EQ(float_to_bf16_bits(from_bits(0x3f818000u)), 0x3f82);
  // Just above halfway rounds up, just below down.
  EXPECT_EQ(float_to_bf16_bits(from_bits(0x3f808001u)), 0x3f81);
  EXPECT_EQ(float_to_bf16_bits(from_bits(0x3f807fffu)), 0x3f80);
  EXPECT_EQ(float_to_bf16_bits(-0.0f), 0x8000);
  // The largest finite f32 rounds past bf16's largest finite value: infinity.
  EXPECT_EQ(float_to_bf16_bits(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_EQ(float_to_bf16_bits(-std::numeric_limits<float>::infinity()), 0xff80);
  // f32 subnormals keep their bf16 counterparts.
  EXPECT_EQ(float_to_bf16_bits(from_bits(0x00010000u)), 0x0001);
}

TEST(HalfPrecision, Bf16KeepsNaN) {
  // A NaN whose payload lies only in the low 16 bits must not round to infinity.
  const uint16_t b = float_to_bf16_bits(from_bits(0x7f800001u));
  EXPECT_TRUE(std::isnan(bf16_bits_to_float(b))) << std::hex << b;
  EXPECT_TRUE(std::isnan(bf16_bits_to_float(float_to_bf16_bits(std::nanf("")))));
}

TEST(HalfPrecision, F16RoundsToNearestEvenAndOverflows) {
  EXPECT_EQ(float_to_f16_bits(1.0f), 0x3c00);
  EXPECT_EQ(float_to_f16_bits(65504.0f), 0x7bff);  // the largest finite f16
  EXPECT_EQ(float_to_f16_bits(65520.0f), 0x7c00);  // halfway to the next: rounds to even (inf)
  EXPECT_EQ(float_to_f16_bits(65519.0f), 0x7bff);
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: to the even 1; 1 + 3 * 2^-11 to 1 + 2^-9.
  EXPECT_EQ(float_to_f16_bits(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(float_to_f16_bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_TRUE(std::isnan(f16_bits_to_float(float_to_f16_bits(std::nanf("")))));
  EXPECT_EQ(float_to_f16_bits(-std::numeric_limits<float>::infinity()), 0xfc00);
}

TEST(HalfPrecision, F16Subnormals) {
  const float tiny = std::ldexp(1.0f, -24);  // the smallest f16 subnormal
  EXPECT_EQ(float_to_f16_bits(tiny), 0x0001);
  EXPECT_EQ(f16_bits_to_float(0x0001), tiny);
  EXPECT_EQ(float_to_f16_bits(tiny / 2), 0x0000);      // halfway to 0: to the even 0
  EXPECT_EQ(float_to_f16_bits(tiny * 0.75f), 0x0001);  // past halfway: up
  EXPECT_EQ(float_to_f16_bits(tiny * 1.5f), 0x0002);   // halfway between 1 and 2: to even 2
  EXPECT_EQ(float_to_f16_bits(std::ldexp(1.0f, -14)), 0x0400);  // the smallest normal
  EXPECT_EQ(f16_bits_to_float(0x03ff), std::ldexp(1023.0f, -24));
}

TEST(HalfPrecision, EveryPatternRoundTrips) {
  int checked = 0;
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const auto bits = static_cast<uint16_t>(b);
    const float bf = bf16_bits_to_float(bits), h = f16_bits_to_float(bits);
    if (!std::isnan(bf)) {
      ASSERT_EQ(float_to_bf16_bits(bf), bits) << std::hex << b;
      ++checked;
    }
    if (!std::isnan(h)) {
      ASSERT_EQ(float_to_f16_bits(h), bits) << std::hex << b;
      ++checked;
    }
  }
  EXPECT_EQ(checked, (65536 - 254) + (65536 - 2046));  // all but the bf16 and f16 NaNs
}

}  // namespace
}  // namespace meshrt
