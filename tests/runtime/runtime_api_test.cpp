// The public runtime API in one process: open, reshape, sub-meshes, submit, to-host, hooks.
#include <gtest/gtest.h>

#include <type_traits>

#include "common/expect_error.hpp"

#include <set>

#include "api_test_util.hpp"
#include "meshrt/runtime/debug.hpp"
#include "meshrt/runtime/runtime.hpp"
#include "meshrt/runtime/testing.hpp"

namespace rt = tt::runtime;
using meshrt::ErrorCode;

namespace {

rt::MeshDeviceOptions on(const std::string& cluster, std::vector<uint32_t> shape) {
  rt::MeshDeviceOptions o;
  o.cluster = meshrt::builtin_cluster(cluster);
  o.meshShape = shape;
  return o;
}

using meshrt::testing::expect_error;

// Only the runtime makes mesh and binary handles: no number (a binary's id among them) passes as
// a mesh, and a binary is not made from a number either.
static_assert(!std::is_constructible_v<rt::Device, uint64_t>);
static_assert(!std::is_convertible_v<uint64_t, rt::Device>);
static_assert(!std::is_constructible_v<rt::Binary, uint64_t,
                                       std::shared_ptr<const meshrt::binary::Binary>>);

TEST(RuntimeApi, OpensAMeshOfAShape) {
  rt::setCommunicator(nullptr);
  rt::Device d = rt::openMeshDevice(meshrt::MeshShape{2, 4});
  EXPECT_EQ(rt::getMeshShape(d), (std::vector<uint32_t>{2, 4}));
  EXPECT_EQ(rt::getDeviceIds(d).size(), 8u);
  rt::closeMeshDevice(d);
  expect_error([] { rt::openMeshDevice(meshrt::MeshShape{16, 16}); }, ErrorCode::kIncompatible,
               "16x16 mesh (256 chips)");
}

TEST(RuntimeApi, OpenReportsShapeAndClusterChipIds) {
  rt::setCommunicator(nullptr);
  EXPECT_EQ(rt::getNumAvailableDevices(), 32u);
  rt::Device d = rt::openMeshDevice(on("galaxy", {2, 2}));
  EXPECT_EQ(rt::getMeshShape(d), (std::vector<uint32_t>{2, 2}));
  EXPECT_EQ(rt::getDeviceIds(d), (std::vector<int>{0, 1, 4, 5}));
  EXPECT_EQ(rt::getL1SmallSize(d), 32u * 1024);
  rt::closeMeshDevice(d);
  expect_error([&] { rt::getMeshShape(d); }, ErrorCode::kNotFound, "is not open");
}

TEST(RuntimeApi, ReshapeT3kToALineIsARingAlongLinks) {
  rt::Device d = rt::openMeshDevice(on("t3k", {2, 4}));
  rt::reshapeMeshDevice(d, {1, 8});
  EXPECT_EQ(rt::getMeshShape(d), (std::vector<uint32_t>{1, 8}));
  EXPECT_EQ(rt::getDeviceIds(d), (std::vector<int>{0, 1, 2, 3, 7, 6, 5, 4}));
  rt::reshapeMeshDevice(d, {8, 1});
  EXPECT_EQ(rt::getDeviceIds(d), (std::vector<int>{0, 1, 2, 3, 7, 6, 5, 4}));
  rt::reshapeMeshDevice(d, {4, 2});  // the transpose: every neighbour kept
  EXPECT_EQ(rt::getDeviceIds(d), (std::vector<int>{0, 4, 1, 5, 2, 6, 3, 7}));
  rt::reshapeMeshDevice(d, {2, 4});
  EXPECT_EQ(rt::getDeviceIds(d), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  expect_error(
      [&] {
        rt::reshapeMeshDevice(d, {1, 16});
      },
      ErrorCode::kInvalidArgument, "cannot reshape a 2x4 mesh (8 chips) to 1x16 (16 chips)");
  rt::closeMeshDevice(d);
}

TEST(RuntimeApi, OpeningALineOnT3kReshapesAndTooBigFails) {
  rt::Device d = rt::openMeshDevice(on("t3k", {1, 8}));
  EXPECT_EQ(rt::getDeviceIds(d), (std::vector<int>{0, 1, 2, 3, 7, 6, 5, 4}));
  rt::closeMeshDevice(d);
  expect_error(
      [] {
        rt::openMeshDevice(on("t3k", {1, 16}));
      },
      ErrorCode::kIncompatible, "needs a 1x16 mesh (16 chips) but cluster 't3k' has 8 chips");
}

TEST(RuntimeApi, SubmitGatheredOutputsMatchGoldensAndSubMeshesUseTheirChips) {
  auto bytes = meshrt::test::gather_add_binary(2, 4);
  rt::Binary bin = rt::Binary::loadFromBytes(bytes, "gather_add");
  rt::Device galaxy = rt::openMeshDevice(on("galaxy", {8, 4}));
  std::set<int> seen;
  for (uint32_t k = 0; k < 4; ++k) {
    rt::Device sub = rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{2 * k, 0});
    auto ids = rt::getDeviceIds(sub);
    EXPECT_EQ(ids.front(), static_cast<int>(8 * k));
    seen.insert(ids.begin(), ids.end());
    rt::RunOptions o;
    o.seed = 7 + k;
    rt::ProgramRun run = rt::runProgram(sub, bin, 0, o);
    ASSERT_FALSE(run.goldens.empty());
    for (const auto& g : run.goldens)
      EXPECT_TRUE(g.metrics.passed) << g.loc << " " << g.metrics.message;
    rt::releaseSubMeshDevice(sub);
  }
  EXPECT_EQ(seen.size(), 32u);
  expect_error(
      [&] {
        rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{7, 0});
      },
      ErrorCode::kInvalidArgument, "does not fit its 8x4 parent mesh");

  rt::Device t3k = rt::openMeshDevice(on("t3k", {2, 4}));
  std::vector<rt::Tensor> none;
  std::vector<rt::Tensor> out = rt::submit(t3k, bin, 0, none);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(rt::getTensorShape(out[0]), (std::vector<uint32_t>{1, 1, 4, 16}));
  EXPECT_EQ(rt::getTensorDataType(out[0]), meshrt::DataType::kFloat32);
  EXPECT_EQ(rt::getTensorVolume(out[0]), 64u);
  // User inputs: ones in, so every output element is 2.
  std::vector<float> ones(64, 1.0f);
  std::vector<rt::Tensor> inputs{rt::createOwnedHostTensor(
      ones.data(), {1, 1, 4, 16}, {64, 64, 16, 1}, 4, meshrt::DataType::kFloat32)};
  out = rt::submit(t3k, bin, 0, inputs);
  std::vector<float> host(64);
  rt::memcpy(host.data(), rt::toHost(out[0])[0]);
  for (float v : host) ASSERT_EQ(v, 2.0f);
  rt::deallocateTensor(out[0]);
  EXPECT_FALSE(rt::isTensorAllocated(out[0]));
  auto mem = rt::getMemoryView(t3k, 0);
  EXPECT_EQ(mem.at(rt::MemoryBufferType::DRAM).numBanks, 12u);
  rt::closeMeshDevice(t3k);
  rt::closeMeshDevice(galaxy);
  rt::releaseBinary(bin);
}

TEST(RuntimeApi, PostOpHookSeesEveryOpLocAndEveryDevicesOutput) {
  auto bytes = meshrt::test::gather_add_binary(2, 4);
  rt::Binary bin = rt::Binary::loadFromBytes(bytes, "gather_add");
  std::vector<std::string> locs;
  std::vector<size_t> shard_counts;
  int programs = 0;
  rt::debug::Hooks::get(
      std::nullopt,
      [&](rt::Binary, rt::CallbackContext p, rt::OpContext op) {
        locs.push_back(rt::getOpLocInfo(op));
        shard_counts.push_back(rt::getOpOutputTensor(op, p).size());
      },
      [&](rt::Binary, rt::CallbackContext) { ++programs; });
  rt::Device d = rt::openMeshDevice(on("t3k", {2, 4}));
  std::vector<rt::Tensor> none;
  rt::submit(d, bin, 0, none);
  rt::debug::Hooks::get().unregisterHooks();
  EXPECT_EQ(locs, (std::vector<std::string>{"shard", "gather", "add", "full"}));
  EXPECT_EQ(shard_counts, (std::vector<size_t>{8, 8, 8, 1}));
  EXPECT_EQ(programs, 1);
  auto golden = rt::getDebugInfoGolden(bin, "add");
  EXPECT_FALSE(golden.empty());
  // A hook that throws ends the program with its message.
  rt::debug::Hooks::get(std::nullopt, [](rt::Binary, rt::CallbackContext, rt::OpContext) {
    throw meshrt::Error(ErrorCode::kInvalidArgument, "stop here");
  });
  expect_error([&] { rt::submit(d, bin, 0, none); }, ErrorCode::kInvalidArgument, "stop here");
  rt::debug::Hooks::get().unregisterHooks();
  rt::closeMeshDevice(d);
}

// Runs on disjoint sub-meshes overlap: a short run finishes while a long one on other chips
// still runs. A run sharing a chip with an earlier one waits for it.
TEST(RuntimeApi, SubMeshRunsOverlapUnlessTheyShareChips) {
  auto long_bytes = meshrt::test::matmul_chain_binary(2, 4, 512, 8, false);
  auto short_bytes = meshrt::test::matmul_chain_binary(2, 4, 64, 1, true);
  rt::Binary slow = rt::Binary::loadFromBytes(long_bytes, "long");
  rt::Binary quick = rt::Binary::loadFromBytes(short_bytes, "short");
  rt::Device galaxy = rt::openMeshDevice(on("galaxy", {8, 4}));
  rt::Device top = rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{0, 0});
  rt::Device below = rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{4, 0});
  rt::Device shifted = rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{1, 0});
  rt::RunOptions no_goldens;
  no_goldens.check_golden = false;
  rt::RunOptions checked;

  rt::PendingRun a = rt::launchProgram(top, slow, 0, no_goldens);
  rt::PendingRun b = rt::launchProgram(below, quick, 0, checked);
  const rt::ProgramRun& quick_run = b.get();
  EXPECT_FALSE(a.ready()) << "the short run on other chips waited for the long one";
  ASSERT_FALSE(quick_run.goldens.empty());
  for (const auto& g : quick_run.goldens) EXPECT_TRUE(g.metrics.passed) << g.loc;
  EXPECT_EQ(a.get().ops_executed, 16u);

  a = rt::launchProgram(top, slow, 0, no_goldens);
  b = rt::launchProgram(shifted, quick, 0, checked);  // shares row 1 with `top`
  b.get();
  EXPECT_TRUE(a.ready()) << "a run sharing chips with a run in flight did not wait for it";

  // Perf rows of the last run on a mesh: 2 ops x 8 chips, modelled device times.
  auto rows = rt::readDeviceProfilerResults(shifted);
  ASSERT_EQ(rows.size(), 16u);
  std::set<std::string> devices, ops;
  for (const auto& row : rows) {
    devices.insert(row.at("DEVICE ID"));
    ops.insert(row.at("OP CODE"));
    EXPECT_GT(std::stoull(row.at("DEVICE KERNEL DURATION [ns]")), 0u) << row.at("LOC");
  }
  EXPECT_EQ(devices.size(), 8u);
  EXPECT_EQ(ops, (std::set<std::string>{"matmul", "tanh"}));
  EXPECT_TRUE(rt::readDeviceProfilerResults(galaxy).empty());

  // A run's error comes from get(), and from reading its outputs.
  std::vector<float> wrong(16, 1.0f);
  std::vector<rt::Tensor> bad{
      rt::createOwnedHostTensor(wrong.data(), {4, 4}, {}, 4, meshrt::DataType::kFloat32)};
  rt::PendingRun failed = rt::launchProgram(below, quick, 0, checked, &bad);
  expect_error([&] { failed.get(); }, ErrorCode::kInvalidArgument,
               "input 0 of program 'main' must be 64x64 f32, got 4x4 f32");
  std::vector<rt::Tensor> out = rt::submit(below, quick, 0, bad);
  expect_error([&] { rt::getTensorShape(out.at(0)); }, ErrorCode::kInvalidArgument,
               "must be 64x64 f32");
  rt::closeMeshDevice(galaxy);
  rt::releaseBinary(slow);
  rt::releaseBinary(quick);
}

// Goldens of user inputs are computed from those inputs: they pass, and a perturbed op output
// fails against them.
TEST(RuntimeApi, UserInputsAreCheckedAgainstTheirOwnGoldens) {
  auto bytes = meshrt::test::matmul_chain_binary(2, 4, 32, 2, true);
  rt::Binary bin = rt::Binary::loadFromBytes(bytes, "chain");
  rt::Device t3k = rt::openMeshDevice(on("t3k", {2, 4}));
  std::vector<float> data(32 * 32);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 7) * 0.05f - 0.1f;
  std::vector<rt::Tensor> inputs{
      rt::createOwnedHostTensor(data.data(), {32, 32}, {}, 4, meshrt::DataType::kFloat32)};
  rt::RunOptions o;
  rt::ProgramRun run = rt::runProgram(t3k, bin, 0, o, &inputs);
  EXPECT_TRUE(run.golden_unavailable_reason.empty()) << run.golden_unavailable_reason;
  ASSERT_EQ(run.goldens.size(), 5u * 8u);  // m0 t0 m1 t1 output_0, on 8 chips
  for (const auto& g : run.goldens) EXPECT_TRUE(g.metrics.passed) << g.loc;
  run = rt::testing::runProgram(t3k, bin, 0, o, {.wrong_result_at = "m1"}, &inputs);
  size_t failed = 0;
  for (const auto& g : run.goldens) failed += g.metrics.passed ? 0 : 1;
  EXPECT_GE(failed, 1u);
  rt::closeMeshDevice(t3k);
  rt::releaseBinary(bin);
}

// A binary is untrusted: one whose program the compiler would refuse (here a relu whose result
// has another shape than its operand, which a kernel would write past) is refused at load,
// with the verifier's message, and nothing stays loaded.
TEST(RuntimeApi, LoadingReverifiesPrograms) {
  meshrt::compiler::CompileOptions co;
  co.path = "relu.mlir";
  meshrt::binary::Binary b = meshrt::compiler::compile_mlir(
      "func.func @f(%a: tensor<32x32xf32>) -> tensor<32x32xf32> {\n"
      "  %0 = \"ttir.relu\"(%a) : (tensor<32x32xf32>) -> tensor<32x32xf32> loc(\"r\")\n"
      "  return %0 : tensor<32x32xf32>\n}\n",
      co);
  rt::Binary good = rt::Binary::loadFromBytes(meshrt::binary::serialize(b), "good.ttnn");
  rt::releaseBinary(good);
  b.programs[0].values[1].shape = {64, 64};
  expect_error([&] { rt::Binary::loadFromBytes(meshrt::binary::serialize(b), "bad.ttnn"); },
               ErrorCode::kInvalidArgument, "bad.ttnn: op 'relu' at loc 'r': result shape 64x64");
  b.programs[0].values[1].shape = {32, 32};
  b.programs[0].ops[0].frees = {0, 1};  // a stored free list is recomputed, not trusted
  rt::Binary reannotated = rt::Binary::loadFromBytes(meshrt::binary::serialize(b), "frees.ttnn");
  EXPECT_TRUE(reannotated.get().programs[0].ops[0].frees.empty());
  rt::releaseBinary(reannotated);
}

}  // namespace
