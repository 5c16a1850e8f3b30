// The public runtime API under `mpirun -np N`: rank 0 drives, the other ranks serve. Checks open,
// reshape, sub-meshes across ranks, submit, to-host and a post-op hook that sees every op's
// output on every rank's chips. Rank 0 prints the verdict line the CTest regex looks for.
#include <cstdio>
#include <set>
#include <string>

#include "../runtime/api_test_util.hpp"
#include "meshrt/comm/mpi.hpp"
#include "meshrt/runtime/debug.hpp"
#include "meshrt/runtime/runtime.hpp"
#include "meshrt/runtime/serve.hpp"

namespace rt = tt::runtime;

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  }
}

rt::MeshDeviceOptions on(const std::string& cluster, std::vector<uint32_t> shape) {
  rt::MeshDeviceOptions o;
  o.cluster = meshrt::builtin_cluster(cluster);
  o.meshShape = shape;
  return o;
}

bool all_pass(const rt::ProgramRun& run) {
  if (run.goldens.empty()) return false;
  for (const auto& g : run.goldens)
    if (!g.metrics.passed) return false;
  return true;
}

// Runs on disjoint sub-meshes overlap, also when a sub-mesh spans ranks (rows 3-4); runs that
// share a chip wait for each other; perf rows of every rank's chips; goldens of user inputs.
void check_concurrent_runs(rt::Device galaxy) {
  auto long_bytes = meshrt::test::matmul_chain_binary(2, 4, 512, 8, false);
  auto short_bytes = meshrt::test::matmul_chain_binary(2, 4, 64, 1, true);
  rt::Binary slow = rt::Binary::loadFromBytes(long_bytes, "long");
  rt::Binary quick = rt::Binary::loadFromBytes(short_bytes, "short");
  rt::Device top = rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{0, 0});
  rt::Device across = rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{3, 0});
  rt::Device shifted = rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{1, 0});
  rt::RunOptions no_goldens;
  no_goldens.check_golden = false;
  rt::RunOptions checked;
  rt::PendingRun a = rt::launchProgram(top, slow, 0, no_goldens);
  rt::PendingRun b = rt::launchProgram(across, quick, 0, checked);
  check(all_pass(b.get()), "short run across ranks passes its goldens");
  check(!a.ready(), "a run on other chips finished while the long run still ran");
  check(a.get().ops_executed == 16, "the long run completes");
  a = rt::launchProgram(top, slow, 0, no_goldens);
  b = rt::launchProgram(shifted, quick, 0, checked);
  b.get();
  check(a.ready(), "a run sharing chips with the long run waited for it");
  auto rows = rt::readDeviceProfilerResults(across);
  std::set<std::string> devices;
  for (const auto& row : rows) devices.insert(row.at("DEVICE ID"));
  check(rows.size() == 16 && devices.size() == 8, "perf rows of all 8 chips over the ranks");
  std::vector<float> data(64 * 64);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 11) * 0.01f;
  std::vector<rt::Tensor> inputs{
      rt::createOwnedHostTensor(data.data(), {64, 64}, {}, 4, meshrt::DataType::kFloat32)};
  check(all_pass(rt::runProgram(across, quick, 0, checked, &inputs)),
        "user inputs across ranks pass goldens computed from them");
  rt::releaseSubMeshDevice(top);
  rt::releaseSubMeshDevice(across);
  rt::releaseSubMeshDevice(shifted);
  rt::releaseBinary(slow);
  rt::releaseBinary(quick);
}

void drive(int ranks) {
  auto bytes = meshrt::test::gather_add_binary(2, 4);
  rt::Binary bin = rt::Binary::loadFromBytes(bytes, "gather_add");
  auto galaxy_bytes = meshrt::test::gather_add_binary(8, 4);
  rt::Binary galaxy_bin = rt::Binary::loadFromBytes(galaxy_bytes, "gather_add_8x4");

  // Hooks: every op, every device's shard (32 chips over all ranks).
  std::vector<std::string> locs;
  std::vector<size_t> shards;
  rt::debug::Hooks::get(std::nullopt, [&](rt::Binary, rt::CallbackContext p, rt::OpContext op) {
    locs.push_back(rt::getOpLocInfo(op));
    shards.push_back(rt::getOpOutputTensor(op, p).size());
  });
  rt::Device galaxy = rt::openMeshDevice(on("galaxy", {8, 4}));
  rt::RunOptions o;
  o.seed = 7;
  check(all_pass(rt::runProgram(galaxy, galaxy_bin, 0, o)), "8x4 program passes its goldens");
  rt::debug::Hooks::get().unregisterHooks();
  check(locs == std::vector<std::string>{"shard", "gather", "add", "full"}, "hook saw every op");
  check(shards == std::vector<size_t>{32, 32, 32, 1}, "hook saw all 32 chips' shards");

  // Four 2x4 sub-meshes: rows 0-3 on rank 0, rows 4-7 on rank 1 (with 2 ranks).
  std::set<double> distinct_outputs;
  for (uint32_t k = 0; k < 4; ++k) {
    rt::Device sub = rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{2 * k, 0});
    o.seed = 7 + k;
    rt::ProgramRun run = rt::runProgram(sub, bin, 0, o);
    check(all_pass(run), "sub-mesh " + std::to_string(k) + " passes its goldens");
    check(run.outputs.size() == 1 && run.outputs[0].host, "sub-mesh output gathered to rank 0");
    if (!run.outputs.empty() && run.outputs[0].host) {
      distinct_outputs.insert(run.outputs[0].host->at(0));
    }
    rt::releaseSubMeshDevice(sub);
  }
  check(distinct_outputs.size() == 4, "sub-meshes ran on distinct inputs");
  check_concurrent_runs(galaxy);
  rt::closeMeshDevice(galaxy);

  // t3k 2x4 reshaped to 1x8 across ranks; user inputs; to-host.
  rt::Device t3k = rt::openMeshDevice(on("t3k", {2, 4}));
  rt::reshapeMeshDevice(t3k, {2, 4});
  std::vector<float> ones(64, 1.0f);
  std::vector<rt::Tensor> inputs{
      rt::createOwnedHostTensor(ones.data(), {1, 1, 4, 16}, {}, 4, meshrt::DataType::kFloat32)};
  std::vector<rt::Tensor> out = rt::submit(t3k, bin, 0, inputs);
  std::vector<float> host(64, 0.0f);
  rt::memcpy(host.data(), rt::toHost(out[0])[0]);
  bool twos = true;
  for (float v : host) twos = twos && v == 2.0f;
  check(twos, "user inputs: 1 + 1 on every element");
  rt::reshapeMeshDevice(t3k, {1, 8});
  check(rt::getDeviceIds(t3k) == std::vector<int>{0, 1, 2, 3, 7, 6, 5, 4}, "1x8 ring order");
  auto line_bytes = meshrt::test::gather_add_binary(1, 8);
  rt::Binary line = rt::Binary::loadFromBytes(line_bytes, "gather_add_1x8");
  o.seed = 7;
  check(all_pass(rt::runProgram(t3k, line, 0, o)), "1x8 program on the reshaped t3k passes");
  check(rt::getMemoryView(t3k, 7).at(rt::MemoryBufferType::DRAM).numBanks == 12,
        "memory view of a chip of the last rank");
  rt::closeMeshDevice(t3k);
  (void)ranks;
}

}  // namespace

int main() {
  auto world = meshrt::comm::make_mpi_world();
  int code = 0;
  if (world->rank() != 0) {
    code = meshrt::runtime::serve(*world);
  } else {
    rt::setCommunicator(world.get());
    try {
      drive(world->size());
    } catch (const std::exception& e) {
      ++failures;
      std::fprintf(stderr, "FAILED with an error: %s\n", e.what());
    }
    rt::shutdownWorkers();
    std::printf("[mpi verdict] runtime api on %d ranks: %s\n", world->size(),
                failures ? "FAILED" : "all passed");
    std::fflush(stdout);
    code = failures ? 1 : 0;
  }
  rt::setCommunicator(nullptr);
  world.reset();
  meshrt::comm::finalize_mpi();
  return code;
}
