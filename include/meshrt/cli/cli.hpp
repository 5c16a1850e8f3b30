// The `ttrt` command line as a library: `main` only creates the communicator and calls
// run_ttrt (or serve_ttrt, see below). Rank 0 reads and writes files and prints, the other ranks
// execute their chips' share of each program.
#pragma once

#include <cstdint>
#include <string>

#include "meshrt/binary/program.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/comm/communicator.hpp"

namespace meshrt::cli {

// Exit codes, as ttrt's: 0 everything passed, 42 only golden failures, 1 anything else.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitGoldenFailure = 42;

// Installs the reference interpreter as the runtime's golden source (runtime/golden_source.hpp);
// run_ttrt and serve_ttrt call it, and so does the Python module.
void use_reference_goldens();

int run_ttrt(int argc, char** argv, comm::Communicator& comm);

// spdlog: every line tagged with the rank; level from TTRT_LOGGER_LEVEL (else LOGGER_LEVEL,
// else info when a log file is given and warning otherwise); the file sink gets every line the
// logger prints. Rank 0 throws Error(kInvalidArgument) naming --log-file when it cannot be
// opened; another rank (whose host may not have the directory) warns and logs to stderr only.
void setup_logging(int rank, const std::string& log_file);

// Whether --log-file appends to the file instead of starting it afresh (the command line
// starts it afresh; the Python API appends, its Logger having started the file).
void set_log_file_append(bool append);

// Under MPI, `ttrt run` has one controller: rank 0 calls run_ttrt (the command line, through
// the public runtime API) and every other rank calls serve_ttrt, which executes rank 0's
// commands until it is told to stop. Other subcommands run on every rank (SPMD).
bool is_run_command(int argc, char** argv);
int serve_ttrt(int argc, char** argv, comm::Communicator& comm);

// What `ttrt read` prints, as JSON text: a section of a binary ("version", "programs",
// "mesh_shape", "inputs", "outputs", "op_stats", "system_desc", "mlir"; anything else: all of
// them) or a system description.
std::string read_section_json(const binary::Binary& bin, const std::string& section);
std::string system_desc_json_text(const binary::SystemDesc& desc);
// Every op of a program: name, loc, debug string, attributes, operand and result tensors.
// Error(kNotFound) for a program the binary does not have.
std::string program_ops_json_text(const binary::Binary& bin, uint32_t program_index);

}  // namespace meshrt::cli
