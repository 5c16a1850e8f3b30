// Mixture-of-experts routing in the compiler: the verifier's rules and the reference
// interpreter's values, worked out by hand on tiny meshes and tensors.
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

binary::Binary parse_on(const std::string& text, MeshShape mesh) {
  binary::Binary b = parse_mlir(text, ParseOptions{"t.mlir", mesh});
  verify_and_annotate(b, "t.mlir");
  return b;
}

void expect_verify_error(const std::string& text, MeshShape mesh, const std::string& op,
                         std::vector<std::string> parts) {
  parts.push_back("op '" + op + "'");
  parts.push_back("loc 'bad'");
  expect_error([&] { parse_on(text, mesh); }, ErrorCode::kInvalidArgument, parts);
}

// Per-device inputs: device d gets per_device[d].
DeviceTensors on_devices(std::vector<HostTensor> per_device) {
  DeviceTensors out;
  for (HostTensor& t : per_device) out.push_back(std::make_shared<const HostTensor>(std::move(t)));
  return out;
}

// Expert 0 on device 0, expert 1 on device 1.
const char* kMapping2 =
    "%map = \"ttir.constant\"() <{value = dense<[[[[1, 0], [0, 1]]]]> : tensor<1x1x2x2xi32>}> : "
    "() -> tensor<1x1x2x2xi32> loc(\"map\")\n";

std::string dispatch_program(int64_t num_devices) {
  return std::string(
             "func.func @f(%x: tensor<1x2x1x2xf32>, %i: tensor<1x2x1x1xi32>) -> "
             "(tensor<1x2x2x2xf32>, tensor<1x2x2x1xi32>) {\n  ") +
         kMapping2 +
         "  %d, %m = \"ttir.all_to_all_dispatch\"(%x, %i, %map) <{cluster_axis = 1 : i64, "
         "num_devices = " +
         std::to_string(num_devices) +
         " : i64}> : (tensor<1x2x1x2xf32>, tensor<1x2x1x1xi32>, tensor<1x1x2x2xi32>) -> "
         "(tensor<1x2x2x2xf32>, tensor<1x2x2x1xi32>) loc(\"bad\")\n"
         "  return %d, %m : tensor<1x2x2x2xf32>, tensor<1x2x2x1xi32>\n}";
}

TEST(MoeOps, DispatchSendsTokensToTheirExpertsChips) {
  binary::Binary b = parse_on(dispatch_program(2), MeshShape{1, 2});
  // Device 0's tokens [1, 2] (expert 0) and [3, 4] (expert 1); device 1's [5, 6] and [7, 8]
  // (both expert 1).
  std::vector<DeviceTensors> in = {on_devices({make_tensor({1, 2, 1, 2}, {1, 2, 3, 4}),
                                               make_tensor({1, 2, 1, 2}, {5, 6, 7, 8})}),
                                   on_devices({make_tensor({1, 2, 1, 1}, {0, 1}, DT::kInt32),
                                               make_tensor({1, 2, 1, 1}, {1, 1}, DT::kInt32)})};
  std::vector<DeviceTensors> out = interpret(b, 0, in);
  // Rows: device 0's tokens, then device 1's; a chip keeps only the tokens of its experts.
  expect_values(*out[0][0], {1, 2, 2, 2}, {1, 2, 0, 0, 0, 0, 0, 0});
  expect_values(*out[0][1], {1, 2, 2, 2}, {0, 0, 3, 4, 5, 6, 7, 8});
  for (uint32_t d = 0; d < 2; ++d) expect_values(*out[1][d], {1, 2, 2, 1}, {0, 1, 1, 1});
  // An index that is not an expert is an error naming it, not a stray read.
  in[1] = on_devices({make_tensor({1, 2, 1, 1}, {0, 7}, DT::kInt32),
                      make_tensor({1, 2, 1, 1}, {1, 1}, DT::kInt32)});
  expect_error([&] { interpret(b, 0, in); }, ErrorCode::kInvalidArgument,
               {"all_to_all_dispatch", "expert index 7 is not an expert (0 to 1)"});
}

TEST(MoeOps, CombineBringsEachSlotHome) {
  const std::string text =
      std::string(
          "func.func @f(%x: tensor<1x2x1x2xf32>, %md: tensor<1x2x1x2xi32>) -> "
          "tensor<2x1x1x2xf32> {\n  ") +
      kMapping2 +
      "  %r = \"ttir.all_to_all_combine\"(%x, %md, %map) <{cluster_axis = 1 : i64, num_devices = "
      "2 : i64, num_experts_per_tok = 2 : i64, output_shard_dim = 1 : i64}> : "
      "(tensor<1x2x1x2xf32>, tensor<1x2x1x2xi32>, tensor<1x1x2x2xi32>) -> tensor<2x1x1x2xf32> "
      "loc(\"combine\")\n  return %r : tensor<2x1x1x2xf32>\n}";
  binary::Binary b = parse_on(text, MeshShape{1, 2});
  // Token 0 chose experts [0, 1], token 1 [1, 1]; each chip holds its expert's output for both.
  const HostTensor md = make_tensor({1, 2, 1, 2}, {0, 1, 1, 1}, DT::kInt32);
  std::vector<DeviceTensors> in = {on_devices({make_tensor({1, 2, 1, 2}, {10, 11, 12, 13}),
                                               make_tensor({1, 2, 1, 2}, {20, 21, 22, 23})}),
                                   replicated(md, 2)};
  std::vector<DeviceTensors> out = interpret(b, 0, in);
  // Chip 0 is token 0's home: slot 0 from chip 0 (expert 0), slot 1 from chip 1 (expert 1).
  expect_values(*out[0][0], {2, 1, 1, 2}, {10, 11, 20, 21});
  // Chip 1 is token 1's home: both slots are expert 1's output of token 1.
  expect_values(*out[0][1], {2, 1, 1, 2}, {22, 23, 22, 23});
}

TEST(MoeOps, TokenRemapKeepsTheChipsOwnExperts) {
  const std::string text =
      "func.func @f(%w: tensor<1x1x3x4xf32>, %md: tensor<1x1x3x2xi32>) -> (tensor<1x1x3x2xf32>, "
      "tensor<1x1x2x2xf32>) {\n"
      "  %map = \"ttir.constant\"() <{value = dense<[[[[0], [1], [0], [1]]]]> : "
      "tensor<1x1x4x1xi32>}> : () -> tensor<1x1x4x1xi32> loc(\"map\")\n"
      "  %m, %r = \"ttir.moe_expert_token_remap\"(%w, %map, %md) <{reduction_size = 2 : i64}> : "
      "(tensor<1x1x3x4xf32>, tensor<1x1x4x1xi32>, tensor<1x1x3x2xi32>) -> (tensor<1x1x3x2xf32>, "
      "tensor<1x1x2x2xf32>) loc(\"remap\")\n"
      "  return %m, %r : tensor<1x1x3x2xf32>, tensor<1x1x2x2xf32>\n}";
  binary::Binary b = parse_on(text, MeshShape{1, 1});
  // The chip owns experts 1 and 3. Token 0 chose [1, 2], token 1 [0, 3], token 2 [0, 2].
  std::vector<DeviceTensors> in = {
      replicated(make_tensor({1, 1, 3, 4}, {.1, .2, .3, .4, .5, .6, .7, .8, .9, 1.0, 1.1, 1.2})),
      replicated(make_tensor({1, 1, 3, 2}, {1, 2, 0, 3, 0, 2}, DT::kInt32))};
  std::vector<DeviceTensors> out = interpret(b, 0, in);
  expect_values(*out[0][0], {1, 1, 3, 2}, {.2, 0, 0, .8, 0, 0});
  // Chunks of 2 tokens: tokens 0 and 1 used both experts, token 2 neither.
  expect_values(*out[1][0], {1, 1, 2, 2}, {1, 1, 0, 0});
}

// topk_router_gpt over [1, 2] . [2, 3] + [1, 3], k as given; returns (indices, weights).
std::pair<HostTensor, HostTensor> route(std::vector<double> w, std::vector<double> bias, int k) {
  const std::string ks = std::to_string(k);
  const std::string text =
      "func.func @f(%x: tensor<1x2xf32>, %w: tensor<2x3xf32>, %b: tensor<1x3xf32>) -> "
      "(tensor<1x" +
      ks + "xi32>, tensor<1x" + ks +
      "xf32>) {\n  %i, %p = "
      "\"ttir.topk_router_gpt\"(%x, %w, %b) <{k = " +
      ks +
      " : i32, num_experts = 3 : i32}> : "
      "(tensor<1x2xf32>, tensor<2x3xf32>, tensor<1x3xf32>) -> (tensor<1x" +
      ks +
      "xi32>, "
      "tensor<1x" +
      ks + "xf32>) loc(\"router\")\n  return %i, %p : tensor<1x" + ks + "xi32>, tensor<1x" + ks +
      "xf32>\n}";
  binary::Binary b = parse_on(text, MeshShape{1, 1});
  std::vector<DeviceTensors> out =
      interpret(b, 0,
                {replicated(make_tensor({1, 2}, {1, 0})), replicated(make_tensor({2, 3}, w)),
                 replicated(make_tensor({1, 3}, bias))});
  return {*out.at(0).at(0), *out.at(1).at(0)};
}

TEST(MoeOps, TopkRouterPicksTheBestExpertsAndNormalisesThem) {
  // logits = [1, 0] . [[1, 3, 2], [0, 0, 0]] + [0, 0, 0.5] = [1, 3, 2.5].
  auto [indices, weights] = route({1, 3, 2, 0, 0, 0}, {0, 0, 0.5}, 2);
  expect_values(indices, {1, 2}, {1, 2});
  const double p = 1.0 / (1.0 + std::exp(-0.5));  // softmax of [3, 2.5]
  expect_values(weights, {1, 2}, {p, 1 - p});
  // Ties go to the lower expert; one expert takes all the weight.
  auto [tied, only] = route({0, 1, 1, 0, 0, 0}, {0, 0, 0}, 1);
  expect_values(tied, {1, 1}, {1});
  expect_values(only, {1, 1}, {1});
}

TEST(MoeOps, MoeComputeRunsTheExpertsFfn) {
  // One token [2, 0, ...] through one expert: gate = 2 (w0[0, 0] = 1), up = 6 (w1[0, 0] = 3),
  // silu(2) * 6 lands in column 5 (w2[0, 5] = 1).
  const std::string text =
      "func.func @f(%x: tensor<1x32xf32>, %i: tensor<1x1xi32>, %s: tensor<1x1xf32>, %w0: "
      "tensor<1x1x32x32xf32>, %w1: tensor<1x1x32x32xf32>, %w2: tensor<1x1x32x32xf32>) -> "
      "tensor<1x1x32xf32> {\n"
      "  %map = \"ttir.constant\"() <{value = dense<0> : tensor<1x1xi32>}> : () -> "
      "tensor<1x1xi32> loc(\"map\")\n"
      "  %r = \"ttir.moe_compute\"(%x, %i, %s, %map, %w0, %w1, %w2) <{operandSegmentSizes = "
      "array<i32: 1, 1, 1, 1, 1, 1, 1, 0, 0, 0>, layer_id = 0 : ui32, output_height_shard_dim = 4 "
      ": ui32, intermediate_size = 32 : ui32, cluster_axis = 1 : ui32}> : (tensor<1x32xf32>, "
      "tensor<1x1xi32>, tensor<1x1xf32>, tensor<1x1xi32>, tensor<1x1x32x32xf32>, "
      "tensor<1x1x32x32xf32>, tensor<1x1x32x32xf32>) -> tensor<1x1x32xf32> loc(\"moe\")\n"
      "  return %r : tensor<1x1x32xf32>\n}";
  binary::Binary b = parse_on(text, MeshShape{1, 1});
  auto one_at = [](Shape shape, int64_t at, double v) {
    std::vector<double> values(static_cast<size_t>(volume(shape)), 0.0);
    values[static_cast<size_t>(at)] = v;
    return make_tensor(std::move(shape), values);
  };
  std::vector<DeviceTensors> in = {
      replicated(one_at({1, 32}, 0, 2)),        replicated(make_tensor({1, 1}, {0}, DT::kInt32)),
      replicated(make_tensor({1, 1}, {1})),     replicated(one_at({1, 1, 32, 32}, 0, 1)),
      replicated(one_at({1, 1, 32, 32}, 0, 3)), replicated(one_at({1, 1, 32, 32}, 5, 1))};
  std::vector<double> want(32, 0.0);
  want[5] = 12.0 / (1.0 + std::exp(-2.0));
  expect_values(*interpret(b, 0, in).at(0).at(0), {1, 1, 32}, want);
}

TEST(MoeOps, VerifierRejectsBadRouting) {
  expect_verify_error(dispatch_program(3), MeshShape{1, 2}, "all_to_all_dispatch",
                      {"num_devices 3 is not the 2 devices along cluster_axis 1 of mesh 1x2"});
  expect_verify_error(
      std::string("func.func @f(%x: tensor<1x2x1x2xf32>, %md: tensor<1x2x1x2xi32>) -> "
                  "tensor<3x1x1x2xf32> {\n  ") +
          kMapping2 +
          "  %r = \"ttir.all_to_all_combine\"(%x, %md, %map) <{cluster_axis = 1 : i64, "
          "num_devices = 2 : i64, num_experts_per_tok = 3 : i64, output_shard_dim = 1 : i64}> : "
          "(tensor<1x2x1x2xf32>, tensor<1x2x1x2xi32>, tensor<1x1x2x2xi32>) -> "
          "tensor<3x1x1x2xf32> loc(\"bad\")\n  return %r : tensor<3x1x1x2xf32>\n}",
      MeshShape{1, 2}, "all_to_all_combine", {"num_experts_per_tok = 3"});
  // A mapping without a column for every chip of the mesh.
  expect_verify_error(
      "func.func @f(%x: tensor<1x2x1x2xf32>, %i: tensor<1x2x1x1xi32>, %map: "
      "tensor<1x1x2x1xi32>) -> tensor<1x2x2x2xf32> {\n  %d, %m = \"ttir.all_to_all_dispatch\"(%x, "
      "%i, %map) <{cluster_axis = 1 : i64, num_devices = 2 : i64}> : (tensor<1x2x1x2xf32>, "
      "tensor<1x2x1x1xi32>, tensor<1x1x2x1xi32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x1xi32>) "
      "loc(\"bad\")\n  return %d : tensor<1x2x2x2xf32>\n}",
      MeshShape{1, 2}, "all_to_all_dispatch", {"a column for each of the mesh's 2 devices"});
  expect_verify_error(
      "func.func @f(%w: tensor<1x1x3x4xf32>, %map: tensor<1x1x4x1xi32>, %md: "
      "tensor<1x1x3x2xi32>) -> tensor<1x1x3x2xf32> {\n  %m, %r = "
      "\"ttir.moe_expert_token_remap\"(%w, %map, %md) <{reduction_size = 0 : i64}> : "
      "(tensor<1x1x3x4xf32>, tensor<1x1x4x1xi32>, tensor<1x1x3x2xi32>) -> (tensor<1x1x3x2xf32>, "
      "tensor<1x1x2x2xf32>) loc(\"bad\")\n  return %m : tensor<1x1x3x2xf32>\n}",
      MeshShape{1, 1}, "moe_expert_token_remap", {"reduction_size must be positive, got 0"});
  expect_verify_error(
      "func.func @f(%x: tensor<1x2xf32>, %w: tensor<2x3xf32>, %b: tensor<1x3xf32>) -> "
      "tensor<1x4xi32> {\n  %i, %p = \"ttir.topk_router_gpt\"(%x, %w, %b) <{k = 4 : i32, "
      "num_experts = 3 : i32}> : (tensor<1x2xf32>, tensor<2x3xf32>, tensor<1x3xf32>) -> "
      "(tensor<1x4xi32>, tensor<1x4xf32>) loc(\"bad\")\n  return %i : tensor<1x4xi32>\n}",
      MeshShape{1, 1}, "topk_router_gpt", {"k 4 must be between 1 and the 3 experts"});
  // Only one of the three biases.
  expect_verify_error(
      "func.func @f(%x: tensor<1x32xf32>, %i: tensor<1x1xi32>, %s: tensor<1x1xf32>, %m: "
      "tensor<1x1xi32>, %w0: tensor<1x1x32x32xf32>, %w2: tensor<1x1x32x32xf32>, %b: "
      "tensor<1x1x32xf32>) -> tensor<1x1x32xf32> {\n  %r = \"ttir.moe_compute\"(%x, %i, %s, %m, "
      "%w0, %w0, %w2, %b) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 0, 0>, "
      "layer_id = 0 : ui32, output_height_shard_dim = 4 : ui32, intermediate_size = 32 : ui32, "
      "cluster_axis = 1 : ui32}> : (tensor<1x32xf32>, tensor<1x1xi32>, tensor<1x1xf32>, "
      "tensor<1x1xi32>, tensor<1x1x32x32xf32>, tensor<1x1x32x32xf32>, tensor<1x1x32x32xf32>, "
      "tensor<1x1x32xf32>) -> tensor<1x1x32xf32> loc(\"bad\")\n  return %r : "
      "tensor<1x1x32xf32>\n}",
      MeshShape{1, 1}, "moe_compute", {"bias_0, bias_1 and bias_2 come all three or none"});
}

TEST(MoeOps, VerifierRejectsBadPagedAttention) {
  // chunked attention's start is one position.
  expect_verify_error(
      "func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<4x1x32x8xf32>, %v: tensor<4x1x32x8xf32>, "
      "%pt: tensor<1x2xi32>, %s: tensor<2xi32>) -> tensor<1x2x4x8xf32> {\n"
      "  %o = \"ttir.empty\"() : () -> tensor<1x2x4x8xf32> loc(\"o\")\n"
      "  %r = \"ttir.chunked_scaled_dot_product_attention\"(%q, %k, %v, %pt, %s, %o) : "
      "(tensor<1x2x4x8xf32>, tensor<4x1x32x8xf32>, tensor<4x1x32x8xf32>, tensor<1x2xi32>, "
      "tensor<2xi32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> loc(\"bad\")\n"
      "  return %r : tensor<1x2x4x8xf32>\n}",
      MeshShape{1, 1}, "chunked_scaled_dot_product_attention", {"must be one integer [1]"});
  // Latent-only MLA reads its values from the key cache's first head_dim_v columns: at most 8.
  expect_verify_error(
      "func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<4x1x16x8xf32>, %pt: tensor<2x2xi32>, "
      "%p: tensor<2xi32>) -> tensor<1x2x4x16xf32> {\n"
      "  %r = \"ttir.paged_flash_multi_latent_attention_decode\"(%q, %k, %pt, %p) <{head_dim_v = "
      "16 : ui32, operandSegmentSizes = array<i32: 1, 1, 0, 1, 0, 1, 0>}> : "
      "(tensor<1x2x4x8xf32>, tensor<4x1x16x8xf32>, tensor<2x2xi32>, tensor<2xi32>) -> "
      "tensor<1x2x4x16xf32> loc(\"bad\")\n  return %r : tensor<1x2x4x16xf32>\n}",
      MeshShape{1, 1}, "paged_flash_multi_latent_attention_decode",
      {"head_dim_v 16", "at most the key's 8 columns"});
}

}  // namespace
}  // namespace meshrt::compiler::testing
