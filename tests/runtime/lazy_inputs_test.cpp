// Generated inputs are made only where touched: an embedding table reached through an identity
// permute and a reshape has only the rows looked up made, on the chips and in the reference
// interpreter alike, and the run's goldens still pass; the host preflight does not count it.
#include <gtest/gtest.h>

#include "api_test_util.hpp"
#include "meshrt/binary/inputs.hpp"
#include "meshrt/runtime/memory_plan.hpp"
#include "meshrt/runtime/runtime.hpp"

namespace rt = tt::runtime;

namespace {

// A presharded 4096x512 bf16 table per chip of a 1x2 mesh (4 MiB each), looked up by 8 token
// ids, beside a small weight that a matmul reads whole.
const char* kLookup = R"(
func.func @lookup(%ids: tensor<1x8xui32> {ttcore.shard_status = #ttcore.shard_status<presharded>, ttcore.local_shape = #ttcore<local_shape local_shape = tensor<1x8xui32>>},
                  %table: tensor<4096x512xbf16> {ttcore.shard_status = #ttcore.shard_status<presharded>, ttcore.local_shape = #ttcore<local_shape local_shape = tensor<4096x512xbf16>>},
                  %w: tensor<512x64xbf16> {ttcore.shard_status = #ttcore.shard_status<presharded>, ttcore.local_shape = #ttcore<local_shape local_shape = tensor<512x64xbf16>>}) -> tensor<8x64xbf16> {
  %0 = "ttir.permute"(%table) <{permutation = array<i64: 0, 1>}> : (tensor<4096x512xbf16>) -> tensor<4096x512xbf16> loc("p")
  %1 = "ttir.reshape"(%0) <{shape = [4096 : i32, 512 : i32]}> : (tensor<4096x512xbf16>) -> tensor<4096x512xbf16> loc("r")
  %2 = "ttir.embedding"(%ids, %1) : (tensor<1x8xui32>, tensor<4096x512xbf16>) -> tensor<1x8x512xbf16> loc("e")
  %3 = "ttir.reshape"(%2) <{shape = [8 : i32, 512 : i32]}> : (tensor<1x8x512xbf16>) -> tensor<8x512xbf16> loc("r2")
  %4 = "ttir.matmul"(%3, %w) : (tensor<8x512xbf16>, tensor<512x64xbf16>) -> tensor<8x64xbf16> loc("m")
  return %4 : tensor<8x64xbf16>
}
)";

meshrt::binary::Binary compile_lookup() {
  meshrt::compiler::CompileOptions o;
  o.path = "lookup.mlir";
  o.mesh_override = meshrt::MeshShape{1, 2};
  o.goldens = false;  // the run computes them, through the reference interpreter
  return meshrt::compiler::compile_mlir(kLookup, o);
}

TEST(LazyInputs, OnlyTheTableIsUntouched) {
  const meshrt::binary::Binary bin = compile_lookup();
  EXPECT_EQ(meshrt::binary::untouched_inputs(bin.programs.at(0)),
            (std::vector<bool>{false, true, false}));
}

TEST(LazyInputs, ATableLookedUpThroughViewsIsNeverMadeAndGoldensPass) {
  rt::setCommunicator(nullptr);
  rt::Binary bin = rt::Binary::loadFromBytes(meshrt::binary::serialize(compile_lookup()), "lookup");
  rt::Device mesh = rt::openMeshDevice(meshrt::MeshShape{1, 2});
  rt::RunOptions o;
  o.seed = 3;
  rt::ProgramRun run = rt::runProgram(mesh, bin, 0, o);
  ASSERT_EQ(run.inputs.size(), 3u);
  ASSERT_EQ(run.inputs[1].shards.size(), 2u);
  for (const auto& [d, table] : run.inputs[1].shards) {
    EXPECT_FALSE(table->materialized()) << "table on device " << d.value;
  }
  for (const auto& [d, w] : run.inputs[2].shards) EXPECT_TRUE(w->materialized());
  // Goldens of the op results and the output, computed by the reference on its own generated
  // inputs, all pass: the rows made on demand are the rows a whole table would hold.
  size_t output_checks = 0;
  for (const auto& g : run.goldens) {
    EXPECT_TRUE(g.metrics.passed) << g.loc << " on device " << g.device_id;
    output_checks += g.loc == "output_0";
  }
  EXPECT_EQ(output_checks, 2u);
  EXPECT_GE(run.goldens.size(), 10u);
  rt::closeMeshDevice(mesh);
  rt::releaseBinary(bin);
}

TEST(LazyInputs, TheHostPreflightLeavesTheTableOut) {
  const meshrt::binary::Binary bin = compile_lookup();
  const meshrt::binary::Program& p = bin.programs.at(0);
  // Every chip's DRAM plan still counts the table (silicon holds it whole) ...
  EXPECT_GE(meshrt::runtime::peak_device_bytes(p), 4096u * 512u * 2u);
  // ... but host memory for 8192 such chips would need 32 GiB with it, under 1 GiB without: the
  // preflight passes (it throws when the host cannot hold what it counts).
  EXPECT_NO_THROW(meshrt::runtime::check_host_fits(p, 8192, 0));
}

}  // namespace
