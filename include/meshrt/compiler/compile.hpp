// `ttrt compile`: TTIR MLIR text -> a verified meshrt binary with goldens.
//
// Pipeline: parse_mlir -> verify_and_annotate -> for each public program, generate the seeded
// inputs and run the reference interpreter, storing goldens for inputs (input_<i>), every op
// (by loc, per device where devices differ) and outputs (output_<i>).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"

namespace meshrt::compiler {

struct CompileOptions {
  std::string path;                        // source path, for messages and the binary
  std::optional<MeshShape> mesh_override;  // --mesh-shape (see ParseOptions::mesh_override)
  std::string* mesh_note = nullptr;        // how an inferred mesh was found (may be null)
  uint64_t seed = 0;
  InitKind init = InitKind::kRandn;
  // Goldens are stored while their total stays under this many bytes; past it, op goldens are
  // dropped (input/output goldens are kept) and the runtime recomputes what it needs.
  uint64_t golden_budget_bytes = 256ull << 20;
  bool goldens = true;  // false: store no goldens at all
  // Programs whose inputs would take more than this many bytes in the interpreter (f64, every
  // device) get no goldens: the reference interpreter is plain and keeps everything in memory.
  uint64_t golden_input_limit_bytes = 2ull << 30;
  // Receives one line per program whose goldens could not be computed (the binary is still
  // written, without goldens for that program). May be null.
  std::vector<std::string>* warnings = nullptr;
};

// Golden key of result `result_index` of an op: its loc, then "loc#1", "loc#2"...
std::string golden_key(const std::string& loc, size_t result_index);

binary::Binary compile_mlir(std::string_view text, const CompileOptions& options);

// Goldens of one program run by the reference interpreter on the generated inputs.
// Goldens are stored in their value's dtype (f64 values as f32).
// Throws Error(kUnsupported) when the inputs exceed `input_limit_bytes` (see CompileOptions),
// and whatever the interpreter throws for a program it cannot run.
// `ones_density`: as fill_tensor's, for InitKind::kOnes.
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

// Throws Error(kUnsupported) when the program's inputs exceed `input_limit_bytes` in the
// reference interpreter (f64, every device's shard of presharded inputs).
void check_input_limit(const binary::Program& program, uint64_t input_limit_bytes);

}  // namespace meshrt::compiler
