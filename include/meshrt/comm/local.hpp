// In-process communicators: N ranks as N threads sharing mailboxes. For tests and for running
// the distributed code paths without MPI. Thread-safe across the communicators of one world.
#pragma once

#include <memory>
#include <vector>

#include "meshrt/comm/communicator.hpp"

namespace meshrt::comm {

// Creates `size` connected communicators; give communicator r to the thread playing rank r.
// The world stays alive as long as any of them does.
std::vector<std::unique_ptr<Communicator>> make_local_world(int size);

// A world of one: rank 0 of size 1 (what a plain, non-MPI process uses).
std::unique_ptr<Communicator> make_single_process();

}  // namespace meshrt::comm
