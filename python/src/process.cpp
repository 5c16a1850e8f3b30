#include "process.hpp"

#include <unistd.h>

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

void shutdown() {
  Process& p = process();
  if (!p.world || p.shut_down) return;
  p.shut_down = true;
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
