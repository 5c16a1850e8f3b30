// Data-parallel sub-meshes vs tensor-parallel on the full mesh, on a galaxy (8x4), any number
// of ranks: four 2x4 sub-meshes each run the same 2x4 program on their own inputs (seeds 1..4),
// concurrently, against one 8x4 program doing the same amount of work tensor-parallel over all
// 32 chips.
#include <vector>

#include "example_util.hpp"

int main() {
  return example::run_as_job([] {
    namespace rt = tt::runtime;
    rt::MeshDeviceOptions o;
    o.cluster = meshrt::builtin_cluster("galaxy");
    rt::Device galaxy = rt::openMeshDevice(o);
    rt::Binary dp = example::gather_add(2, 4, 8, 32);  // one replica's work per sub-mesh
    rt::Binary tp = example::gather_add(8, 4, 8, 32);  // 4x the work, sharded over 32 chips

    example::Summary data_parallel, tensor_parallel;
    std::vector<rt::Device> subs;
    std::vector<rt::PendingRun> runs;
    example::Stopwatch dp_clock;
    for (uint32_t k = 0; k < 4; ++k) {
      subs.push_back(rt::createSubMeshDevice(galaxy, {2, 4}, std::vector<uint32_t>{2 * k, 0}));
    }
    for (uint32_t k = 0; k < 4; ++k) {  // all four in flight at once
      runs.push_back(rt::launchProgram(subs[k], dp, 0, example::run_options(1 + k)));
    }
    for (const rt::PendingRun& run : runs) example::add_run(data_parallel, run.get(), true);
    data_parallel.host_seconds = dp_clock.seconds();
    for (rt::Device sub : subs) rt::releaseSubMeshDevice(sub);

    example::Stopwatch tp_clock;
    example::add_run(tensor_parallel, rt::runProgram(galaxy, tp, 0, example::run_options(1)),
                     false);
    tensor_parallel.host_seconds = tp_clock.seconds();
    rt::closeMeshDevice(galaxy);

    std::printf("galaxy 8x4: data-parallel (4 x 2x4 sub-meshes) vs tensor-parallel (8x4)\n");
    example::print_header();
    example::print_row("data-parallel 4 x 2x4 (concurrent)", data_parallel);
    example::print_row("tensor-parallel 8x4", tensor_parallel);
    return data_parallel.passed && tensor_parallel.passed;
  });
}
