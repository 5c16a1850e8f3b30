// After a program: every rank sends rank 0 its golden results, memory views, output shards
// and leak count, so that rank 0 alone reports and writes files.
#pragma once

#include "meshrt/runtime/executor.hpp"

namespace meshrt::runtime {

void gather_results_to_controller(MeshContext& mesh, const binary::Program& program,
                                  ProgramResult& result);

}  // namespace meshrt::runtime
