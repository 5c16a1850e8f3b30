// `ttrt run --debugger`: an interactive step mode on rank 0 built on the runtime's debug hooks.
#pragma once

#include <iostream>

#include "commands.hpp"
#include "meshrt/runtime/debug.hpp"

namespace meshrt::cli {

// A post-op callback that stops after every op and reads commands from `in`:
//   n | next | <empty>   run the next op
//   c | continue         run to the end without stopping
//   p | print [k]        stats of output k (default 0) per device and its golden comparison
//   q | quit             end the program with an error
// At end of input it continues without stopping. `in`/`out` must outlive the run.
tt::runtime::debug::OpCallback make_debugger(std::istream& in, std::ostream& out,
                                             const RunOptions& options);

}  // namespace meshrt::cli
