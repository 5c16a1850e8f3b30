// Where the runtime gets the goldens a binary does not hold: a run with another seed or init
// than the stored goldens', or on user inputs. The runtime does not link the reference
// interpreter; a process installs one function instead. `ttrt`, the `ttrt` Python module and
// meshrt's tests install the reference interpreter's:
//
//   meshrt::runtime::set_golden_source(meshrt::reference::goldens_for);  // reference/goldens.hpp
//
// Without a source, such runs count their results as unchecked and say why.
#pragma once

#include <cstddef>
#include <functional>

#include "meshrt/binary/program.hpp"

namespace meshrt::runtime {

using GoldenSource = std::function<binary::ProgramGoldens(
    const binary::Binary& binary, size_t program_index, const binary::GoldenRequest& request)>;

// Installs `source` for every later run of this process (every rank installs its own: each
// computes the goldens of its chips). Call before the first run; not safe to call while a run
// is in flight. An empty function uninstalls.
void set_golden_source(GoldenSource source);
const GoldenSource& golden_source();

}  // namespace meshrt::runtime
