// The `ttrt` command line as a library: `main` only creates the communicator and calls
// run_ttrt. Every rank of an MPI job calls run_ttrt with the same arguments; rank 0 reads and
// writes files and prints, the other ranks execute their chips' share of each program.
#pragma once

#include "meshrt/comm/communicator.hpp"

namespace meshrt::cli {

// Exit codes, as ttrt's: 0 everything passed, 42 only golden failures, 1 anything else.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitGoldenFailure = 42;

int run_ttrt(int argc, char** argv, comm::Communicator& comm);

}  // namespace meshrt::cli
