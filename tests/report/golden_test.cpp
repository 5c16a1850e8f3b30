#include "meshrt/report/golden.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace meshrt::report {
namespace {

HostTensor t(Shape s, std::vector<double> v, DataType d = DataType::kFloat32) {
  return HostTensor::from_doubles(std::move(s), d, v);
}

TEST(Golden, IdenticalTensorsPass) {
  auto g = t({4}, {1, 2, 3, 4});
  GoldenMetrics m = compare(g, g, {});
  EXPECT_TRUE(m.passed);
  EXPECT_DOUBLE_EQ(m.actual_pcc, 1.0);
  EXPECT_TRUE(m.allclose);
  EXPECT_EQ(m.max, 0);
  EXPECT_DOUBLE_EQ(m.cosine_similarity, 1.0);
}

TEST(Golden, AWrongResultIsCaught) {
  auto g = t({6}, {1, 2, 3, 4, 5, 6});
  auto a = t({6}, {1, 2, 3, 4, 5, -6});
  GoldenMetrics m = compare(g, a, {});
  EXPECT_FALSE(m.passed);
  EXPECT_LT(m.actual_pcc, 0.99);
  EXPECT_FALSE(m.allclose);
  EXPECT_DOUBLE_EQ(m.max, 12);
  EXPECT_DOUBLE_EQ(m.mean_absolute_error, 2);
  EXPECT_NEAR(m.root_mean_square_error, std::sqrt(144.0 / 6), 1e-12);
  EXPECT_NE(m.message.find("PCC"), std::string::npos);
}

TEST(Golden, PccMatchesPearsonForAKnownCase) {
  // x = 1..4, y = 2,4,5,4: r = 3.5 / sqrt(5 * 4.75)
  EXPECT_NEAR(pcc({1, 2, 3, 4}, {2, 4, 5, 4}, {}), 3.5 / std::sqrt(5 * 4.75), 1e-12);
}

TEST(Golden, SpecialCases) {
  GoldenOptions o;
  EXPECT_EQ(pcc({}, {}, o), 1.0);
  EXPECT_EQ(pcc({NAN, NAN}, {NAN, NAN}, o), 1.0);
  EXPECT_EQ(pcc({NAN, NAN}, {1, 2}, o), 0.0);
  EXPECT_EQ(pcc({0, 0}, {0, 0}, o), 1.0);
  EXPECT_EQ(pcc({0, 0}, {0, 1}, o), 0.0);
  EXPECT_EQ(pcc({3}, {3}, o), 1.0);
  EXPECT_EQ(pcc({3}, {4}, o), 0.0);
  EXPECT_EQ(pcc({2, 2, 2}, {2, 2, 2}, o), 1.0);
  EXPECT_EQ(pcc({2, 2, 2}, {2, 2, 2.5}, o), 0.0);
  EXPECT_NEAR(pcc({1, NAN, 2, 3}, {1, 5, 2, 3}, o), 1.0, 1e-12);  // non-finite dropped
}

TEST(Golden, ShapeMismatchFails) {
  GoldenMetrics m = compare(t({2, 2}, {1, 2, 3, 4}), t({4}, {1, 2, 3, 4}), {});
  EXPECT_FALSE(m.passed);
  EXPECT_NE(m.message.find("2x2"), std::string::npos);
}

TEST(Golden, Bf16RoundingPassesPccButNotTightAllclose) {
  std::vector<double> v;
  for (int i = 0; i < 100; ++i) v.push_back(std::sin(i * 0.37) * 3.1);
  auto g = t({100}, v, DataType::kFloat64);
  auto a = t({100}, v, DataType::kBFloat16);
  GoldenMetrics m = compare(g, a, {});
  EXPECT_TRUE(m.passed);
  EXPECT_FALSE(m.allclose);
  EXPECT_GT(m.max, 0);
}

}  // namespace
}  // namespace meshrt::report
