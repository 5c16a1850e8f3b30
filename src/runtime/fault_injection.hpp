// A FaultPlan planted in a run: a decorator of the executor's op step that, after the step,
// corrupts one result or leaks one buffer where the plan says. A run without a plan never
// goes through it.
#pragma once

#include <functional>

#include "device_values.hpp"
#include "meshrt/runtime/fault_plan.hpp"
#include "steps.hpp"

namespace meshrt::runtime {

using StepFn = std::function<void(const StepContext&, const binary::Op&, Values&)>;

// `inner` followed by the plan's faults at their ops.
StepFn with_faults(StepFn inner, const FaultPlan& plan);

}  // namespace meshrt::runtime
