// tt-run's command line, parsed into plain values (no side effects, no file access).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "launcher/host_topology.hpp"

namespace meshrt::launcher {

struct LaunchOptions {
  std::string rank_binding;           // --rank-binding F
  std::string cluster;                // --cluster F (overrides the binding's cluster)
  std::optional<int> np;              // --np N
  std::vector<std::string> hosts;     // --hosts a,b
  std::string hostfile;               // --hostfile F
  std::vector<std::string> mpi_args;  // --mpi-args "...", split like a shell would
  BindTo bind_to = BindTo::kAuto;     // --bind-to none|core|numa|auto
  std::optional<double> timeout_s;    // --timeout S
  bool dry_run = false;               // --dry-run
  bool help = false;                  // -h / --help
  std::vector<std::string> program;   // after `--` (or from the first non-option word)
};

// Parses arguments (without argv[0]); "--opt value" and "--opt=value" both work.
// Error(kInvalidArgument) "tt-run: --opt: problem" for unknown options, missing or bad values,
// --hosts together with --hostfile, or no program (unless --help).
LaunchOptions parse_launch_args(const std::vector<std::string>& args);

// Splits a string into words like a POSIX shell (quotes and backslashes; no expansion).
std::vector<std::string> split_shell_words(const std::string& text);

// The --help text.
std::string launch_help();

}  // namespace meshrt::launcher
