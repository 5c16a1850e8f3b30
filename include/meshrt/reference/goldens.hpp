// Goldens: what the reference interpreter (interpreter.hpp) computes for one program run,
// inputs, every op's results and outputs, keyed as binary::golden_key names them, in the form
// the binary stores them (binary::ProgramGoldens).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "meshrt/binary/program.hpp"

namespace meshrt::reference {

// Goldens of one program run by the reference interpreter on the generated inputs.
// Goldens are stored in their value's dtype (f64 values as f32).
// Throws Error(kUnsupported) when the inputs exceed `input_limit_bytes`
// (compiler::CompileOptions::golden_input_limit_bytes), and whatever the interpreter throws for a
// program it cannot run. `ones_density`: as fill_tensor's, for InitKind::kOnes.
binary::ProgramGoldens compute_goldens(const binary::Binary& binary, size_t program_index,
                                       uint64_t seed, InitKind init,
                                       uint64_t budget_bytes = UINT64_MAX,
                                       uint64_t input_limit_bytes = 2ull << 30,
                                       uint32_t ones_density = 1);

// Goldens of one program run on given inputs: inputs[i][d] is input i on device d of the
// program's mesh (the same tensor on every device for a whole input). The result's seed/init
// are meaningless. Throws like the overload above, and Error(kInvalidArgument) for a wrong
// number of inputs.
binary::ProgramGoldens compute_goldens(
    const binary::Binary& binary, size_t program_index,
    const std::vector<std::vector<std::shared_ptr<const HostTensor>>>& inputs,
    uint64_t budget_bytes = UINT64_MAX, uint64_t input_limit_bytes = 2ull << 30);

// The goldens of a request (either overload above, with no budget and the default input
// limit): what a process installs as the runtime's golden source
// (runtime::set_golden_source(reference::goldens_for)).
binary::ProgramGoldens goldens_for(const binary::Binary& binary, size_t program_index,
                                   const binary::GoldenRequest& request);

// Throws Error(kUnsupported) when the program's inputs exceed `input_limit_bytes` in the
// reference interpreter (f64, every device's shard of presharded inputs).
void check_input_limit(const binary::Program& program, uint64_t input_limit_bytes);

}  // namespace meshrt::reference
