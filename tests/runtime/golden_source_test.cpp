// The runtime gets goldens the binary does not hold through one narrow call, the installed
// golden source: stored goldens need none, other seeds and user inputs go through it, and with
// none installed those runs stay unchecked and say why.
#include <gtest/gtest.h>

#include "api_test_util.hpp"
#include "meshrt/runtime/golden_source.hpp"
#include "meshrt/runtime/runtime.hpp"

namespace rt = tt::runtime;
namespace mr = meshrt::runtime;

namespace {

struct SourceGuard {  // puts the suite's source back, whatever the test did
  mr::GoldenSource saved = mr::golden_source();
  ~SourceGuard() { mr::set_golden_source(saved); }
};

TEST(GoldenSource, OnlyGoldensTheBinaryLacksComeFromTheSource) {
  SourceGuard guard;
  rt::setCommunicator(nullptr);
  rt::Binary bin = rt::Binary::loadFromBytes(meshrt::test::gather_add_binary(1, 2), "gather_add");
  rt::Device mesh = rt::openMeshDevice(meshrt::MeshShape{1, 2});
  std::vector<meshrt::binary::GoldenRequest> asked;
  mr::set_golden_source(
      [&](const meshrt::binary::Binary& b, size_t p, const meshrt::binary::GoldenRequest& r) {
        asked.push_back(r);
        return meshrt::reference::goldens_for(b, p, r);
      });
  rt::RunOptions o;
  o.seed = bin.get().goldens.at(0).seed;  // the stored goldens' seed: no call
  rt::ProgramRun run = rt::runProgram(mesh, bin, 0, o);
  EXPECT_TRUE(asked.empty());
  EXPECT_TRUE(run.golden_source_stored);
  ASSERT_FALSE(run.goldens.empty());
  for (const auto& g : run.goldens) EXPECT_TRUE(g.metrics.passed) << g.loc;

  o.seed += 1;  // another seed: one call, for that seed, and the goldens it gave pass
  run = rt::runProgram(mesh, bin, 0, o);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].seed, o.seed);
  EXPECT_EQ(asked[0].inputs, nullptr);
  EXPECT_FALSE(run.golden_source_stored);
  ASSERT_FALSE(run.goldens.empty());
  for (const auto& g : run.goldens) EXPECT_TRUE(g.metrics.passed) << g.loc;

  mr::set_golden_source({});  // none: the run goes on, unchecked, and says why
  run = rt::runProgram(mesh, bin, 0, o);
  EXPECT_TRUE(run.goldens.empty());
  EXPECT_GT(run.goldens_unavailable, 0u);
  EXPECT_NE(run.golden_unavailable_reason.find("no golden source"), std::string::npos)
      << run.golden_unavailable_reason;
  rt::closeMeshDevice(mesh);
  rt::releaseBinary(bin);
}

}  // namespace
