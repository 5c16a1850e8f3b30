// Unit tests of the TTIR MLIR parser: each syntax construct, locations, DPS handling, calls,
// argument attributes, mesh shape precedence and error positions.
#include "meshrt/compiler/parser.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/expect_error.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::compiler {

namespace {

binary::Binary parse(const std::string& text, std::optional<MeshShape> mesh = std::nullopt) {
  return parse_mlir(text, ParseOptions{"t.mlir", mesh});
}

// Expects parse_mlir to throw `code` with exactly `message`.
void expect_error(const std::string& text, ErrorCode code, const std::string& message) {
  EXPECT_EQ(meshrt::testing::error_message([&] { parse(text); }, code), message)
      << "for:\n" << text;
}

// An integer array element no int64 holds (fuzz_compile once found 1e105 converted blindly).
TEST(Parser, IntegerArrayElementsMustFitInt64) {
  for (const char* v : {"1e105", "2.5", "9223372036854775808"}) {
    meshrt::testing::expect_error(
        [&] {
          parse(std::string("func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = "
                            "\"ttir.permute\"(%a) <{permutation = array<i64: ") +
                v + ">}> : (tensor<4xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n}\n");
        },
        ErrorCode::kInvalidArgument, "is not an integer of 64 bits");
  }
}

TEST(Parser, GenericOpsTypesAndOutputs) {
  auto b = parse(R"(// RUN: something
module @m {
  func.func @main(%arg0: tensor<1x32xbf16>, %arg1: tensor<1x32xbf16>) -> tensor<1x32xbf16> {
    %0 = "ttir.add"(%arg0, %arg1) : (tensor<1x32xbf16>, tensor<1x32xbf16>) -> tensor<1x32xbf16> loc("add_1")
    %1 = "ttir.relu"(%0) : (tensor<1x32xbf16>) -> tensor<1x32xbf16>
    return %1 : tensor<1x32xbf16>
  }
})");
  ASSERT_EQ(b.programs.size(), 1u);
  const auto& p = b.programs[0];
  EXPECT_EQ(p.name, "main");
  EXPECT_FALSE(p.is_private);
  EXPECT_EQ(p.mesh_shape, (MeshShape{1, 1}));
  ASSERT_EQ(p.inputs.size(), 2u);
  ASSERT_EQ(p.ops.size(), 2u);
  EXPECT_EQ(p.ops[0].name, "add");
  EXPECT_EQ(p.ops[0].loc, "add_1");
  EXPECT_EQ(p.ops[0].operands, (std::vector<uint32_t>{p.inputs[0], p.inputs[1]}));
  EXPECT_EQ(p.ops[0].src_line, 4u);
  EXPECT_EQ(p.ops[0].src_col, 5u);
  EXPECT_EQ(p.ops[1].loc, "relu_1");
  EXPECT_EQ(p.ops[1].debug_str,
            R"(%1 = "ttir.relu"(%0) : (tensor<1x32xbf16>) -> tensor<1x32xbf16>)");
  EXPECT_EQ(p.values[p.ops[0].results[0]].shape, (Shape{1, 32}));
  EXPECT_EQ(p.values[p.ops[0].results[0]].dtype, DataType::kBFloat16);
  EXPECT_EQ(p.values[p.ops[0].results[0]].layout, binary::Layout::kTile);
  EXPECT_EQ(p.outputs, (std::vector<uint32_t>{p.ops[1].results[0]}));
}

TEST(Parser, RankZeroAndEncodedTensorTypes) {
  auto b =
      parse(R"(func.func @f(%a: tensor<f32>, %b: tensor<32x32xf32, #layout>) -> tensor<32x32xf32> {
    %0 = "ttir.add"(%a, %b) : (tensor<f32>, tensor<32x32xf32, #layout>) -> tensor<32x32xf32, #layout>
    return %0 : tensor<32x32xf32>
  })");
  const auto& p = b.programs[0];
  EXPECT_EQ(p.values[p.inputs[0]].shape, Shape{});
  EXPECT_EQ(p.values[p.inputs[1]].shape, (Shape{32, 32}));
}

TEST(Parser, LocAliasesBeforeAndAfterUseAndUniqueness) {
  auto b = parse(R"(#loc1 = loc("before")
func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "ttir.neg"(%a) : (tensor<4xf32>) -> tensor<4xf32> loc(#loc1)
  %1 = "ttir.neg"(%0) : (tensor<4xf32>) -> tensor<4xf32> loc(#loc2)
  %2 = "ttir.neg"(%1) : (tensor<4xf32>) -> tensor<4xf32> loc(#loc1)
  %3 = "ttir.neg"(%2) : (tensor<4xf32>) -> tensor<4xf32> loc(#loc3)
  %4 = "ttir.neg"(%3) : (tensor<4xf32>) -> tensor<4xf32> loc(fused[#loc9, "fused_name"])
  %5 = "ttir.neg"(%4) : (tensor<4xf32>) -> tensor<4xf32> loc(callsite("callee" at "caller"))
  %6 = "ttir.neg"(%5) : (tensor<4xf32>) -> tensor<4xf32> loc("file.py":12:3)
  %7 = "ttir.neg"(%6) : (tensor<4xf32>) -> tensor<4xf32> loc(unknown)
  return %7 : tensor<4xf32>
}
#loc2 = loc("after")
#loc3 = loc("named"(#loc1))
)");
  const auto& ops = b.programs[0].ops;
  EXPECT_EQ(ops[0].loc, "before");
  EXPECT_EQ(ops[1].loc, "after");
  EXPECT_EQ(ops[2].loc, "before_2");
  EXPECT_EQ(ops[3].loc, "named");
  EXPECT_EQ(ops[4].loc, "fused_name");
  EXPECT_EQ(ops[5].loc, "callee");
  EXPECT_EQ(ops[6].loc, "file.py:12:3");
  EXPECT_EQ(ops[7].loc, "neg_7");
}

TEST(Parser, AttributesAreNormalised) {
  auto b = parse(R"(func.func @f(%a: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = "ttir.neg"(%a) <{i = 3 : si32, f = 1.5 : f32, t = true, arr = array<i64: 1, -2>, farr = array<f32: 0.5>,
       list = [1 : i32, 2 : i32], flist = [1.0 : f32, 2.5 : f32], rt = #ttcore.reduce_type<sum>,
       dir = #ttcore.shard_direction<full_to_shard>, pairs = dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>,
       splat = dense<2.0> : tensor<2x4xf32>, nested = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>,
       hex = dense<"0x0000803F00000040"> : tensor<2xf32>, bits = dense<0xFF80> : tensor<bf16>,
       flag = dense<true> : tensor<i1>, dtype = bf16, ty = tensor<2x4xf32>, sym = @callee,
       odd = #ttcore<weird thing = 1>, fhex = 0xFF800000 : f32, empty = array<i64>}>
       {unitflag, s = "str"} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
})");
  const auto& a = b.programs[0].ops[0].attrs;
  EXPECT_EQ(std::get<int64_t>(a.at("i")), 3);
  EXPECT_DOUBLE_EQ(std::get<double>(a.at("f")), 1.5);
  EXPECT_TRUE(std::get<bool>(a.at("t")));
  EXPECT_EQ(std::get<std::vector<int64_t>>(a.at("arr")), (std::vector<int64_t>{1, -2}));
  EXPECT_EQ(std::get<std::vector<double>>(a.at("farr")), (std::vector<double>{0.5}));
  EXPECT_EQ(std::get<std::vector<int64_t>>(a.at("list")), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(std::get<std::vector<double>>(a.at("flist")), (std::vector<double>{1.0, 2.5}));
  EXPECT_EQ(std::get<std::string>(a.at("rt")), "sum");
  EXPECT_EQ(std::get<std::string>(a.at("dir")), "full_to_shard");
  const auto& pairs = std::get<binary::DenseElements>(a.at("pairs"));
  EXPECT_EQ(pairs.shape, (Shape{2, 2}));
  EXPECT_EQ(pairs.values, (std::vector<double>{0, 1, 1, 0}));
  const auto& splat = std::get<binary::DenseElements>(a.at("splat"));
  EXPECT_TRUE(splat.is_splat());
  EXPECT_EQ(splat.at(7), 2.0);
  EXPECT_EQ(std::get<binary::DenseElements>(a.at("nested")).dtype, DataType::kInt32);
  EXPECT_EQ(std::get<binary::DenseElements>(a.at("nested")).values,
            (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(std::get<binary::DenseElements>(a.at("hex")).values, (std::vector<double>{1.0, 2.0}));
  EXPECT_TRUE(std::isinf(std::get<binary::DenseElements>(a.at("bits")).values[0]));
  EXPECT_EQ(std::get<binary::DenseElements>(a.at("flag")).values, (std::vector<double>{1.0}));
  EXPECT_EQ(std::get<std::string>(a.at("dtype")), "bf16");
  EXPECT_EQ(std::get<std::string>(a.at("ty")), "tensor<2x4xf32>");
  EXPECT_EQ(std::get<std::string>(a.at("sym")), "callee");
  EXPECT_EQ(std::get<std::string>(a.at("odd")), "#ttcore<weird thing = 1>");
  EXPECT_TRUE(std::isinf(std::get<double>(a.at("fhex"))));
  EXPECT_TRUE(std::get<std::vector<int64_t>>(a.at("empty")).empty());
  EXPECT_TRUE(std::get<bool>(a.at("unitflag")));
  EXPECT_EQ(std::get<std::string>(a.at("s")), "str");
}

TEST(Parser, MultiResultOpsAndResultIndexUses) {
  auto b = parse(R"(func.func @f(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0:2 = "ttir.neg"(%a) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  %1 = "ttir.add"(%0#0, %0#1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %1, %0#1 : tensor<4xf32>, tensor<4xf32>
})");
  const auto& p = b.programs[0];
  ASSERT_EQ(p.ops[0].results.size(), 2u);
  EXPECT_EQ(p.ops[1].operands, p.ops[0].results);
  EXPECT_EQ(p.outputs, (std::vector<uint32_t>{p.ops[1].results[0], p.ops[0].results[1]}));
}

TEST(Parser, DpsEmptyOutputsAreDroppedAndEmptyInputsBecomeZeros) {
  auto b = parse(R"(func.func @f(%a: tensor<4xf32>) -> tensor<2xf32> {
  %0 = ttir.empty() : tensor<4xf32>
  %1 = "ttir.neg"(%a, %0) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = "tensor.empty"() : () -> tensor<4xf32>
  %3 = "ttir.add"(%1, %2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = ttir.empty() : tensor<4xf32>
  %5 = "ttir.slice_static"(%4) <{begins = [0 : i32], ends = [2 : i32], step = [1 : i32]}> : (tensor<4xf32>) -> tensor<2xf32>
  return %5 : tensor<2xf32>
})");
  const auto& p = b.programs[0];
  // neg(%a) with its DPS output dropped; add(%1, %2): %2 matches the result type so it is a
  // DPS output too; slice_static(%4): %4 is an input and becomes zeros.
  ASSERT_EQ(p.ops.size(), 4u);
  EXPECT_EQ(p.ops[0].operands, (std::vector<uint32_t>{p.inputs[0]}));
  EXPECT_EQ(p.ops[1].operands, (std::vector<uint32_t>{p.ops[0].results[0]}));
  EXPECT_EQ(p.ops[2].name, "zeros");
  EXPECT_EQ(std::get<std::vector<int64_t>>(p.ops[2].attrs.at("shape")), (std::vector<int64_t>{4}));
  EXPECT_EQ(p.ops[3].operands, p.ops[2].results);
}

TEST(Parser, PrivateFunctionsAndCallResolution) {
  auto b = parse(R"(module {
  func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
    %0 = call @helper(%a) : (tensor<4xf32>) -> tensor<4xf32>
    %1 = func.call @helper(%0) : (tensor<4xf32>) -> tensor<4xf32>
    return %1 : tensor<4xf32>
  }
  func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = "ttir.exp"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %0 : tensor<4xf32>
  }
})");
  ASSERT_EQ(b.programs.size(), 2u);
  EXPECT_TRUE(b.programs[1].is_private);
  const auto& ops = b.programs[0].ops;
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].name, "call");
  EXPECT_EQ(ops[0].int_attr("callee"), 1);
  EXPECT_EQ(ops[1].int_attr("callee"), 1);
  expect_error(R"(func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = call @nowhere(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
})",
               ErrorCode::kInvalidArgument, "t.mlir:2:13: call to undefined function '@nowhere'");
}

TEST(Parser, ArgumentAttributes) {
  auto b = parse(R"(func.func @f(
  %a: tensor<8x4xf32> {ttcore.shard_status = #ttcore.shard_status<presharded>, ttcore.local_shape = #ttcore<local_shape local_shape = tensor<4x4xf32>>, ttcore.argument_type = #ttcore.argument_type<parameter>, ttir.name = "w"} loc("p0"),
  %b: tensor<8x4xf32> {ttcore.runtime_tensor_sharding = #ttcore<runtime_tensor_sharding shard_status = <presharded>, local_shape = tensor<8x2xf32>>},
  %c: tensor<8x4xf32> {ttcore.shard_status = #ttcore.shard_status<unsharded>}) -> (tensor<8x4xf32> {jax.result_info = ""}) {
  return %c : tensor<8x4xf32>
})");
  const auto& p = b.programs[0];
  const auto& a = p.values[p.inputs[0]];
  EXPECT_TRUE(a.presharded);
  EXPECT_EQ(a.local_shape, (Shape{4, 4}));
  EXPECT_EQ(a.argument_type, "parameter");
  EXPECT_EQ(a.name, "w");
  const auto& bb = p.values[p.inputs[1]];
  EXPECT_TRUE(bb.presharded);
  EXPECT_EQ(bb.local_shape, (Shape{8, 2}));
  EXPECT_FALSE(p.values[p.inputs[2]].presharded);
}

constexpr const char* kMeshModule = R"(// RUN: ttmlir-opt --pipeline="mesh-shape=1,8" %s
module attributes {ttcore.meshes = #ttcore.meshes<[<"mesh" = 2x4>]>} {
  ttcore.device_module {
    builtin.module {
      func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
        return %a : tensor<4xf32>
      }
    }
  }
})";

TEST(Parser, MeshShapePrecedence) {
  EXPECT_EQ(parse(kMeshModule).programs[0].mesh_shape, (MeshShape{2, 4}));
  EXPECT_EQ(parse(kMeshModule, MeshShape{2, 4}).programs[0].mesh_shape, (MeshShape{2, 4}));
  // --mesh-shape contradicting ttcore.meshes is an error naming both (it was dropped silently).
  testing::expect_error(
      [] {
        parse(kMeshModule, MeshShape{8, 4});
      },
      ErrorCode::kInvalidArgument, "--mesh-shape 8x4 contradicts the module's ttcore.meshes (2x4)");
  const char* plain =
      "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n return %a : tensor<4xf32>\n}";
  EXPECT_EQ(parse(plain, MeshShape{8, 4}).programs[0].mesh_shape, (MeshShape{8, 4}));
  EXPECT_EQ(parse(plain).programs[0].mesh_shape, (MeshShape{1, 1}));
  EXPECT_EQ(mesh_shape_hint(kMeshModule), (MeshShape{2, 4}));
  EXPECT_EQ(mesh_shape_hint(std::string("// RUN: opt \"mesh-shape=1,8\"\n") + plain),
            (MeshShape{1, 8}));
  EXPECT_EQ(mesh_shape_hint(plain), std::nullopt);
  // A CHECK line mentioning ttcore.meshes is a comment, not the module's attribute.
  EXPECT_EQ(mesh_shape_hint("// CHECK: #ttcore.meshes<[<\"mesh\" = 4x4>]>\n"), std::nullopt);
}

// mesh_shard ops of type devices split tensor dim shard_dims[i] over mesh axis i.
std::string sharded(const std::string& dims, const std::string& shape, const std::string& type,
                    const std::string& extra = "") {
  return "func.func @f(%a: tensor<1x1x256x512xf32>) -> tensor<1x1x256x512xf32> {\n"
         "  %0 = \"ttir.mesh_shard\"(%a) <{shard_dims = array<i64: " +
         dims +
         ">, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = "
         "array<i64: " +
         shape + ">, shard_type = #ttcore.shard_type<" + type +
         ">}> : (tensor<1x1x256x512xf32>) -> tensor<1x1x256x512xf32> loc(\"s\")\n" + extra +
         "  return %a : tensor<1x1x256x512xf32>\n}\n";
}

TEST(Parser, MeshShapeIsInferredFromMeshShards) {
  std::string note;
  ParseOptions o;
  o.path = "t.mlir";
  o.mesh_note = &note;
  EXPECT_EQ(parse_mlir(sharded("2, 3", "1, 1, 8, 4", "devices"), o).programs[0].mesh_shape,
            (MeshShape{8, 4}));
  EXPECT_EQ(note,
            "mesh 8x4 inferred from the mesh_shard ops (axis 0: 8 from loc 's' "
            "shard_shape[2]; axis 1: 4 from loc 's' shard_shape[3])");
  EXPECT_EQ(parse_mlir(sharded("-1, 3", "1, 1, 1, 2", "identity"), o).programs[0].mesh_shape,
            (MeshShape{1, 2}));
  // No ops along axis 0 and no collective that needs it: 1.
  EXPECT_EQ(parse_mlir(sharded("-1, 3", "1, 1, 1, 8", "devices"), o).programs[0].mesh_shape,
            (MeshShape{1, 8}));
  // A single-chip program needs no mesh at all.
  EXPECT_EQ(parse("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n return %a : "
                  "tensor<4xf32>\n}")
                .programs[0]
                .mesh_shape,
            (MeshShape{1, 1}));
}

TEST(Parser, MeshShapeThatCannotBeInferredAsksForTheFlag) {
  testing::expect_error([] { parse(sharded("-1", "1", "replicate")); }, ErrorCode::kInvalidArgument,
                        "the mesh shape cannot be inferred; compile with --mesh-shape R,C");
  const std::string disagree = sharded(
      "2, 3", "1, 1, 8, 4", "devices",
      "  %1 = \"ttir.mesh_shard\"(%a) <{shard_dims = array<i64: 2, 3>, shard_direction = "
      "#ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 1, 2, 4>, shard_type "
      "= #ttcore.shard_type<devices>}> : (tensor<1x1x256x512xf32>) -> tensor<1x1x256x512xf32> "
      "loc(\"t\")\n");
  testing::expect_error(
      [&] { parse(disagree); }, ErrorCode::kInvalidArgument,
      "the mesh_shard ops disagree on mesh axis 0: 8 from loc 's' shard_shape[2], 2 from "
      "loc 't' shard_shape[2]; compile with --mesh-shape R,C");
  const std::string gather_axis0 = sharded(
      "-1, 3", "1, 1, 1, 4", "devices",
      "  %1 = \"ttir.all_gather\"(%a) <{all_gather_dim = 2 : si32, cluster_axis = 0 : ui32}> : "
      "(tensor<1x1x256x512xf32>) -> tensor<1x1x256x512xf32> loc(\"g\")\n");
  testing::expect_error(
      [&] { parse(gather_axis0); }, ErrorCode::kInvalidArgument,
      "op at loc 'g' works along mesh axis 0, but no mesh_shard splits a tensor along it");
}

TEST(Parser, SyntaxErrorsCarryLineAndColumn) {
  expect_error("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  return %a tensor<4xf32>\n}",
               ErrorCode::kInvalidArgument, "t.mlir:2:13: expected ':'");
  expect_error("func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  return %b : tensor<4xf32>\n}",
               ErrorCode::kInvalidArgument, "t.mlir:2:10: use of undefined value '%b'");
  expect_error(
      "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = \"ttir.neg\"(%a) : "
      "(tensor<4xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n",
      ErrorCode::kInvalidArgument,
      "t.mlir:4:1: expected '}' to close function '@f' but the text ended");
  expect_error(
      "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = \"ttir.neg\"(%a) : "
      "(tensor<8xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n}",
      ErrorCode::kInvalidArgument,
      "t.mlir:2:19: operand #0 of 'ttir.neg' has type tensor<4xf32> but the op's type says "
      "tensor<8xf32>");
}

TEST(Parser, UnknownOpsAreUnsupported) {
  expect_error(
      "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = \"ttir.foo\"(%a) : "
      "(tensor<4xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n}",
      ErrorCode::kUnsupported, "t.mlir:2:8: unsupported op 'ttir.foo'");
  expect_error("func.func @f(%a: tensor<4xi8>) -> tensor<4xi8> {\n  return %a : tensor<4xi8>\n}",
               ErrorCode::kUnsupported,
               "t.mlir:1:18: unsupported element type 'i8' in 'tensor<4xi8>'");
}

TEST(Parser, TruncatedTextNeverCrashes) {
  std::string text = kMeshModule;
  for (size_t n = 0; n < text.size(); ++n) {
    try {
      parse(text.substr(0, n));
    } catch (const Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kUnsupported)
          << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("t.mlir:", 0), 0u) << e.what();
    }
  }
}

TEST(Parser, RandomBytesGiveErrorsNotCrashes) {
  std::mt19937 rng(1234);
  const std::string alphabet = "%#@\"<>[](){}:,=-0123456789x. \nabcdeflmnortux_";
  std::string base = kMeshModule;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    if (round % 2 == 0) {
      size_t len = rng() % 300;
      for (size_t i = 0; i < len; ++i) text.push_back(static_cast<char>(rng() % 256));
    } else {
      text = base;  // mutate a valid module
      for (int k = 0; k < 4; ++k) text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    }
    try {
      parse(text);
    } catch (const Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kUnsupported)
          << e.what();
    }
  }
  // Deep nesting is an error, not a stack overflow.
  std::string deep =
      "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n %0 = \"ttir.neg\"(%a) <{x = " +
      std::string(100000, '[') + "}> : (tensor<4xf32>) -> tensor<4xf32>\n}";
  EXPECT_THROW(parse(deep), Error);
}

}  // namespace
}  // namespace meshrt::compiler
