// Cost classes of the less common ops.
#include <gtest/gtest.h>

#include "meshrt/report/perf.hpp"

namespace meshrt::report {
namespace {

TEST(OpFamilyExtra, LessCommonOpsGetTheirCostClass) {
  EXPECT_EQ(op_family("conv3d"), OpFamily::kMatmul);
  EXPECT_EQ(op_family("conv_transpose2d"), OpFamily::kMatmul);
  for (const char* name : {"cumprod", "sort", "batch_norm_training"})
    EXPECT_EQ(op_family(name), OpFamily::kReduction) << name;
  for (const char* name :
       {"index", "slice_dynamic", "scatter", "embedding_backward", "max_pool2d_with_indices"})
    EXPECT_EQ(op_family(name), OpFamily::kDataMovement) << name;
  EXPECT_EQ(op_family("some_unknown_op"), OpFamily::kEltwise);
}

}  // namespace
}  // namespace meshrt::report
