// ttir.rand in the compiler: the reference interpreter against known answers of the generator
// (computed by an independent script) and its clamping below `high`, the parser and verifier on
// the corpus form of the op, and verifier errors for bad attributes.
#include <gtest/gtest.h>

#include <algorithm>

#include "reference/interp_test_util.hpp"
#include "meshrt/compiler/parser.hpp"
#include "meshrt/verify/verify.hpp"

namespace meshrt::compiler::testing {

using namespace meshrt::reference;
using namespace meshrt::reference::testing;
using namespace meshrt::verify;
namespace {

Attrs rand_attrs(double low, double high, int64_t seed, std::vector<int64_t> size) {
  return {{"low", low}, {"high", high}, {"seed", seed}, {"size", std::move(size)}};
}

HostTensor interp_rand(double low, double high, int64_t seed, const Shape& shape, DataType dtype) {
  return run_op("rand", {}, shape, dtype, rand_attrs(low, high, seed, shape));
}

TEST(InterpRand, MatchesKnownAnswersOfTheGenerator) {
  const HostTensor s0 = interp_rand(0.0, 1.0, 0, {1024}, DataType::kFloat32);
  EXPECT_EQ(s0.at(0), 14819496 * 0x1p-24);
  EXPECT_EQ(s0.at(1), 9505325 * 0x1p-24);
  EXPECT_EQ(s0.at(2), 9918517 * 0x1p-24);
  EXPECT_EQ(s0.at(1023), 13209712 * 0x1p-24);
  const HostTensor s7 = interp_rand(10.0, 12.0, 7, {32, 32}, DataType::kFloat32);
  // low + (high - low) * u in f64, then rounded once to f32.
  EXPECT_EQ(s7.at(0), static_cast<float>(10.0 + 2.0 * 12376646 * 0x1p-24));
  EXPECT_EQ(s7.at(1023), static_cast<float>(10.0 + 2.0 * 3139200 * 0x1p-24));
}

TEST(InterpRand, StaysInsideTheDtypeValuesOfLowHigh) {
  std::vector<double> v = interp_rand(0.0, 1.0, 0, {256, 256}, DataType::kBFloat16).to_doubles();
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 0.99609375);  // largest bf16 below 1
  v = interp_rand(-1.0, 1.0, 3, {128, 128}, DataType::kFloat16).to_doubles();
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 1.0 - 0x1p-11);  // largest f16 below 1
  v = interp_rand(-3.0, -2.0, 11, {128, 128}, DataType::kBFloat16).to_doubles();
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), -2.015625);  // below -2 the bf16 gap is 2^-6
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), -3.0);
  v = interp_rand(0.1, 0.2, 9, {64, 64}, DataType::kBFloat16).to_doubles();
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), 0.10009765625);  // smallest bf16 >= 0.1
  // [1, 1 + 2^-20) holds 8 f32 values; u above 1 - 2^-4 would round to high.
  v = interp_rand(1.0, 1.0 + 0x1p-20, 5, {64, 64}, DataType::kFloat32).to_doubles();
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 1.0 + 7 * 0x1p-23);
}

TEST(InterpRand, RejectsBadAttributesAtRunTime) {
  expect_error([] { interp_rand(2.0, 1.0, 0, {4}, DataType::kFloat32); },
               ErrorCode::kInvalidArgument, {"op 'rand'", "low 2", "high 1"});
  expect_error([] { run_op("rand", {}, {4}, DataType::kFloat32, rand_attrs(0, 1, 0, {5})); },
               ErrorCode::kInvalidArgument,
               {"op 'rand'", "size 5 differs from the result shape 4"});
}

// --- parser and verifier ---------------------------------------------------------------------

binary::Binary compile_text(const std::string& text) {
  binary::Binary b = parse_mlir(text, ParseOptions{"x.mlir", std::nullopt});
  verify_and_annotate(b, "x.mlir");
  return b;
}

std::string rand_module(const std::string& attrs, const std::string& type) {
  return "func.func @f() -> " + type + " {\n  %0 = \"ttir.rand\"() <{" + attrs + "}> : () -> " +
         type + " loc(\"bad_op\")\n  return %0 : " + type + "\n}";
}

TEST(VerifyRand, AcceptsTheCorpusFormAndKeepsItsAttributes) {
  binary::Binary b = compile_text(rand_module("size = [32 : i32, 32 : i32]", "tensor<32x32xbf16>"));
  const binary::Op& op = b.programs.at(0).ops.at(0);
  EXPECT_EQ(op.name, "rand");
  EXPECT_TRUE(op.operands.empty());
  EXPECT_EQ(op.ints_attr("size"), (std::vector<int64_t>{32, 32}));
  b = compile_text(rand_module(
      "dtype = bf16, low = -1.0 : f32, high = 3.0 : f32, seed = 42 : ui32, size = [2 : i32, 3 : "
      "i32]",
      "tensor<2x3xbf16>"));
  const binary::Op& full = b.programs.at(0).ops.at(0);
  EXPECT_EQ(full.float_attr("low"), -1.0);
  EXPECT_EQ(full.float_attr("high"), 3.0);
  EXPECT_EQ(full.int_attr("seed"), 42);
  // The golden of the compiled program is the documented generator's output.
  const HostTensor out = *interpret(b, 0, {}).at(0).at(0);
  EXPECT_TRUE(out == interp_rand(-1.0, 3.0, 42, {2, 3}, DataType::kBFloat16));
}

void expect_verify_error(const std::string& attrs, const std::string& type,
                         const std::vector<std::string>& parts) {
  std::vector<std::string> all = {"op 'rand'", "loc 'bad_op'"};
  all.insert(all.end(), parts.begin(), parts.end());
  expect_error([&] { compile_text(rand_module(attrs, type)); }, ErrorCode::kInvalidArgument, all);
}

TEST(VerifyRand, RejectsBadAttributes) {
  expect_verify_error("low = 1.0 : f32, high = 1.0 : f32, size = [4 : i32]", "tensor<4xf32>",
                      {"low (1) must be less than high (1)"});
  expect_verify_error("low = 2.0 : f32, size = [4 : i32]", "tensor<4xf32>",
                      {"low (2) must be less than high (1)"});
  expect_verify_error("size = [32 : i32, 32 : i32]", "tensor<32x16xbf16>",
                      {"size 32x32 does not match the result shape 32x16"});
  expect_verify_error("size = [4 : i32]", "tensor<4xi32>", {"i32 is not a float type"});
  expect_verify_error("dtype = f32, size = [4 : i32]", "tensor<4xbf16>",
                      {"dtype f32 does not match the result element type bf16"});
  expect_verify_error("low = 0.1 : f32, high = 0.10005 : f32, size = [4 : i32]", "tensor<4xbf16>",
                      {"no bf16 value lies in [low, high)"});
  expect_verify_error("seed = -3 : i64, size = [4 : i32]", "tensor<4xf32>",
                      {"seed -3 is out of range for ui32"});
  expect_verify_error("low = 0.0 : f32", "tensor<4xf32>", {"attribute 'size' is missing"});
}

}  // namespace
}  // namespace meshrt::compiler::testing
