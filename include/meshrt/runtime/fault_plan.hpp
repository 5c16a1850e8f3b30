// Faults a test plants in a program run, to prove that the checks meant to catch them do.
// Not part of the run's options: a run gets a plan only through
// tt::runtime::testing::launchProgram (runtime/testing.hpp) or `ttrt run --inject-fault /
// --debug-leak`.
#pragma once

#include <string>

namespace meshrt::runtime {

struct FaultPlan {
  // After the op at this location, its first result is wrong: rank 0's host tensor, or the
  // shard of device 0 (golden checks must fail there, and only there).
  std::string wrong_result_at;
  // After the op at this location, a DRAM buffer on the rank's first chip is never freed
  // (the leak check must report it).
  std::string leak_at;
  bool empty() const { return wrong_result_at.empty() && leak_at.empty(); }
};

}  // namespace meshrt::runtime
