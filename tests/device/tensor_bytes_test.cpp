// Device bytes and page sizes of tensors in tile and row-major layout.
#include "meshrt/device/tensor_bytes.hpp"

#include <gtest/gtest.h>

#include "meshrt/common/error.hpp"

namespace meshrt::device {
namespace {

TEST(TensorBytes, TilePadsLastTwoDims) {
  EXPECT_EQ(tensor_device_bytes({1, 1, 32, 32}, DataType::kBFloat16, true), 2048u);
  EXPECT_EQ(tensor_device_bytes({1, 1, 33, 32}, DataType::kBFloat16, true), 2u * 2048u);
  EXPECT_EQ(tensor_device_bytes({2, 3, 5, 40}, DataType::kFloat32, true), 6u * 32 * 64 * 4);
  EXPECT_EQ(device_storage_shape({2, 3, 5, 40}, true), (Shape{2, 3, 32, 64}));
}

TEST(TensorBytes, RankOneIsOneRow) {
  EXPECT_EQ(device_storage_shape({100}, true), (Shape{32, 128}));
  EXPECT_EQ(tensor_device_bytes({100}, DataType::kFloat32, true), 32u * 128 * 4);
  EXPECT_EQ(tensor_device_bytes({100}, DataType::kFloat32, false), 400u);
  EXPECT_EQ(tensor_device_bytes({}, DataType::kBFloat16, true), 2048u);  // scalar: one tile
}

TEST(TensorBytes, RowMajorIsDense) {
  EXPECT_EQ(tensor_device_bytes({3, 5, 7}, DataType::kBFloat16, false), 210u);
  EXPECT_EQ(tensor_page_bytes({3, 5, 7}, DataType::kBFloat16, false), 14u);
  EXPECT_EQ(tensor_page_bytes({3, 5, 7}, DataType::kFloat32, true), 4096u);
  EXPECT_EQ(tensor_page_bytes({3, 0}, DataType::kFloat32, false), 4u);
  EXPECT_EQ(tensor_device_bytes({3, 0}, DataType::kFloat32, true), 0u);
}

TEST(TensorBytes, NegativeDimIsRejected) {
  try {
    tensor_device_bytes({2, -1}, DataType::kFloat32, true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("negative"), std::string::npos);
  }
}

}  // namespace
}  // namespace meshrt::device
