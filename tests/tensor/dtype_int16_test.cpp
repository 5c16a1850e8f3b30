// The signed 16-bit element type: names, size, saturation and storage of negative values.
#include <gtest/gtest.h>

#include "meshrt/tensor/dtype.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt {
namespace {

TEST(DtypeInt16, NamesAndSize) {
  EXPECT_EQ(dtype_from_mlir("i16"), DataType::kInt16);
  EXPECT_EQ(dtype_from_mlir("si16"), DataType::kInt16);
  EXPECT_EQ(mlir_name(DataType::kInt16), "i16");
  EXPECT_EQ(element_size(DataType::kInt16), 2u);
  EXPECT_FALSE(is_float(DataType::kInt16));
  // The types that existed before keep their codes (they are stored in binaries).
  EXPECT_EQ(static_cast<int>(DataType::kBool), 9);
  EXPECT_EQ(static_cast<int>(DataType::kInt16), 10);
}

TEST(DtypeInt16, RoundsBySaturatingTruncation) {
  EXPECT_EQ(round_to_dtype(40000.0, DataType::kInt16), 32767.0);
  EXPECT_EQ(round_to_dtype(-40000.0, DataType::kInt16), -32768.0);
  EXPECT_EQ(round_to_dtype(-7.9, DataType::kInt16), -7.0);
}

TEST(DtypeInt16, HostTensorStoresNegativeValues) {
  HostTensor t = HostTensor::from_doubles({3}, DataType::kInt16, {-1, 300, -32768});
  EXPECT_EQ(t.size_bytes(), 6u);
  EXPECT_EQ(t.to_doubles(), (std::vector<double>{-1, 300, -32768}));
  // Two's complement bytes, little-endian: -1 is 0xffff.
  EXPECT_EQ(static_cast<uint8_t>(t.data()[0]), 0xff);
  EXPECT_EQ(static_cast<uint8_t>(t.data()[1]), 0xff);
}

}  // namespace
}  // namespace meshrt
