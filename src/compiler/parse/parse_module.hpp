// The TTIR module parser: builds a binary::Binary from MLIR text. parser.cpp holds the module,
// function and finishing passes, parse_ops.cpp the statements inside function bodies.
// One instance parses one text, on one thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"
#include "meshrt/compiler/parser.hpp"
#include "parse_attrs.hpp"
#include "parse_cursor.hpp"

namespace meshrt::compiler::detail {

// The mesh the programs' mesh_shard ops need (mesh_inference.cpp); `note` (may be null) gets
// how it was found. A single-chip program (no mesh op at all) needs 1x1. Throws
// Error(kInvalidArgument) ending in "compile with --mesh-shape R,C" when it cannot be told.
MeshShape infer_mesh(const binary::Binary& bin, const std::string& path, std::string* note);

// What an SSA name refers to inside a function.
struct ValueRef {
  bool is_empty = false;          // defined by ttir.empty: a DPS destination placeholder
  std::vector<uint32_t> ids;      // value ids, one per result
  binary::TensorDesc empty_desc;  // the declared type of a ttir.empty value
  // A ttir.empty read as a real input becomes a "zeros" op (any content is valid for it):
  // the value id once materialized, and the definition's text range and location.
  mutable std::optional<uint32_t> materialized;
  size_t def_start = 0, def_end = 0;
  LocExpr def_loc;
};

struct FunctionScope {
  binary::Program* program = nullptr;
  std::map<std::string, ValueRef> names;
  std::vector<binary::TensorDesc> result_types;  // from the signature
  std::vector<LocExpr> op_locs;                  // one per op, resolved at the end
  bool returned = false;
};

struct PendingCall {
  size_t program = 0;
  size_t op = 0;
  std::string callee;
  size_t offset = 0;
};

class ModuleParser {
 public:
  ModuleParser(std::string_view text, const ParseOptions& options);
  binary::Binary run();

 private:
  // parser.cpp
  void parse_alias_definition();
  void parse_module();
  void parse_module_body();
  void parse_func();
  void parse_signature(FunctionScope& scope);
  void finish();

  // parse_ops.cpp
  void parse_statement(FunctionScope& scope);
  void parse_return(FunctionScope& scope, size_t start);
  void parse_empty(FunctionScope& scope, size_t start, bool generic,
                   const std::vector<std::pair<std::string, uint32_t>>& result_names);
  void parse_call(FunctionScope& scope, size_t start, bool generic, const std::string& op_name,
                  const std::vector<std::pair<std::string, uint32_t>>& result_names);
  void parse_generic_op(FunctionScope& scope, size_t start, const std::string& op_name,
                        size_t name_offset,
                        const std::vector<std::pair<std::string, uint32_t>>& result_names);
  // One operand `%x` / `%x#k`; returns the ref and the result index.
  std::pair<const ValueRef*, uint32_t> parse_operand(FunctionScope& scope);
  std::vector<ParsedType> parse_type_list(bool allow_single);
  void bind_results(FunctionScope& scope, binary::Op& op, const std::vector<ParsedType>& types,
                    const std::vector<std::pair<std::string, uint32_t>>& result_names,
                    size_t start);
  void record_op(FunctionScope& scope, binary::Op op, size_t start, const LocExpr& loc);
  void record_op(FunctionScope& scope, binary::Op op, size_t start, size_t end, const LocExpr& loc);
  uint32_t materialize_empty(FunctionScope& scope, const ValueRef& ref);

  Cursor c_;
  ParseOptions options_;
  binary::Binary binary_;
  std::map<std::string, LocExpr> loc_aliases_;
  std::vector<std::vector<LocExpr>> op_locs_;  // per program
  std::map<std::string, size_t> program_index_;
  std::vector<PendingCall> calls_;
  std::optional<MeshShape> module_mesh_;
};

// Mesh shape of a `#ttcore.meshes<[<"mesh" = 2x4>]>` attribute text (first mesh).
std::optional<MeshShape> mesh_from_meshes_attr(std::string_view text);

}  // namespace meshrt::compiler::detail
