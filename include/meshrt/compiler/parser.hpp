// TTIR MLIR text -> meshrt::binary::Binary.
//
// Reads the TTIR dialect as tt-mlir prints it (generic op form, `#locN` aliases, func.func
// programs nested in modules or ttcore.device_module) and builds one binary::Program per
// function. The result has programs only: no goldens and no version (ttrt compile adds those).
//
// Pure functions of their arguments; safe to call from several threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "meshrt/binary/program.hpp"
#include "meshrt/mesh/mesh.hpp"

namespace meshrt::compiler {

struct ParseOptions {
  std::string path;  // for error messages: "path:line:col: message"
  // --mesh-shape: the mesh when the module has no ttcore.meshes (one that contradicts it is an
  // error naming both). Without either the mesh is inferred from the mesh_shard ops.
  std::optional<MeshShape> mesh_override;
  // Receives how an inferred mesh was found ("mesh 8x4 inferred from ..."); may be null.
  std::string* mesh_note = nullptr;
};

// Parses TTIR MLIR text into a binary::Binary with programs filled (no goldens, no version).
// Program order is the order of functions in the file; public functions are programs,
// private ones get is_private=true and are reached through "call" ops (attrs["callee"] is the
// callee's program index). Each Op records its 1-based source position in src_line/src_col.
// Throws Error(kInvalidArgument, "path:line:col: message") on syntax errors and
// Error(kUnsupported, "path:line:col: unsupported op 'ttir.foo'") for ops not in the supported
// set (see verify::supported_ops()) and for element types meshrt has no DataType for.
binary::Binary parse_mlir(std::string_view text, const ParseOptions& options);

// The mesh shape a corpus file asks for: ttcore.meshes attribute, else a RUN line's
// `mesh-shape=R,C` option, else nullopt.
std::optional<MeshShape> mesh_shape_hint(std::string_view text);

}  // namespace meshrt::compiler
