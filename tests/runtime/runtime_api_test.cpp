// The public runtime API in one process: open, reshape, sub-meshes, submit, to-host, hooks.
#include <gtest/gtest.h>

#include <set>

#include "api_test_util.hpp"
#include "meshrt/runtime/debug.hpp"
#include "meshrt/runtime/runtime.hpp"

namespace rt = tt::runtime;
using meshrt::ErrorCode;

namespace {

rt::MeshDeviceOptions on(const std::string& cluster, std::vector<uint32_t> shape) {
  rt::MeshDeviceOptions o;
  o.cluster = meshrt::builtin_cluster(cluster);
  o.meshShape = shape;
  return o;
}

template <typename F>
void expect_error(F&& f, ErrorCode code, const std::string& text) {
  try {
    f();
    FAIL() << "expected an error containing '" << text << "'";
  } catch (const meshrt::Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
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

}  // namespace
