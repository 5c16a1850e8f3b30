// Runs the mpirun command: exec() without a timeout; with one, a child in its own process group
// that is killed as a whole (SIGTERM, then SIGKILL after a grace period) when time runs out.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace meshrt::launcher {

// Replaces this process with argv (PATH lookup). Returns only on failure: Error(kNotFound).
[[noreturn]] void exec_command(const std::vector<std::string>& argv);

// Runs argv in a new process group and waits. Returns its exit status (128 + signal when it was
// killed by one) or 124 when `timeout_s` passed, after killing the whole group. SIGINT/SIGTERM
// received meanwhile are forwarded to the group. Error(kNotFound) when argv[0] cannot be run.
int run_with_timeout(const std::vector<std::string>& argv, double timeout_s);

}  // namespace meshrt::launcher
