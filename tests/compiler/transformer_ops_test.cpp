// KV-cache and transformer ops in the compiler: in-place cache ops become pure ops at parse
// time, the verifier's shape rules, and the reference interpreter's values on tiny tensors.
#include <cmath>

#include "reference/interp_test_util.hpp"
#include "meshrt/compiler/parser.hpp"
#include "meshrt/verify/verify.hpp"

namespace meshrt::compiler::testing {

using namespace meshrt::reference;
using namespace meshrt::reference::testing;
using namespace meshrt::verify;
namespace {

using DT = DataType;
// ln 3 as an f32 input: results are exact to about 1e-7.
const double kLn3 = std::log(3.0);

binary::Binary parse_and_verify(const std::string& text) {
  binary::Binary b = parse_mlir(text, ParseOptions{"t.mlir", std::nullopt});
  verify_and_annotate(b, "t.mlir");
  return b;
}

// Expects verification of `text` to fail with kInvalidArgument naming the op, its loc and
// every string in `parts`.
void expect_verify_error(const std::string& text, const std::string& op,
                         std::vector<std::string> parts) {
  parts.push_back("op '" + op + "'");
  parts.push_back("loc 'bad'");
  expect_error([&] { parse_and_verify(text); }, ErrorCode::kInvalidArgument, parts);
}

const char* kUpdateInPlace = R"(
func.func @f(%c: tensor<2x1x3x2xf32>, %x: tensor<1x1x2x2xf32>, %i: tensor<1xi32>) -> tensor<2x1x3x2xf32> {
  "ttir.update_cache"(%c, %x, %i) <{batch_offset = 0 : i32}> : (tensor<2x1x3x2xf32>, tensor<1x1x2x2xf32>, tensor<1xi32>) -> () loc("upd")
  return %c : tensor<2x1x3x2xf32>
})";

TEST(TransformerOps, InPlaceUpdateCacheReturnsTheWrittenCache) {
  binary::Binary b = parse_and_verify(kUpdateInPlace);
  const binary::Program& p = b.programs.at(0);
  ASSERT_EQ(p.ops.size(), 1u);
  ASSERT_EQ(p.ops[0].results.size(), 1u);
  EXPECT_EQ(p.outputs.at(0), p.ops[0].results[0]);  // `return %c` reads the written cache
  EXPECT_EQ(p.values[p.ops[0].results[0]].shape, (Shape{2, 1, 3, 2}));
  std::vector<DeviceTensors> in = {replicated(HostTensor({2, 1, 3, 2}, DT::kFloat32)),
                                   replicated(make_tensor({1, 1, 2, 2}, {1, 2, 3, 4})),
                                   replicated(make_tensor({1}, {2}, DT::kInt32))};
  HostTensor out = *interpret(b, 0, in).at(0).at(0);
  expect_values(out, {2, 1, 3, 2}, {0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 3, 4});
}

TEST(TransformerOps, UpdateCacheWritesEachUsersTokenAtItsPosition) {
  HostTensor cache({2, 1, 3, 2}, DT::kFloat32);
  HostTensor token = make_tensor({1, 1, 2, 2}, {1, 2, 3, 4});
  // One position per user: user 0 at 0, user 1 at 2; a position past the cache is skipped.
  expect_values(
      run_op("update_cache", {cache, token, make_tensor({2}, {0, 2}, DT::kInt32)}, {2, 1, 3, 2}),
      {2, 1, 3, 2}, {1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4});
  expect_values(
      run_op("update_cache", {cache, token, make_tensor({2}, {5, 1}, DT::kInt32)}, {2, 1, 3, 2}),
      {2, 1, 3, 2}, {0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0});
}

TEST(TransformerOps, FillAndPagedFillCache) {
  expect_values(
      run_op("fill_cache",
             {HostTensor({1, 2, 3, 1}, DT::kFloat32), make_tensor({1, 2, 2, 1}, {1, 2, 3, 4})},
             {1, 2, 3, 1}),
      {1, 2, 3, 1}, {1, 2, 0, 3, 4, 0});
  // User 1's page table [2, 0]: positions 0, 1 go to block 2, position 2 to block 0.
  HostTensor pages = make_tensor({2, 2}, {0, 1, 2, 0}, DT::kInt32);
  expect_values(
      run_op("paged_fill_cache",
             {HostTensor({3, 1, 2, 1}, DT::kFloat32), make_tensor({1, 1, 3, 1}, {1, 2, 3}), pages,
              make_tensor({1}, {1}, DT::kInt64)},
             {3, 1, 2, 1}),
      {3, 1, 2, 1}, {3, 0, 0, 0, 1, 2});
}

TEST(TransformerOps, ScaledDotProductAttention) {
  // Scores [0, ln 3] give weights [1/4, 3/4] over values [10, 20]: 17.5.
  HostTensor q = make_tensor({1, 1, 2, 1}, {1, 1});
  HostTensor k = make_tensor({1, 1, 2, 1}, {0, kLn3});
  HostTensor v = make_tensor({1, 1, 2, 1}, {10, 20});
  Attrs plain = {{"is_causal", false}, {"scale", 1.0}};
  expect_values(
      run_op("scaled_dot_product_attention", {q, k, v}, {1, 1, 2, 1}, DT::kFloat32, plain),
      {1, 1, 2, 1}, {17.5, 17.5}, 1e-6);
  Attrs causal = {{"is_causal", true}, {"scale", 1.0}};
  expect_values(
      run_op("scaled_dot_product_attention", {q, k, v}, {1, 1, 2, 1}, DT::kFloat32, causal),
      {1, 1, 2, 1}, {10, 17.5}, 1e-6);
  // Two query heads share one key/value head; the additive mask [ln 3, 0] evens the scores.
  HostTensor q2 = make_tensor({1, 2, 1, 1}, {1, 1});
  HostTensor mask = make_tensor({1, 1, 1, 2}, {kLn3, 0});
  expect_values(
      run_op("scaled_dot_product_attention", {q2, k, v, mask}, {1, 2, 1, 1}, DT::kFloat32, plain),
      {1, 2, 1, 1}, {15, 15}, 1e-6);
}

TEST(TransformerOps, ScaledDotProductAttentionDecodeStopsAtCurPos) {
  HostTensor q = make_tensor({1, 2, 1, 1}, {1, 1});
  HostTensor k = make_tensor({2, 1, 2, 1}, {0, kLn3, 0, kLn3});
  HostTensor v = make_tensor({2, 1, 2, 1}, {10, 20, 10, 20});
  HostTensor pos = make_tensor({2}, {0, 1}, DT::kInt32);
  Attrs attrs = {
      {"is_causal", true}, {"scale", 1.0}, {"operandSegmentSizes", ints({1, 1, 1, 0, 1, 0})}};
  expect_values(run_op("scaled_dot_product_attention_decode", {q, k, v, pos}, {1, 2, 1, 1},
                       DT::kFloat32, attrs),
                {1, 2, 1, 1}, {10, 17.5}, 1e-6);
}

TEST(TransformerOps, ConcatenateAndSplitHeads) {
  expect_values(run_op("concatenate_heads", {iota_tensor({1, 2, 2, 2})}, {1, 2, 4}), {1, 2, 4},
                {0, 1, 4, 5, 2, 3, 6, 7});
  // Hidden [q0 q1 | k0 k1 | v0 v1] per position.
  ProgramBuilder b;
  uint32_t x = b.input({1, 2, 6});
  b.op("split_query_key_value_and_split_heads", {x}, {1, 1, 2, 2}, DT::kFloat32,
       {{"num_heads", int64_t{1}}, {"transpose_key", true}});
  binary::Op& op = b.program().ops.back();
  for (int i = 0; i < 2; ++i) {
    b.program().values.push_back(b.program().values[op.results[0]]);
    op.results.push_back(static_cast<uint32_t>(b.program().values.size() - 1));
  }
  for (uint32_t id : op.results) b.output(id);
  std::vector<DeviceTensors> out = interpret(b.binary(), 0, {replicated(iota_tensor({1, 2, 6}))});
  expect_values(*out[0][0], {1, 1, 2, 2}, {0, 1, 6, 7});
  expect_values(*out[1][0], {1, 1, 2, 2}, {2, 8, 3, 9});  // key transposed to [D, S]
  expect_values(*out[2][0], {1, 1, 2, 2}, {4, 5, 10, 11});
}

TEST(TransformerOps, CompositeCallsItsDecomposition) {
  const char* text = R"(
module {
  func.func @f(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
    %0 = "ttcore.composite"(%x) <{composite_name = "head", decomposition = @decomp, composite_attributes = {is_causal = true}}> : (tensor<1x4xf32>) -> tensor<1x2xf32>
    return %0 : tensor<1x2xf32>
  }
  func.func private @decomp(%q: tensor<1x4xf32>) -> tensor<1x2xf32> {
    %0 = "ttir.slice_static"(%q) <{begins = [0 : i32, 0 : i32], ends = [1 : i32, 2 : i32], step = [1 : i32, 1 : i32]}> : (tensor<1x4xf32>) -> tensor<1x2xf32>
    return %0 : tensor<1x2xf32>
  }
})";
  binary::Binary b = parse_and_verify(text);
  ASSERT_EQ(b.programs.at(0).ops.size(), 1u);
  EXPECT_EQ(b.programs[0].ops[0].name, "call");
  HostTensor out = *interpret(b, 0, {replicated(make_tensor({1, 4}, {5, 6, 7, 8}))}).at(0).at(0);
  expect_values(out, {1, 2}, {5, 6});
  const std::string missing =
      std::string(text).replace(std::string(text).find("decomposition"), 13, "decomp_fn");
  expect_error([&] { parse_and_verify(missing); }, ErrorCode::kInvalidArgument,
               {"'ttcore.composite' needs a decomposition attribute"});
}

std::string func(const std::string& args, const std::string& body, const std::string& out) {
  return "func.func @f(" + args + ") -> " + out + " {\n  " + body +
         " loc(\"bad\")\n  return %0 : " + out + "\n}";
}

TEST(TransformerOps, VerifierRejectsBadShapes) {
  expect_verify_error(
      "func.func @f(%c: tensor<2x4x8x16xbf16>, %x: tensor<1x3x2x16xbf16>, %i: tensor<1xi32>) -> "
      "tensor<2x4x8x16xbf16> {\n  \"ttir.update_cache\"(%c, %x, %i) <{batch_offset = 0 : i32}> : "
      "(tensor<2x4x8x16xbf16>, tensor<1x3x2x16xbf16>, tensor<1xi32>) -> () loc(\"bad\")\n  "
      "return %c : tensor<2x4x8x16xbf16>\n}",
      "update_cache", {"1x3x2x16", "dims 1 (heads) and 3"});
  expect_verify_error(
      "func.func @f(%c: tensor<1x2x4x8xf32>, %x: tensor<1x2x5x8xf32>) -> tensor<1x2x4x8xf32> {\n"
      "  \"ttir.fill_cache\"(%c, %x) <{batch_offset = 0 : i32}> : (tensor<1x2x4x8xf32>, "
      "tensor<1x2x5x8xf32>) -> () loc(\"bad\")\n  return %c : tensor<1x2x4x8xf32>\n}",
      "fill_cache", {"5 positions", "only 4"});
  expect_verify_error(
      "func.func @f(%c: tensor<4x2x4x8xf32>, %x: tensor<1x2x9x8xf32>, %p: tensor<2x2xi32>, %u: "
      "tensor<1xi64>) -> tensor<4x2x4x8xf32> {\n  \"ttir.paged_fill_cache\"(%c, %x, %p, %u) : "
      "(tensor<4x2x4x8xf32>, tensor<1x2x9x8xf32>, tensor<2x2xi32>, tensor<1xi64>) -> () "
      "loc(\"bad\")\n  return %c : tensor<4x2x4x8xf32>\n}",
      "paged_fill_cache", {"9 positions", "2 blocks of 4"});
  expect_verify_error(
      func("%q: tensor<1x4x8x16xf32>, %k: tensor<1x3x8x16xf32>, %v: tensor<1x3x8x16xf32>",
           "%0 = \"ttir.scaled_dot_product_attention\"(%q, %k, %v) <{is_causal = true}> : "
           "(tensor<1x4x8x16xf32>, tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32>) -> "
           "tensor<1x4x8x16xf32>",
           "tensor<1x4x8x16xf32>"),
      "scaled_dot_product_attention", {"query heads 4", "key heads 3"});
  expect_verify_error(
      func("%q: tensor<1x2x4x16xf32>, %k: tensor<2x1x8x16xf32>, %v: tensor<2x1x8x16xf32>, %p: "
           "tensor<3xi32>",
           "%0 = \"ttir.scaled_dot_product_attention_decode\"(%q, %k, %v, %p) <{is_causal = true, "
           "operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0>}> : (tensor<1x2x4x16xf32>, "
           "tensor<2x1x8x16xf32>, tensor<2x1x8x16xf32>, tensor<3xi32>) -> tensor<1x2x4x16xf32>",
           "tensor<1x2x4x16xf32>"),
      "scaled_dot_product_attention_decode", {"cur_pos_tensor", "must hold 2 positions"});
  expect_verify_error(func("%x: tensor<1x2x3x4xf32>",
                           "%0 = \"ttir.concatenate_heads\"(%x) : (tensor<1x2x3x4xf32>) -> "
                           "tensor<1x3x6xf32>",
                           "tensor<1x3x6xf32>"),
                      "concatenate_heads", {"expected shape 1x3x8"});
  expect_verify_error(
      "func.func @f(%x: tensor<1x2x10xf32>) -> tensor<1x2x2x2xf32> {\n  %0, %1, %2 = "
      "\"ttir.split_query_key_value_and_split_heads\"(%x) <{num_heads = 2 : ui32, transpose_key = "
      "false}> : (tensor<1x2x10xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, "
      "tensor<1x2x2x2xf32>) loc(\"bad\")\n  return %0 : tensor<1x2x2x2xf32>\n}",
      "split_query_key_value_and_split_heads", {"hidden size 10", "= 6"});
}

}  // namespace
}  // namespace meshrt::compiler::testing
