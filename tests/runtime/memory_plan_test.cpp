// The static memory plan: a program's peak DRAM per chip counts every value from the op that
// makes it to its last use, and a program past a chip's DRAM is refused before it runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/expect_error.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/device/tensor_bytes.hpp"
#include "meshrt/runtime/memory_plan.hpp"

namespace {

meshrt::binary::Binary compile(const std::string& body) {
  meshrt::compiler::CompileOptions co;
  co.path = "plan.mlir";
  co.goldens = false;
  return meshrt::compiler::compile_mlir(body, co);
}

// a -> exp -> exp -> exp: the program's input stays (its caller owns it) and each result dies
// at its last use, so at most three tensors live at once.
const char* kChain = R"(
func.func @chain(%a: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = "ttir.exp"(%a) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  %1 = "ttir.exp"(%0) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  %2 = "ttir.exp"(%1) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  return %2 : tensor<64x64xf32>
}
)";
// The same, but the first result is used again by the last op: four tensors live at once.
const char* kFanOut = R"(
func.func @fan_out(%a: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = "ttir.exp"(%a) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  %1 = "ttir.exp"(%0) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  %2 = "ttir.add"(%0, %1) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  return %2 : tensor<64x64xf32>
}
)";

// A whole input sharded over a 1x2 mesh, negated on the chips and gathered back: the whole
// tensors live on the host (as ttnn keeps them), each chip holds its shard and its result.
const char* kSharded = R"(
func.func @sharded(%a: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %0 = "ttir.mesh_shard"(%a) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<full_to_shard>, shard_shape = array<i64: 1, 2>, shard_type = #ttcore.shard_type<devices>}> : (tensor<64x128xf32>) -> tensor<64x64xf32>
  %1 = "ttir.neg"(%0) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  %2 = "ttir.mesh_shard"(%1) <{shard_dims = array<i64: -1, 1>, shard_direction = #ttcore.shard_direction<shard_to_full>, shard_shape = array<i64: 1, 2>, shard_type = #ttcore.shard_type<devices>}> : (tensor<64x64xf32>) -> tensor<64x128xf32>
  return %2 : tensor<64x128xf32>
}
)";

uint64_t one_tensor() {
  return meshrt::device::tensor_device_bytes({64, 64}, meshrt::DataType::kFloat32, true);
}

TEST(MemoryPlan, PeakCountsValuesUntilTheirLastUse) {
  ASSERT_GT(one_tensor(), 0u);
  EXPECT_EQ(meshrt::runtime::peak_device_bytes(compile(kChain).programs.at(0)), 3 * one_tensor());
  EXPECT_EQ(meshrt::runtime::peak_device_bytes(compile(kFanOut).programs.at(0)), 4 * one_tensor());
}

// Host values are the program's whole input and gathered output only; anything a chip op reads
// from the host goes onto the chips.
TEST(MemoryPlan, WholeTensorsOnTheHostAreNotChipMemory) {
  meshrt::compiler::CompileOptions co;
  co.path = "sharded.mlir";
  co.goldens = false;
  co.mesh_override = meshrt::MeshShape{1, 2};
  const auto bin = meshrt::compiler::compile_mlir(kSharded, co);
  const auto& p = bin.programs.at(0);
  const std::vector<bool> host = meshrt::runtime::host_only_values(p);
  EXPECT_TRUE(host.at(p.inputs.at(0)));
  EXPECT_TRUE(host.at(p.outputs.at(0)));
  EXPECT_EQ(std::count(host.begin(), host.end(), true), 2);
  EXPECT_EQ(meshrt::runtime::peak_device_bytes(p), 2 * one_tensor());  // shard + neg, per chip
  EXPECT_EQ(meshrt::runtime::host_value_bytes(p), 2u * 64 * 128 * 4);
  // The chain's input feeds a chip op directly: it is placed on the chip, not kept on the host.
  const auto chain = compile(kChain);
  const std::vector<bool> none = meshrt::runtime::host_only_values(chain.programs.at(0));
  EXPECT_EQ(std::count(none.begin(), none.end(), true), 0);
}

// A chip with room for three such tensors takes the chain and refuses the fan-out, naming the
// program and both byte counts.
TEST(MemoryPlan, AProgramPastTheChipsDramIsRefused) {
  meshrt::ChipDesc chip;
  chip.dram_channels = 1;
  chip.dram_bytes_per_channel = 3 * one_tensor() + 1;
  chip.trace_region_bytes = 0;
  EXPECT_EQ(meshrt::runtime::usable_dram_bytes(chip), 3 * one_tensor() + 1);
  meshrt::runtime::check_program_fits(compile(kChain).programs.at(0), chip);
  const auto fan_out = compile(kFanOut);
  meshrt::testing::expect_error(
      [&] { meshrt::runtime::check_program_fits(fan_out.programs.at(0), chip); },
      meshrt::ErrorCode::kOutOfMemory,
      {"fan_out", std::to_string(4 * one_tensor()), std::to_string(3 * one_tensor() + 1)});
  // The trace region is not for tensors.
  chip.trace_region_bytes = 2;
  EXPECT_EQ(meshrt::runtime::usable_dram_bytes(chip), 3 * one_tensor() - 1);
  EXPECT_THROW(meshrt::runtime::check_program_fits(compile(kChain).programs.at(0), chip),
               meshrt::Error);
}

}  // namespace
