// Unit tests of the TTIR verifier: shape rules per op family, CCL checks against the mesh,
// error messages naming op, loc and position, and last-use annotation.
#include "common/expect_error.hpp"
#include "meshrt/verify/verify.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "meshrt/common/error.hpp"
#include "meshrt/compiler/parser.hpp"

namespace meshrt::verify {

using namespace meshrt::compiler;
namespace {

binary::Binary parse_and_verify(const std::string& text,
                                std::optional<MeshShape> mesh = std::nullopt) {
  binary::Binary b = parse_mlir(text, ParseOptions{"v.mlir", mesh});
  verify_and_annotate(b, "v.mlir");
  return b;
}

// One-op function: `%0 = <op> : (<in types>) -> <out type>` with the given args.
std::string one_op(const std::string& args, const std::string& op, const std::string& out) {
  return "func.func @f(" + args + ") -> " + out + " {\n  %0 = " + op +
         " loc(\"the_op\")\n  return %0 : " + out + "\n}";
}

std::string verify_error(const std::string& text, std::optional<MeshShape> mesh = std::nullopt) {
  return meshrt::testing::error_message([&] { parse_and_verify(text, mesh); },
                                        ErrorCode::kInvalidArgument);
}

TEST(Verify, SupportedOpsCoverTheRequiredSet) {
  for (const char* name : {"mesh_shard",
                           "all_gather",
                           "reduce_scatter",
                           "all_reduce",
                           "collective_permute",
                           "mesh_partition",
                           "add",
                           "where",
                           "matmul",
                           "linear",
                           "dot_general",
                           "sum",
                           "argmax",
                           "cumsum",
                           "softmax",
                           "rms_norm",
                           "reshape",
                           "permute",
                           "transpose",
                           "concat",
                           "slice_static",
                           "broadcast",
                           "repeat",
                           "repeat_interleave",
                           "squeeze",
                           "unsqueeze",
                           "pad",
                           "constant",
                           "full",
                           "zeros",
                           "ones",
                           "arange",
                           "embedding",
                           "get_dimension_size",
                           "conv2d",
                           "max_pool2d",
                           "avg_pool2d",
                           "global_avg_pool2d",
                           "batch_norm_inference",
                           "upsample2d",
                           "call",
                           "typecast",
                           "clamp_scalar",
                           "leaky_relu"}) {
    EXPECT_TRUE(supported_ops().count(name)) << name;
  }
  EXPECT_FALSE(supported_ops().count("foo"));
}

TEST(Verify, EltwiseBroadcasting) {
  parse_and_verify(
      one_op("%a: tensor<4x1xf32>, %b: tensor<3xf32>",
             "\"ttir.add\"(%a, %b) : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x3xf32>",
             "tensor<4x3xf32>"));
  std::string e = verify_error(
      one_op("%a: tensor<4x2xf32>, %b: tensor<3xf32>",
             "\"ttir.add\"(%a, %b) : (tensor<4x2xf32>, tensor<3xf32>) -> tensor<4x3xf32>",
             "tensor<4x3xf32>"));
  EXPECT_EQ(e,
            "v.mlir:2:3: op 'add' at loc 'the_op': shapes 4x2 and 3 are not broadcast-compatible "
            "(dim 1: 2 vs 3)");
  e = verify_error(one_op("%a: tensor<4xf32>",
                          "\"ttir.exp\"(%a) : (tensor<4xf32>) -> tensor<5xf32>", "tensor<5xf32>"));
  EXPECT_EQ(
      e,
      "v.mlir:2:3: op 'exp' at loc 'the_op': result shape 5 does not match the expected shape 4");
}

// Window attributes are bounded and window sizes computed wide: huge values (the fuzzer found
// a binary whose dilation * (kernel - 1) overflowed int64) are a clear error.
TEST(Verify, HugeWindowAttributesAreRefused) {
  const std::string pool =
      "\"ttir.max_pool2d\"(%a) <{kernel = array<i64: 2, 2>, stride = array<i64: 1, 1>, "
      "dilation = array<i64: DIL, 1>, padding = array<i64: 0, 0, 0, 0>, ceil_mode = false}> : "
      "(tensor<1x8x8x4xf32>) -> tensor<1x7x7x4xf32>";
  std::string text = pool;
  text.replace(text.find("DIL"), 3, "1099511627776");
  EXPECT_NE(verify_error(one_op("%a: tensor<1x8x8x4xf32>", text, "tensor<1x7x7x4xf32>"))
                .find("dilation value 1099511627776 is out of range (at most 4294967296)"),
            std::string::npos);
  text = pool;
  text.replace(text.find("DIL"), 3, "1");
  parse_and_verify(one_op("%a: tensor<1x8x8x4xf32>", text, "tensor<1x7x7x4xf32>"));
  // The fuzzer's binary itself: refused by the loader's verification, not undefined behaviour.
  const std::string path =
      std::string(MESHRT_SOURCE_DIR) + "/tests/compiler/data/crash-pool-dilation-overflow";
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), 1848u);
  binary::LoadOptions ignore;
  ignore.ignore_version = true;
  try {
    load_verified(bytes, "pool.ttnn", ignore);
    ADD_FAILURE() << "crash-pool-dilation-overflow loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find("pool.ttnn: op 'max_pool2d'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("is out of range (at most 4294967296)"), std::string::npos)
        << e.what();
  }
}

TEST(Verify, MatmulInnerDimsAndReshapeVolume) {
  parse_and_verify(
      one_op("%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>",
             "\"ttir.matmul\"(%a, %b) : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>",
             "tensor<2x3x5xf32>"));
  parse_and_verify(one_op("%a: tensor<4x3xf32>, %b: tensor<5x4xf32>",
                          "\"ttir.matmul\"(%a, %b) <{transpose_a = true, transpose_b = true}> : "
                          "(tensor<4x3xf32>, tensor<5x4xf32>) -> tensor<3x5xf32>",
                          "tensor<3x5xf32>"));
  std::string e = verify_error(
      one_op("%a: tensor<3x4xf32>, %b: tensor<5x6xf32>",
             "\"ttir.matmul\"(%a, %b) : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<3x6xf32>",
             "tensor<3x6xf32>"));
  EXPECT_NE(e.find("inner dimensions differ: lhs 3x4 has 4 but rhs 5x6 has 5"), std::string::npos)
      << e;
  e = verify_error(one_op(
      "%a: tensor<3x4xf32>",
      "\"ttir.reshape\"(%a) <{shape = [5 : i32, 2 : i32]}> : (tensor<3x4xf32>) -> tensor<5x2xf32>",
      "tensor<5x2xf32>"));
  EXPECT_NE(e.find("cannot reshape 3x4 (12 elements) to 5x2 (10 elements)"), std::string::npos)
      << e;
}

TEST(Verify, DataMovementShapes) {
  parse_and_verify(one_op("%a: tensor<2x3x4xf32>",
                          "\"ttir.permute\"(%a) <{permutation = array<i64: 2, 0, 1>}> : "
                          "(tensor<2x3x4xf32>) -> tensor<4x2x3xf32>",
                          "tensor<4x2x3xf32>"));
  parse_and_verify(one_op("%a: tensor<1x3x1xf32>",
                          "\"ttir.broadcast\"(%a) <{broadcast_dimensions = array<i64: 2, 1, 5>}> : "
                          "(tensor<1x3x1xf32>) -> tensor<2x3x5xf32>",
                          "tensor<2x3x5xf32>"));
  parse_and_verify(
      one_op("%a: tensor<10x8xf32>",
             "\"ttir.slice_static\"(%a) <{begins = [0 : i32, -4 : i32], ends = [10 : i32, 8 : "
             "i32], step = [3 : i32, 1 : i32]}> : (tensor<10x8xf32>) -> tensor<4x4xf32>",
             "tensor<4x4xf32>"));
  parse_and_verify(one_op("%a: tensor<1x4xf32>, %b: tensor<2x4xf32>",
                          "\"ttir.concat\"(%a, %b) <{dim = -2 : si32}> : (tensor<1x4xf32>, "
                          "tensor<2x4xf32>) -> tensor<3x4xf32>",
                          "tensor<3x4xf32>"));
  std::string e = verify_error(one_op("%a: tensor<2x3xf32>",
                                      "\"ttir.transpose\"(%a) <{dim0 = 0 : si32, dim1 = 2 : si32}> "
                                      ": (tensor<2x3xf32>) -> tensor<3x2xf32>",
                                      "tensor<3x2xf32>"));
  EXPECT_NE(e.find("dim1 2 is out of range for rank 2"), std::string::npos) << e;
  e = verify_error(one_op("%a: tensor<2x3xf32>",
                          "\"ttir.transpose\"(%a) : (tensor<2x3xf32>) -> tensor<3x2xf32>",
                          "tensor<3x2xf32>"));
  EXPECT_NE(e.find("attribute 'dim0' is missing"), std::string::npos) << e;
}

TEST(Verify, CreationOps) {
  parse_and_verify(one_op("",
                          "\"ttir.arange\"() <{start = 0 : si64, end = 64 : si64, step = 2 : si64, "
                          "arange_dimension = 1 : i64}> : () -> tensor<1x32xf32>",
                          "tensor<1x32xf32>"));
  parse_and_verify(one_op(
      "", "\"ttir.constant\"() <{value = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>",
      "tensor<2xf32>"));
  std::string e = verify_error(
      one_op("", "\"ttir.constant\"() <{value = dense<1.0> : tensor<3xf32>}> : () -> tensor<2xf32>",
             "tensor<2xf32>"));
  EXPECT_NE(e.find("value shape 3 does not match the result shape 2"), std::string::npos) << e;
}

constexpr const char* kShardArgs = "%a: tensor<8x30xf32>";

TEST(Verify, MeshShardDivisibilityAndMeshSplit) {
  const std::string ok =
      one_op(kShardArgs,
             "\"ttir.mesh_shard\"(%a) <{shard_dims = array<i64: 0, 1>, shard_direction = "
             "#ttcore.shard_direction<full_to_shard>, "
             "shard_shape = array<i64: 2, 3>, shard_type = #ttcore.shard_type<devices>}> : "
             "(tensor<8x30xf32>) -> tensor<4x10xf32>",
             "tensor<4x10xf32>");
  parse_and_verify(ok, MeshShape{2, 3});
  const std::string bad =
      one_op(kShardArgs,
             "\"ttir.mesh_shard\"(%a) <{shard_dims = array<i64: 0, 1>, shard_direction = "
             "#ttcore.shard_direction<full_to_shard>, "
             "shard_shape = array<i64: 2, 4>, shard_type = #ttcore.shard_type<devices>}> : "
             "(tensor<8x30xf32>) -> tensor<4x10xf32>",
             "tensor<4x10xf32>");
  EXPECT_EQ(verify_error(bad, MeshShape{2, 3}),
            "v.mlir:2:3: op 'mesh_shard' at loc 'the_op': shard_shape[1] = 4 does not divide dim 1 "
            "of size 30 (tensor 8x30)");
  // The mesh itself must split the tensor evenly.
  std::string e = verify_error(ok, MeshShape{2, 4});
  EXPECT_NE(e.find("dim 1 of size 30 cannot be split into 4 shards on a 2x4 mesh"),
            std::string::npos)
      << e;
  const std::string replicate =
      one_op(kShardArgs,
             "\"ttir.mesh_shard\"(%a) <{shard_dims = array<i64: -1>, shard_direction = "
             "#ttcore.shard_direction<full_to_shard>, "
             "shard_shape = array<i64: 1>, shard_type = #ttcore.shard_type<replicate>}> : "
             "(tensor<8x30xf32>) -> tensor<8x30xf32>",
             "tensor<8x30xf32>");
  parse_and_verify(replicate, MeshShape{2, 4});
}

TEST(Verify, CollectivesAgainstTheMeshAxis) {
  parse_and_verify(one_op("%a: tensor<1x1x32x64xf32>",
                          "\"ttir.all_gather\"(%a) <{all_gather_dim = 3 : si32, cluster_axis = 1 : "
                          "ui32}> : (tensor<1x1x32x64xf32>) -> tensor<1x1x32x256xf32>",
                          "tensor<1x1x32x256xf32>"),
                   MeshShape{2, 4});
  std::string e =
      verify_error(one_op("%a: tensor<1x1x32x64xf32>",
                          "\"ttir.all_gather\"(%a) <{all_gather_dim = 3 : si32, cluster_axis = 0 : "
                          "ui32}> : (tensor<1x1x32x64xf32>) -> tensor<1x1x32x256xf32>",
                          "tensor<1x1x32x256xf32>"),
                   MeshShape{2, 4});
  EXPECT_NE(e.find("result shape 1x1x32x256 does not match the expected shape 1x1x32x128"),
            std::string::npos)
      << e;
  parse_and_verify(one_op("%a: tensor<8x64xf32>",
                          "\"ttir.reduce_scatter\"(%a) <{cluster_axis = 1 : ui32, reduce_type = "
                          "#ttcore.reduce_type<sum>, scatter_dim = 1 : si32}> : (tensor<8x64xf32>) "
                          "-> tensor<8x16xf32>",
                          "tensor<8x16xf32>"),
                   MeshShape{2, 4});
  e = verify_error(one_op("%a: tensor<8x6xf32>",
                          "\"ttir.reduce_scatter\"(%a) <{cluster_axis = 1 : ui32, reduce_type = "
                          "#ttcore.reduce_type<sum>, scatter_dim = 1 : si32}> : (tensor<8x6xf32>) "
                          "-> tensor<8x1xf32>",
                          "tensor<8x1xf32>"),
                   MeshShape{2, 4});
  EXPECT_NE(e.find("scatter_dim 1 of size 6 does not divide into 4 parts along cluster_axis 1"),
            std::string::npos)
      << e;
  e = verify_error(one_op("%a: tensor<8x8xf32>",
                          "\"ttir.all_reduce\"(%a) <{cluster_axis = 0 : ui32, reduce_type = "
                          "#ttcore.reduce_type<prod>}> : (tensor<8x8xf32>) -> tensor<8x8xf32>",
                          "tensor<8x8xf32>"),
                   MeshShape{2, 4});
  EXPECT_NE(e.find("reduce_type must be sum, mean, max or min, got 'prod'"), std::string::npos)
      << e;
  parse_and_verify(one_op("%a: tensor<8x8xf32>",
                          "\"ttir.collective_permute\"(%a) <{source_target_pairs = dense<[[0, 1], "
                          "[1, 0]]> : tensor<2x2xi64>}> : (tensor<8x8xf32>) -> tensor<8x8xf32>",
                          "tensor<8x8xf32>"),
                   MeshShape{1, 2});
  e = verify_error(one_op("%a: tensor<8x8xf32>",
                          "\"ttir.collective_permute\"(%a) <{source_target_pairs = dense<[[0, 2]]> "
                          ": tensor<1x2xi64>}> : (tensor<8x8xf32>) -> tensor<8x8xf32>",
                          "tensor<8x8xf32>"),
                   MeshShape{1, 2});
  EXPECT_NE(e.find("device 2 in source_target_pairs is outside the 1x2 mesh"), std::string::npos)
      << e;
}

TEST(Verify, CallsMatchTheCallee) {
  std::string text = R"(func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @g(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @g(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
})";
  std::string e = verify_error(text);
  EXPECT_NE(e.find("op 'call' at loc 'call_0': expected 2 operand(s), got 1"), std::string::npos)
      << e;
}

TEST(Verify, RecursiveCallsAreRejected) {
  std::string e = verify_error(R"(func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @g(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @main(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
})");
  EXPECT_NE(e.find("recursive call of 'main' from 'g'"), std::string::npos) << e;
}

TEST(Verify, FreesLastUsesButNeverInputsOrOutputs) {
  auto b = parse_and_verify(R"(func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "ttir.neg"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "ttir.exp"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "ttir.abs"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %3 = "ttir.add"(%1, %a) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %3 : tensor<4xf32>
})");
  const auto& p = b.programs[0];
  uint32_t v0 = p.ops[0].results[0], v1 = p.ops[1].results[0], v2 = p.ops[2].results[0];
  EXPECT_TRUE(p.ops[0].frees.empty());
  EXPECT_TRUE(p.ops[1].frees.empty());
  EXPECT_EQ(p.ops[2].frees, (std::vector<uint32_t>{v0, v2}));  // %0's last use; %2 is never used
  EXPECT_EQ(p.ops[3].frees, (std::vector<uint32_t>{v1}));      // not %a (input), not %3 (output)
}

TEST(Verify, UnknownOpNamesAreUnsupported) {
  auto b =
      parse_mlir(one_op("%a: tensor<4xf32>", "\"ttir.neg\"(%a) : (tensor<4xf32>) -> tensor<4xf32>",
                        "tensor<4xf32>"),
                 ParseOptions{"v.mlir", std::nullopt});
  b.programs[0].ops[0].name = "frobnicate";
  try {
    verify_and_annotate(b, "v.mlir");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_EQ(std::string(e.what()),
              "v.mlir:2:3: unsupported op 'ttir.frobnicate' at loc 'the_op'");
  }
}

}  // namespace
}  // namespace meshrt::verify
