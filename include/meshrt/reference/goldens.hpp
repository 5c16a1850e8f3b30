// Goldens: what the reference interpreter (interpreter.hpp) computes for one program run,
// inputs, every op's results and outputs, keyed as binary::golden_key names them, in the form
// the binary stores them (binary::ProgramGoldens).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "meshrt/binary/program.hpp"

namespace meshrt::reference {

// The default bound on the inputs the interpreter would hold (reference_input_bytes):
// `ttrt compile --golden-input-limit-mib` and goldens computed at run time. The corpus's Llama
// decode layers fit (3.6 GiB for the 70B layer's 8 chips).
constexpr uint64_t kDefaultInputLimitBytes = 4ull << 30;
// Goldens computed at run time keep input and op goldens up to this many bytes (in op order,
// each value whole or not at all); output goldens are always kept. An op whose golden was not
// kept counts as unavailable in the run's golden summary.
constexpr uint64_t kRunGoldenBudgetBytes = 256ull << 20;

// Goldens of one program run by the reference interpreter on the generated inputs, which it
// makes as it reads them (HostTensor::generated) and frees after their last use.
// Goldens are stored in their value's dtype (f64 values as f32). Output goldens are always kept;
// input and op goldens while they fit in `budget_bytes`.
// Throws Error(kUnsupported) when the inputs exceed `input_limit_bytes`
// (compiler::CompileOptions::golden_input_limit_bytes), and whatever the interpreter throws for a
// program it cannot run. `ones_density`: as fill_tensor's, for InitKind::kOnes.
binary::ProgramGoldens compute_goldens(const binary::Binary& binary, size_t program_index,
                                       uint64_t seed, InitKind init,
                                       uint64_t budget_bytes = UINT64_MAX,
                                       uint64_t input_limit_bytes = kDefaultInputLimitBytes,
                                       uint32_t ones_density = 1);

// Goldens of one program run on given inputs: inputs[i][d] is input i on device d of the
// program's mesh (the same tensor on every device for a whole input). The result's seed/init
// are meaningless. Throws like the overload above, and Error(kInvalidArgument) for a wrong
// number of inputs.
binary::ProgramGoldens compute_goldens(
    const binary::Binary& binary, size_t program_index,
    std::vector<std::vector<std::shared_ptr<const HostTensor>>> inputs,
    uint64_t budget_bytes = UINT64_MAX, uint64_t input_limit_bytes = kDefaultInputLimitBytes);

// The goldens of a request (either overload above, with kRunGoldenBudgetBytes and the default
// input limit): what a process installs as the runtime's golden source
// (runtime::set_golden_source(reference::goldens_for)).
binary::ProgramGoldens goldens_for(const binary::Binary& binary, size_t program_index,
                                   const binary::GoldenRequest& request);

// The bytes of inputs the reference interpreter holds for `program`: every device's shard of
// presharded inputs, each in its dtype, except the inputs no op reads whole
// (binary::untouched_inputs), of which only the rows read are made.
uint64_t reference_input_bytes(const binary::Program& program);

// Throws Error(kUnsupported) when reference_input_bytes exceeds `input_limit_bytes`.
void check_input_limit(const binary::Program& program, uint64_t input_limit_bytes);

}  // namespace meshrt::reference
