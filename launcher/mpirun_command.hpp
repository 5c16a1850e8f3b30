// Builds the mpirun command line for tt-run from parsed options, a validated rank binding and
// the host topology. Pure functions over plain values (tests drive them with fixed inputs);
// prepare_launch() gathers those inputs from the machine.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "launcher/host_topology.hpp"
#include "launcher/launch_options.hpp"
#include "launcher/rank_binding.hpp"

namespace meshrt::launcher {

// Facts about the machine tt-run runs on.
struct LaunchHost {
  std::string mpirun = "mpirun";  // the mpirun executable
  bool as_root = false;           // running as uid 0
  std::vector<std::string> local_names = {"localhost", "127.0.0.1", "::1"};  // + hostname
  std::vector<std::string> hostfile_hosts;  // host names read from --hostfile
  // This machine's networks ("198.18.0.0/24") that reach the hosts of the launch that are not
  // this machine; Open MPI's TCP traffic is kept to them.
  std::vector<std::string> networks;
  HostTopology topology;
};

struct LaunchCommand {
  std::vector<std::string> argv;  // starts with `env VAR=...` when as root, then mpirun
  int ranks = 0;
  int ranks_per_host = 0;
  BindingChoice binding;
  // The host each rank was placed on, when hosts were given (--hosts or --hostfile).
  std::vector<std::string> rank_hosts;
};

// "mrt0: rank 0; mrt1: ranks 1-2": which ranks each host ran ("" without hosts).
std::string describe_placement(const LaunchCommand& command);

// Error(kInvalidArgument) when --np disagrees with the binding or --bind-to cannot fit;
// Error(kNotFound) when --cluster does not exist.
LaunchCommand build_mpirun_command(const LaunchOptions& options,
                                   const std::optional<RankBindingConfig>& binding,
                                   const LaunchHost& host);

// Loads the rank binding and hostfile, detects the host (hwloc, uid, hostname, mpirun) and
// builds the command.
LaunchCommand prepare_launch(const LaunchOptions& options);

// Host names of an Open MPI hostfile (first word of each line; comments skipped).
std::vector<std::string> read_hostfile_hosts(const std::string& path);

// POSIX shell quoting: words that need it are single-quoted.
std::string shell_quote(const std::string& word);
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace meshrt::launcher
