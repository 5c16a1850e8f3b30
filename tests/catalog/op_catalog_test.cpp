// The op catalogue against tt-mlir's op list and against every layer that implements ops:
// each catalogued op has a verifier, a reference function, a device kernel or collective step
// and a cost family; pipeline-only ops give the precise "not a TTIR program op" error; the
// ops not catalogued yet give "unsupported op".
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>

#include "meshrt/catalog/op_catalog.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/reference/interpreter.hpp"
#include "meshrt/verify/verify.hpp"
#include "meshrt/ops/kernels.hpp"
#include "meshrt/report/perf.hpp"

namespace meshrt {
namespace {

std::vector<std::string> read_names(const std::string& file) {
  std::ifstream in(std::string(MESHRT_SOURCE_DIR) + "/tests/catalog/" + file);
  EXPECT_TRUE(in) << "cannot read tests/catalog/" << file;
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') names.push_back(line);
  }
  return names;
}

// A one-op program: `name` applied to one 2x4 f32 argument.
std::string one_op_program(const std::string& name) {
  return "func.func @main(%arg0: tensor<2x4xf32>) -> tensor<2x4xf32> {\n"
         "  %0 = \"ttir." +
         name +
         "\"(%arg0) : (tensor<2x4xf32>) -> tensor<2x4xf32> loc(\"op\")\n"
         "  return %0 : tensor<2x4xf32>\n}\n";
}

std::string compile_error(const std::string& name) {
  compiler::CompileOptions o;
  o.path = "one_op.mlir";
  try {
    compiler::compile_mlir(one_op_program(name), o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(OpCatalog, EveryCataloguedOpHasEveryPiece) {
  const std::set<std::string>& verified = verify::supported_ops();
  const std::vector<std::string> reference = reference::interpreter_supported_ops();
  size_t checked = 0;
  for (const catalog::OpInfo& op : catalog::all_ops()) {
    const std::string name(op.name);
    const bool has_reference = std::count(reference.begin(), reference.end(), name) != 0;
    EXPECT_EQ(report::op_family(op.name), op.cost) << name;
    switch (op.execution) {
      case catalog::Execution::kKernel:
        EXPECT_TRUE(verified.count(name)) << name << " has no verifier";
        EXPECT_TRUE(has_reference) << name << " has no reference function";
        EXPECT_TRUE(ops::has_kernel(op.name)) << name << " has no device kernel";
        break;
      case catalog::Execution::kCollective:
      case catalog::Execution::kMeshShard:
        EXPECT_TRUE(verified.count(name)) << name << " has no verifier";
        EXPECT_TRUE(has_reference) << name << " has no reference function";
        EXPECT_TRUE(ops::is_collective(op.name)) << name;
        EXPECT_FALSE(ops::has_kernel(op.name)) << name << " is a collective with a kernel";
        break;
      case catalog::Execution::kCall:
        EXPECT_TRUE(verified.count(name)) << name;
        EXPECT_TRUE(has_reference) << name;
        break;
      case catalog::Execution::kPipelineOnly:
        EXPECT_FALSE(verified.count(name)) << name;
        EXPECT_FALSE(op.why_not.empty()) << name;
        break;
    }
    ++checked;
  }
  // And no layer implements an op the catalogue lacks (OpTable refuses it at registration).
  for (const std::string& name : verified) EXPECT_NE(catalog::find_op(name), nullptr) << name;
  for (const std::string& name : reference) EXPECT_NE(catalog::find_op(name), nullptr) << name;
  for (std::string_view name : ops::kernel_op_names())
    EXPECT_NE(catalog::find_op(name), nullptr) << name;
  EXPECT_EQ(checked, catalog::all_ops().size());
  EXPECT_GE(checked, 144u);
}

TEST(OpCatalog, CoversTheTtirOpListExceptTheListedGaps) {
  const std::vector<std::string> ttir = read_names("ttir_ops.txt");
  const std::vector<std::string> not_yet = read_names("not_yet.txt");
  ASSERT_EQ(ttir.size(), 176u);
  size_t catalogued = 0, gaps = 0, pipeline_only = 0;
  for (const std::string& name : ttir) {
    const catalog::OpInfo* info = catalog::find_op(name);
    const bool listed_gap = std::count(not_yet.begin(), not_yet.end(), name) != 0;
    EXPECT_NE(info != nullptr, listed_gap) << name
                                           << (info ? " is catalogued: remove it from not_yet.txt"
                                                    : " is neither catalogued nor in not_yet.txt");
    if (listed_gap) {
      // Compiling it fails with the unsupported-op error, naming it.
      EXPECT_NE(compile_error(name).find("unsupported op 'ttir." + name + "'"), std::string::npos)
          << name << ": " << compile_error(name);
      ++gaps;
    } else if (info && info->execution == catalog::Execution::kPipelineOnly) {
      const std::string e = compile_error(name);
      EXPECT_NE(e.find("'ttir." + name + "'"), std::string::npos) << e;
      EXPECT_NE(e.find("is not a TTIR program op"), std::string::npos) << e;
      ++pipeline_only;
    } else {
      ++catalogued;
    }
  }
  for (const std::string& name : not_yet)
    EXPECT_NE(std::count(ttir.begin(), ttir.end(), name), 0) << name << " is no TTIR op";
  // Every catalogued name but meshrt's "call" is a TTIR op.
  for (const catalog::OpInfo& op : catalog::all_ops()) {
    if (op.execution == catalog::Execution::kCall) continue;
    EXPECT_NE(std::count(ttir.begin(), ttir.end(), std::string(op.name)), 0) << op.name;
  }
  EXPECT_EQ(pipeline_only, 4u);
  EXPECT_EQ(catalogued + gaps + pipeline_only, 176u);
  std::printf("TTIR ops: %zu runnable, %zu pipeline-only, %zu not yet\n", catalogued, pipeline_only,
              gaps);
}

TEST(OpCatalog, RegisteringAnUncataloguedOpIsRefused) {
  catalog::OpTable<void (*)()> table;
  try {
    table["no_such_op"] = nullptr;
    FAIL() << "an uncatalogued name was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    EXPECT_NE(std::string(e.what()).find("'no_such_op' is implemented but not in the op catalogue"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(table.find("no_such_op"), nullptr);
}

TEST(OpCatalog, OperandRolesNameRealOperands) {
  size_t roles = 0;
  for (const catalog::OpInfo& op : catalog::all_ops()) {
    for (const catalog::OperandRole& r : op.operand_roles) {
      if (r.kind == catalog::OperandRole::Kind::kIndex)
        EXPECT_NE(r.operand, r.bound_operand) << op.name;
      ++roles;
    }
  }
  EXPECT_GE(roles, 7u);
  EXPECT_TRUE(catalog::find_op("update_cache")->writes_first_operand);
  EXPECT_FALSE(catalog::find_op("add")->writes_first_operand);
}

// Every TTIR op of the catalogue carries its TTIROps.td signature; a few read by hand.
TEST(OpCatalog, CarriesEachOpsTtirSignature) {
  size_t with_schema = 0;
  for (const catalog::OpInfo& op : catalog::all_ops()) {
    if (op.execution == catalog::Execution::kCall) {
      EXPECT_TRUE(op.schema.operands.empty() && op.schema.results.empty()) << op.name;
      continue;
    }
    const auto& s = op.schema;
    EXPECT_FALSE(s.operands.empty() && s.attributes.empty() && s.results.empty()) << op.name;
    ++with_schema;
  }
  EXPECT_EQ(with_schema, catalog::all_ops().size() - 1);
  auto names = [](const std::vector<catalog::SchemaEntry>& v) {
    std::string out;
    for (const auto& e : v)
      out += std::string(out.empty() ? "" : ",") + std::string(e.name) +
             (e.optional ? "?" : e.variadic ? "*" : "");
    return out;
  };
  const catalog::OpSchema& conv = catalog::find_op("conv2d")->schema;
  EXPECT_EQ(names(conv.operands), "input,weight,bias?");
  EXPECT_EQ(names(conv.results), "result");
  EXPECT_NE(names(conv.attributes).find("stride,padding,dilation,groups"), std::string::npos);
  EXPECT_EQ(names(catalog::find_op("all_gather")->schema.attributes), "all_gather_dim,cluster_axis");
  EXPECT_EQ(names(catalog::find_op("concat")->schema.operands), "inputs*");
  // Attribute kinds, as a printer needs them.
  auto kinds = [](const std::vector<catalog::SchemaEntry>& v) {
    std::string out;
    for (const auto& e : v) out += std::string(out.empty() ? "" : ",") + std::string(e.kind);
    return out;
  };
  EXPECT_EQ(kinds(catalog::find_op("all_gather")->schema.attributes), "SI32Attr,UI32Attr");
  EXPECT_EQ(kinds(catalog::find_op("mesh_shard")->schema.attributes),
            "TTCore_MeshShardTypeAttr,TTCore_MeshShardDirectionAttr,DenseI64ArrayAttr,"
            "DenseI64ArrayAttr");
  EXPECT_EQ(kinds(catalog::find_op("batch_norm_training")->schema.attributes),
            "F32Attr,I32Attr,F32Attr");
  EXPECT_NE(kinds(conv.attributes).find("I32Attr|DenseI32ArrayAttr"), std::string::npos);
  EXPECT_TRUE(catalog::find_op("add")->schema.operands[0].kind.empty());
  // In-place TTIR ops declare no result.
  EXPECT_TRUE(catalog::find_op("update_cache")->schema.results.empty());
}

// An op without an attribute its signature requires is refused, naming the attribute.
TEST(OpCatalog, ARequiredAttributeIsChecked) {
  compiler::CompileOptions o;
  o.path = "no_dim.mlir";
  const std::string text =
      "func.func @main(%a: tensor<4x8xf32>) -> tensor<4x16xf32> {\n"
      "  %0 = \"ttir.concat\"(%a, %a) : (tensor<4x8xf32>, tensor<4x8xf32>) -> "
      "tensor<4x16xf32> loc(\"cat\")\n  return %0 : tensor<4x16xf32>\n}\n";
  try {
    compiler::compile_mlir(text, o);
    ADD_FAILURE() << "concat without dim compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("attribute 'dim' is missing (TTIR requires it)"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("'concat'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace meshrt
