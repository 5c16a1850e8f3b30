// Runs the chips of a rank in parallel: a fixed set of worker threads (one per hardware thread,
// created on first use) that execute index ranges. Kernels of different chips touch disjoint
// tensors, so they need no locking. Errors thrown by a task are rethrown to the caller (the
// first one wins).
#pragma once

#include <cstddef>
#include <functional>

namespace meshrt::runtime {

// Calls fn(i) for i in [0, n), in parallel when n > 1 and the machine has several hardware
// threads; returns when all calls are done. Thread-safe: while one caller uses the pool, a
// concurrent caller (another program run) makes its calls on its own thread.
void parallel_for(size_t n, const std::function<void(size_t)>& fn);

}  // namespace meshrt::runtime
