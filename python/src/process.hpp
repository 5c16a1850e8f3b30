// The process the Python module runs in: one process, or one rank of an MPI job.
//
// Under mpirun / tt-run (SPMD: `mpirun -np N python3 script.py`) every rank imports ttrt; rank 0
// goes on with the script and drives the runtime, every other rank serves rank 0's commands
// from inside the import and exits when rank 0's interpreter ends (shutdown() sends them the
// Shutdown command). Without MPI the runtime acts in this process.
#pragma once

#include <memory>

#include "meshrt/comm/communicator.hpp"

namespace meshrt::python {

struct Process {
  std::unique_ptr<comm::Communicator> world;  // MPI world or a single process
  std::unique_ptr<comm::Communicator> solo;   // this process alone (file-only CLI commands)
  bool shut_down = false;
};

// Creates the communicator and sets it as the runtime's. On a worker rank this serves until
// rank 0 shuts the job down and then ends the process (it never returns).
void start_process();
Process& process();
// Rank 0 (or the single process): tells the workers to leave, releases the runtime's state and
// finalises MPI. Idempotent; called at interpreter exit.
void shutdown();

}  // namespace meshrt::python
