// The process the Python module runs in: one process, or one rank of an MPI job.
//
// Under mpirun / tt-run (SPMD: `mpirun -np N python3 script.py`) every rank imports ttrt; rank 0
// goes on with the script and drives the runtime, every other rank serves rank 0's commands
// from inside the import and exits when rank 0's interpreter ends (shutdown() sends them the
// Shutdown command). Without MPI the runtime acts in this process.
//
// Controller mode (launch_workers): a process not started by mpirun starts worker processes
// (MPI_Comm_spawn_multiple) that join it in one world; it drives them as rank 0, holding no
// chips, until stop_workers() (or exit) ends them; then it is a single process again.
#pragma once

#include <memory>

#include "meshrt/comm/communicator.hpp"
#include "meshrt/comm/mpi.hpp"

namespace meshrt::python {

struct Process {
  std::unique_ptr<comm::Communicator> world;  // MPI world or a single process
  std::unique_ptr<comm::Communicator> solo;   // this process alone (file-only CLI commands)
  bool controller = false;                    // world holds workers launch_workers started
  bool shut_down = false;
};

// Creates the communicator and sets it as the runtime's. On a worker rank this serves until
// rank 0 shuts the job down and then ends the process (it never returns).
void start_process();
Process& process();
// Rank 0 (or the single process): tells the workers to leave, releases the runtime's state and
// finalises MPI. Idempotent; called at interpreter exit.
void shutdown();

// Controller mode: starts the workers (each runs `spawn.command` with its arguments, which must
// import ttrt) and makes their world the runtime's. Refused under mpirun or when workers run.
void launch_workers(const comm::SpawnOptions& spawn);
// Ends the workers launch_workers started and makes this a single process again. A worker that
// does not answer raises (naming it) after its deadline; the link to the others is then left
// as it is (disconnecting from a dead process can block). No-op without workers.
void stop_workers();
}  // namespace meshrt::python
