// ttrt: picks the communicator (MPI when started by mpirun or tt-run, else a single process)
// and the role: under MPI, `ttrt run` is driven by rank 0 (the command line, through the public
// runtime API) while the other ranks serve its commands; other subcommands run on every rank.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "meshrt/cli/cli.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/comm/mpi.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/runtime/runtime.hpp"

namespace {

// `ttrt --gdb <subcommand> ...`: the same command under gdb (as ttrt's --gdb), when installed.
int relaunch_under_gdb(int argc, char** argv) {
  std::string gdb;
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    for (size_t start = 0; start <= dirs.size();) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string candidate = dirs.substr(start, end - start) + "/gdb";
      if (access(candidate.c_str(), X_OK) == 0) {
        gdb = candidate;
        break;
      }
      start = end + 1;
    }
  }
  if (gdb.empty()) {
    std::cerr << "error: ttrt --gdb: gdb is not installed (not found on PATH)\n";
    return meshrt::cli::kExitError;
  }
  std::vector<std::string> args = {gdb, "-q", "--args", "/proc/self/exe"};
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) args[3] = std::string(self, static_cast<size_t>(n));
  for (int i = 2; i < argc; ++i) args.emplace_back(argv[i]);
  std::vector<char*> exec_argv;
  for (auto& a : args) exec_argv.push_back(a.data());
  exec_argv.push_back(nullptr);
  execv(gdb.c_str(), exec_argv.data());
  std::cerr << "error: ttrt --gdb: cannot start " << gdb << ": " << std::strerror(errno) << "\n";
  return meshrt::cli::kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "--gdb") return relaunch_under_gdb(argc, argv);
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
