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
#include "meshrt/reference/goldens.hpp"

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
  // Programs whose inputs would take more than this many bytes in the interpreter
  // (reference::reference_input_bytes) get no goldens.
  uint64_t golden_input_limit_bytes = reference::kDefaultInputLimitBytes;
  // Receives one line per program whose goldens could not be computed (the binary is still
  // written, without goldens for that program). May be null.
  std::vector<std::string>* warnings = nullptr;
};

binary::Binary compile_mlir(std::string_view text, const CompileOptions& options);

}  // namespace meshrt::compiler
