// ttrt: picks the communicator (MPI when started by mpirun or tt-run, else a single process)
// and hands the command line to the cli library, which every rank runs.
#include <iostream>
#include <memory>

#include "meshrt/cli/cli.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/comm/mpi.hpp"
#include "meshrt/common/error.hpp"

int main(int argc, char** argv) {
  std::unique_ptr<meshrt::comm::Communicator> comm;
  try {
    comm = meshrt::comm::launched_by_mpirun() ? meshrt::comm::make_mpi_world()
                                              : meshrt::comm::make_single_process();
  } catch (const meshrt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return meshrt::cli::kExitError;
  }
  int code = meshrt::cli::run_ttrt(argc, argv, *comm);
  comm.reset();
  meshrt::comm::finalize_mpi();
  return code;
}
