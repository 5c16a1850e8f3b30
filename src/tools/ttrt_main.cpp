// ttrt: picks the communicator (MPI when started by mpirun or tt-run, else a single process)
// and the role: under MPI, `ttrt run` is driven by rank 0 (the command line, through the public
// runtime API) while the other ranks serve its commands; other subcommands run on every rank.
#include <iostream>
#include <memory>

#include "meshrt/cli/cli.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/comm/mpi.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/runtime/runtime.hpp"

int main(int argc, char** argv) {
  std::unique_ptr<meshrt::comm::Communicator> comm;
  try {
    comm = meshrt::comm::launched_by_mpirun() ? meshrt::comm::make_mpi_world()
                                              : meshrt::comm::make_single_process();
  } catch (const meshrt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return meshrt::cli::kExitError;
  }
  int code = meshrt::cli::kExitError;
  if (comm->size() > 1 && meshrt::cli::is_run_command(argc, argv)) {
    if (comm->rank() == 0) {
      tt::runtime::setCommunicator(comm.get());  // so shutdownWorkers reaches them in any case
      code = meshrt::cli::run_ttrt(argc, argv, *comm);
      try {
        tt::runtime::shutdownWorkers();
      } catch (const meshrt::Error& e) {
        std::cerr << "error: " << e.what() << "\n";
      }
    } else {
      code = meshrt::cli::serve_ttrt(argc, argv, *comm);
    }
    tt::runtime::setCommunicator(nullptr);
  } else {
    code = meshrt::cli::run_ttrt(argc, argv, *comm);
  }
  comm.reset();
  meshrt::comm::finalize_mpi();
  return code;
}
