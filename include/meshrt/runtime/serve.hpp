// The worker side of the runtime under MPI: every rank but 0 calls serve() and executes the
// commands rank 0's API calls send (schemas/commands.fbs), in the order sent, answering each
// with a response (errors included; a worker never aborts the job itself). A Submit starts a
// program run on its own thread and the loop goes on (runs on disjoint chips overlap); any
// other command first waits for the runs in flight.
#pragma once

#include "meshrt/comm/communicator.hpp"

namespace meshrt::runtime {

// Runs until rank 0 sends Shutdown; returns 0 then. Returns 1 if rank 0 stays silent for
// longer than the idle limit (TTRT_WORKER_IDLE_TIMEOUT seconds, default 3600) or a message
// cannot be received. Blocking; call on the rank's main thread with the world communicator.
int serve(comm::Communicator& comm);

}  // namespace meshrt::runtime
