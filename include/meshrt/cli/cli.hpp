// The `ttrt` command line as a library: `main` only creates the communicator and calls
// run_ttrt (or serve_ttrt, see below). Rank 0 reads and writes files and prints, the other ranks
// execute their chips' share of each program.
#pragma once

#include "meshrt/comm/communicator.hpp"

namespace meshrt::cli {

// Exit codes, as ttrt's: 0 everything passed, 42 only golden failures, 1 anything else.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitGoldenFailure = 42;

int run_ttrt(int argc, char** argv, comm::Communicator& comm);

// Under MPI, `ttrt run` has one controller: rank 0 calls run_ttrt (the command line, through
// the public runtime API) and every other rank calls serve_ttrt, which executes rank 0's
// commands until it is told to stop. Other subcommands run on every rank (SPMD).
bool is_run_command(int argc, char** argv);
int serve_ttrt(int argc, char** argv, comm::Communicator& comm);

}  // namespace meshrt::cli
