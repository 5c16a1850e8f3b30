// One controller command of every kind, each with every field it has set to a value that is
// not its default, for the wire encoding's round-trip test and the fuzzers' seeds.
#pragma once

#include <memory>
#include <vector>

#include "wire.hpp"  // src/runtime (the test's include path)

namespace meshrt::testing {

inline std::vector<runtime::wire::Command> sample_commands(std::vector<uint8_t> binary_bytes,
                                                           std::string cluster_json) {
  namespace wire = runtime::wire;
  wire::Submit run;
  run.mesh = 3;
  run.binary = 2;
  run.program_index = 1;
  run.exec.seed = 7;
  run.exec.init = InitKind::kOnes;
  run.exec.ones_density = 3;
  run.exec.check_golden = false;
  run.exec.check_op_goldens = false;
  run.exec.golden = {0.9, 0.5, 0.25, 0.125, 0.0625};
  run.exec.collect_memory = true;
  run.exec.golden_diff_topk = 4;
  run.exec.fabric = report::FabricConfig::kDisabled;
  run.faults = {"add", "mul"};
  run.hooks = true;
  run.has_inputs = true;
  runtime::TensorValue v;
  v.shards[DeviceId{1}] = std::make_shared<HostTensor>(
      HostTensor::from_doubles({2, 2}, DataType::kBFloat16, {1, 2, 3, 4}));
  run.inputs.push_back(v);
  std::vector<wire::Body> bodies{
      wire::LoadBinary{2, "x.ttnn", std::move(binary_bytes), true},
      wire::ReleaseBinary{2},
      wire::OpenMesh{3, std::move(cluster_json), {0, 1, 4, 5}, {2, 2}, 4096, 8192},
      wire::CloseMesh{3},
      wire::ReshapeMesh{3, {1, 4}},
      wire::CreateSubMesh{5, 3, {1, 2}, {1, 0}},
      std::move(run),
      wire::MemoryView{3},
      wire::Shutdown{},
  };
  std::vector<wire::Command> out;
  for (auto& b : bodies) out.push_back({out.size() + 1, std::move(b)});
  return out;
}

}  // namespace meshrt::testing
