#include "process.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <iostream>

#include "meshrt/cli/cli.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/comm/mpi.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/runtime/runtime.hpp"
#include "meshrt/runtime/serve.hpp"

namespace meshrt::python {

Process& process() {
  static Process p;
  return p;
}

void start_process() {
  Process& p = process();
  if (p.world) return;
  p.world = comm::launched_by_mpirun() ? comm::make_mpi_world() : comm::make_single_process();
  p.solo = comm::make_single_process();
  cli::setup_logging(p.world->rank(), "");  // the CLI's levels (warnings unless asked for more)
  if (p.world->size() > 1 && p.world->rank() != 0) {
    // A worker: execute rank 0's commands, then leave without running the rest of the script.
    const int code = runtime::serve(*p.world);
    std::fflush(stdout);
    std::fflush(stderr);
    p.world.reset();
    comm::finalize_mpi();
    _exit(code == 0 ? 0 : 1);
  }
  tt::runtime::setCommunicator(p.world.get());
}

void launch_workers(const comm::SpawnOptions& spawn) {
  Process& p = process();
  if (p.controller) {
    raise(ErrorCode::kInvalidArgument,
          "launch_distributed_runtime: workers are already running (call "
          "shutdown_distributed_runtime first)");
  }
  if (p.world && p.world->size() > 1) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("launch_distributed_runtime: this process is rank {} of {} under mpirun; "
                      "controller mode starts its own workers (run the script without mpirun)",
                      p.world->rank(), p.world->size()));
  }
  std::unique_ptr<comm::Communicator> world = comm::spawn_mpi_workers(spawn);
  tt::runtime::setCommunicator(world.get());
  p.world = std::move(world);
  p.controller = true;
}

void stop_workers() {
  Process& p = process();
  if (!p.controller) return;
  p.controller = false;
  std::unique_ptr<comm::Communicator> single = comm::make_single_process();
  const std::vector<int> lost = tt::runtime::shutdownWorkers();
  tt::runtime::setCommunicator(single.get());
  if (!lost.empty()) {
    (void)p.world.release();  // never disconnect from a dead process: it would block
    p.world = std::move(single);
    raise(ErrorCode::kRankFailed,
          fmt::format("shutdown_distributed_runtime: rank(s) {} did not answer (dead?)",
                      fmt::join(lost, ", ")));
  }
  p.world = std::move(single);  // disconnects from the workers, which have left serve()
}

void shutdown() {
  Process& p = process();
  if (!p.world || p.shut_down) return;
  p.shut_down = true;
  if (p.controller) {
    try {
      stop_workers();
    } catch (const Error& e) {
      std::cerr << "error: " << e.what() << "\n";
    }
  }
  try {
    tt::runtime::shutdownWorkers();
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
  }
  tt::runtime::setCommunicator(nullptr);
  p.world.reset();
  comm::finalize_mpi();
}

}  // namespace meshrt::python
