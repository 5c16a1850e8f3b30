// The device kernel of ttir.rand: known answers of the generator, the statistics of its output
// (range, mean, variance, histogram), seeds, independence from the result's shape, clamping
// below `high` after rounding, bit-for-bit agreement with the reference interpreter, and the
// errors it raises on bad attributes.
#include <algorithm>
#include <cmath>

#include "meshrt/reference/interpreter.hpp"
#include "ops_test_util.hpp"

namespace meshrt::ops::testing {
namespace {

constexpr DataType F32 = DataType::kFloat32;
constexpr DataType BF16 = DataType::kBFloat16;
constexpr DataType F16 = DataType::kFloat16;

binary::Op rand_op(double low, double high, int64_t seed, const Shape& size) {
  return make_op("rand", {{"low", low},
                          {"high", high},
                          {"seed", seed},
                          {"size", std::vector<int64_t>(size.begin(), size.end())}});
}

HostTensor run_rand(double low, double high, int64_t seed, const Shape& shape, DataType dtype) {
  return run1(rand_op(low, high, seed, shape), {}, shape, dtype);
}

// Pearson correlation of two equally long vectors.
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// Top 24 bits of splitmix64(seed * 2^32 + i), worked out with an independent script.
TEST(RandKernel, MatchesKnownAnswersOfTheGenerator) {
  const HostTensor s0 = run_rand(0.0, 1.0, 0, {1024}, F32);
  EXPECT_EQ(s0.at(0), 14819496 * 0x1p-24);  // splitmix64(0) = 0xe220a8397b1dcdaf
  EXPECT_EQ(s0.at(1), 9505325 * 0x1p-24);
  EXPECT_EQ(s0.at(2), 9918517 * 0x1p-24);
  EXPECT_EQ(s0.at(1023), 13209712 * 0x1p-24);
  const HostTensor s7 = run_rand(0.0, 1.0, 7, {32, 32}, F32);
  EXPECT_EQ(s7.at(0), 12376646 * 0x1p-24);
  EXPECT_EQ(s7.at(1), 1719978 * 0x1p-24);
  EXPECT_EQ(s7.at(2), 10948305 * 0x1p-24);
  EXPECT_EQ(s7.at(1023), 3139200 * 0x1p-24);
  // low + (high - low) * u
  EXPECT_EQ(run_rand(-2.0, 6.0, 7, {2}, F32).at(1), -2.0 + 8.0 * 1719978 * 0x1p-24);
}

TEST(RandKernel, IsUniformOverLowHigh) {
  const double low = -2.0, high = 3.0;
  const std::vector<double> v = run_rand(low, high, 1234, {256, 256}, F32).to_doubles();
  const double n = static_cast<double>(v.size());
  double mean = 0;
  for (double x : v) {
    ASSERT_GE(x, low);
    ASSERT_LT(x, high);
    mean += x / n;
  }
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean) / (n - 1);
  const double width = high - low;
  const double expected_var = width * width / 12.0;
  const double standard_error = std::sqrt(expected_var / n);
  EXPECT_NEAR(mean, (low + high) / 2, 4 * standard_error);
  EXPECT_NEAR(var, expected_var, 0.03 * expected_var);
  std::vector<double> bins(10, 0.0);
  for (double x : v) bins[std::min<size_t>(9, static_cast<size_t>((x - low) / width * 10))] += 1;
  const double expected = n / 10;
  double chi2 = 0;
  for (double count : bins) {
    EXPECT_NEAR(count, expected, 0.2 * expected);
    chi2 += (count - expected) * (count - expected) / expected;
  }
  EXPECT_LT(chi2, 30.0);  // 9 degrees of freedom: p < 0.001 beyond 27.9
  // Neighbouring elements are not correlated.
  std::vector<double> head(v.begin(), v.end() - 1), tail(v.begin() + 1, v.end());
  EXPECT_LT(std::abs(correlation(head, tail)), 0.02);
}

TEST(RandKernel, SeedsGiveIndependentTensorsAndRepeatExactly) {
  const HostTensor a = run_rand(0.0, 1.0, 0, {64, 64}, F32);
  const HostTensor b = run_rand(0.0, 1.0, 1, {64, 64}, F32);
  EXPECT_TRUE(a == run_rand(0.0, 1.0, 0, {64, 64}, F32));
  EXPECT_FALSE(a == b);
  const std::vector<double> va = a.to_doubles(), vb = b.to_doubles();
  int64_t same = 0;
  for (size_t i = 0; i < va.size(); ++i) same += va[i] == vb[i];
  EXPECT_LT(same, 10);
  // Uncorrelated: a golden check (PCC) would catch a device that used the wrong seed.
  EXPECT_LT(std::abs(correlation(va, vb)), 0.05);
}

TEST(RandKernel, ValuesDependOnlyOnTheFlatIndex) {
  const HostTensor flat = run_rand(0.0, 1.0, 3, {64}, F32);
  EXPECT_EQ(run_rand(0.0, 1.0, 3, {4, 16}, F32).to_doubles(), flat.to_doubles());
  EXPECT_EQ(run_rand(0.0, 1.0, 3, {2, 2, 16}, F32).to_doubles(), flat.to_doubles());
  std::vector<double> longer = run_rand(0.0, 1.0, 3, {128}, F32).to_doubles();
  longer.resize(64);
  EXPECT_EQ(longer, flat.to_doubles());
  // A bf16 result is the f32 one rounded (never 1.0: see the clamping test).
  const std::vector<double> narrow = run_rand(0.0, 1.0, 3, {64}, BF16).to_doubles();
  for (size_t i = 0; i < narrow.size(); ++i)
    EXPECT_EQ(narrow[i], std::min(round_to_dtype(flat.at(i), BF16), 0.99609375)) << i;
}

TEST(RandKernel, RoundingNeverReachesHighOrFallsBelowLow) {
  // bf16 has 8 significant bits: every u above 1 - 2^-9 would round to 1.0.
  const std::vector<double> v = run_rand(0.0, 1.0, 0, {256, 256}, BF16).to_doubles();
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 0.99609375);
  EXPECT_GT(std::count(v.begin(), v.end(), 0.99609375), 0);
  EXPECT_EQ(std::count_if(v.begin(), v.end(), [](double x) { return x >= 1.0; }), 0);
  // f32 needs clamping too: [1, 1 + 2^-20) holds 8 f32 values, and u above 1 - 2^-4 would
  // round to high.
  const std::vector<double> w = run_rand(1.0, 1.0 + 0x1p-20, 5, {64, 64}, F32).to_doubles();
  EXPECT_EQ(*std::max_element(w.begin(), w.end()), 1.0 + 7 * 0x1p-23);
  EXPECT_GT(std::count(w.begin(), w.end(), 1.0 + 7 * 0x1p-23), 64 * 64 / 16);
  // low = 0.1 is no bf16 value: the smallest one above it is 0.10009765625.
  const std::vector<double> x = run_rand(0.1, 0.2, 9, {64, 64}, BF16).to_doubles();
  EXPECT_EQ(*std::min_element(x.begin(), x.end()), 0.10009765625);
  const std::vector<double> h = run_rand(-1.0, 1.0, 2, {64, 64}, F16).to_doubles();
  EXPECT_LT(*std::max_element(h.begin(), h.end()), 1.0);
  EXPECT_GE(*std::min_element(h.begin(), h.end()), -1.0);
}

TEST(RandKernel, AttributesDefaultToZeroOneAndSeedZero) {
  HostTensor out = run1(make_op("rand", {{"size", std::vector<int64_t>{8}}}), {}, {8}, F32);
  EXPECT_TRUE(out == run_rand(0.0, 1.0, 0, {8}, F32));
}

// The reference interpreter is a separate implementation of the same definition: both must
// agree bit for bit, including where values are clamped.
TEST(RandKernel, AgreesWithTheReferenceInterpreterBitForBit) {
  struct Case {
    double low, high;
    int64_t seed;
    DataType dtype;
  };
  const std::vector<Case> cases = {
      {0, 1, 0, BF16},     {0, 1, 0, F32},          {1, 2, 5, F32},
      {-1, 1, 2, F16},     {0.1, 0.2, 9, BF16},     {-3, -2, 11, BF16},
      {-5e3, 7e4, 4, F16}, {0, 1, 4294967295, F32}, {1, 1 + 0x1p-20, 5, F32}};
  for (const Case& c : cases) {
    const Shape shape = {48, 40};
    binary::Program p;
    p.name = "main";
    p.mesh_shape = {1, 1};
    binary::TensorDesc desc;
    desc.shape = shape;
    desc.dtype = c.dtype;
    p.values.push_back(desc);
    binary::Op op = rand_op(c.low, c.high, c.seed, shape);
    op.results = {0};
    p.ops.push_back(op);
    p.outputs = {0};
    binary::Binary b;
    b.programs.push_back(p);
    const HostTensor golden = *reference::interpret(b, 0, {}).at(0).at(0);
    EXPECT_TRUE(golden == run_rand(c.low, c.high, c.seed, shape, c.dtype))
        << "low " << c.low << " high " << c.high << " seed " << c.seed << " " << mlir_name(c.dtype);
  }
}

TEST(RandKernel, RejectsBadAttributes) {
  expect_error(rand_op(1.0, 1.0, 0, {4}), {}, {4}, F32, ErrorCode::kInvalidArgument,
               {"op 'rand'", "low (1)", "less than high (1)"});
  expect_error(rand_op(0.0, 1.0, 0, {32, 32}), {}, {32, 16}, BF16, ErrorCode::kInvalidArgument,
               {"op 'rand'", "size", "32x32", "32x16"});
  expect_error(rand_op(0.0, 1.0, 0, {4}), {}, {4}, DataType::kInt32, ErrorCode::kInvalidArgument,
               {"op 'rand'", "i32", "not a float type"});
  expect_error(rand_op(0.0, 1.0, -1, {4}), {}, {4}, F32, ErrorCode::kInvalidArgument,
               {"op 'rand'", "seed -1"});
  expect_error(rand_op(0.1, 0.10005, 0, {4}), {}, {4}, BF16, ErrorCode::kInvalidArgument,
               {"op 'rand'", "no bf16 value"});
  binary::Op typed = rand_op(0.0, 1.0, 0, {4});
  typed.attrs["dtype"] = std::string("f32");
  expect_error(typed, {}, {4}, BF16, ErrorCode::kInvalidArgument,
               {"op 'rand'", "dtype f32", "bf16"});
}

}  // namespace
}  // namespace meshrt::ops::testing
