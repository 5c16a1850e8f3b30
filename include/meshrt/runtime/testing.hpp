// tt::runtime::testing: program runs with faults planted in them (fault_plan.hpp), for tests
// that prove a check catches what it should: a golden check a wrong result, the leak check a
// leaked buffer. Everything else as launchProgram() / runProgram() in runtime.hpp.
#pragma once

#include "meshrt/runtime/fault_plan.hpp"
#include "meshrt/runtime/runtime.hpp"

namespace tt::runtime::testing {

PendingRun launchProgram(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                         const RunOptions& options, const meshrt::runtime::FaultPlan& faults,
                         const std::vector<Tensor>* inputs = nullptr);
ProgramRun runProgram(Device deviceHandle, Binary executableHandle, std::uint32_t programIndex,
                      const RunOptions& options, const meshrt::runtime::FaultPlan& faults,
                      const std::vector<Tensor>* inputs = nullptr);

}  // namespace tt::runtime::testing
