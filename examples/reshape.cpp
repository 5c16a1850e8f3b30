// Mesh reshaping on a t3k: the same chips opened as 2x4, then reshaped to a 1x8 ring along the
// Ethernet links; the same work (a 2x4 program, then a 1x8 program) runs on each.
#include "example_util.hpp"

int main() {
  return example::run_as_job([] {
    namespace rt = tt::runtime;
    rt::MeshDeviceOptions o;
    o.cluster = meshrt::builtin_cluster("t3k");
    o.meshShape = std::vector<uint32_t>{2, 4};
    rt::Device t3k = rt::openMeshDevice(o);
    rt::Binary grid = example::gather_add(2, 4, 16, 32);
    rt::Binary line = example::gather_add(1, 8, 32, 16);

    example::Summary as_grid, as_line;
    example::Stopwatch grid_clock;
    example::add_run(as_grid, rt::runProgram(t3k, grid, 0, example::run_options(1)), false);
    as_grid.host_seconds = grid_clock.seconds();
    rt::reshapeMeshDevice(t3k, {1, 8});
    std::printf("t3k reshaped to 1x8; chips in line order:");
    for (int id : rt::getDeviceIds(t3k)) std::printf(" %d", id);
    std::printf("\n");
    example::Stopwatch line_clock;
    example::add_run(as_line, rt::runProgram(t3k, line, 0, example::run_options(1)), false);
    as_line.host_seconds = line_clock.seconds();
    rt::closeMeshDevice(t3k);

    std::printf("t3k: 2x4 vs 1x8 (same chips, same volume of work)\n");
    example::print_header();
    example::print_row("2x4", as_grid);
    example::print_row("1x8 (reshaped ring)", as_line);
    return as_grid.passed && as_line.passed;
  });
}
