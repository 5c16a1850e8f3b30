// Module-level structure of TTIR MLIR: aliases, modules, functions, and the finishing pass
// (locations, call targets, mesh shape). Statements are in parse_ops.cpp.
#include "meshrt/compiler/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "meshrt/common/untrusted.hpp"

#include "parse_module.hpp"

namespace meshrt::compiler {

namespace detail {

namespace {
constexpr uint32_t kMaxMeshExtent = 1024;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads "RxC" or "R,C" at `at`; nullopt if absent or out of range.
std::optional<MeshShape> read_mesh_pair(std::string_view text, size_t at, char separator) {
  uint64_t rows = 0, cols = 0;
  size_t i = at;
  size_t start = i;
  while (i < text.size() && is_digit(text[i]) && i - start < 6)
    rows = rows * 10 + (text[i++] - '0');
  if (i == start || i >= text.size() || text[i] != separator) return std::nullopt;
  start = ++i;
  while (i < text.size() && is_digit(text[i]) && i - start < 6)
    cols = cols * 10 + (text[i++] - '0');
  if (i == start) return std::nullopt;
  if (rows == 0 || cols == 0 || rows > kMaxMeshExtent || cols > kMaxMeshExtent) return std::nullopt;
  return MeshShape{static_cast<uint32_t>(rows), static_cast<uint32_t>(cols)};
}

void apply_arg_attrs(const AttrDict& attrs, binary::TensorDesc& desc, const std::string& path) {
  for (const auto& [key, value] : attrs) {
    const std::string* s = std::get_if<std::string>(&value);
    if (!s) continue;
    if (key == "ttcore.shard_status") {
      desc.presharded = *s == "presharded";
    } else if (key == "ttcore.local_shape") {
      if (auto t = find_tensor_type(*s, path)) desc.local_shape = t->shape;
    } else if (key == "ttcore.runtime_tensor_sharding") {
      if (s->find("presharded") != std::string::npos) desc.presharded = true;
      if (auto t = find_tensor_type(*s, path)) desc.local_shape = t->shape;
    } else if (key == "ttcore.argument_type") {
      desc.argument_type = *s;
    } else if (key == "ttir.name") {
      desc.name = *s;
    }
  }
  // tt-mlir's builder marks a presharded argument with shard_status alone and declares it at
  // its local shape: each device holds a tensor of the declared type.
  if (desc.presharded && desc.local_shape.empty() && !attrs.count("ttcore.local_shape") &&
      !attrs.count("ttcore.runtime_tensor_sharding"))
    desc.local_shape = desc.shape;
}
}  // namespace

std::optional<MeshShape> mesh_from_meshes_attr(std::string_view text) {
  size_t eq = text.find('=');
  while (eq != std::string_view::npos) {
    size_t i = eq + 1;
    while (i < text.size() && text[i] == ' ') ++i;
    if (auto mesh = read_mesh_pair(text, i, 'x')) return mesh;
    eq = text.find('=', eq + 1);
  }
  return std::nullopt;
}

ModuleParser::ModuleParser(std::string_view text, const ParseOptions& options)
    : c_(text, options.path), options_(options) {}

binary::Binary ModuleParser::run() {
  while (!c_.at_end()) {
    char ch = c_.peek();
    if (ch == '#' || ch == '!') {
      parse_alias_definition();
    } else if (c_.try_keyword("module") || c_.try_keyword("builtin.module")) {
      parse_module();
    } else if (c_.try_keyword("func.func")) {
      parse_func();
    } else {
      c_.fail("expected 'module' or 'func.func' at the top level");
    }
  }
  if (binary_.programs.empty()) c_.fail_at(0, ErrorCode::kInvalidArgument, "no func.func found");
  finish();
  return std::move(binary_);
}

void ModuleParser::parse_alias_definition() {
  size_t start = c_.pos();
  char sigil = c_.peek_raw();
  c_.set_pos(start + 1);
  std::string name = std::string(1, sigil) + c_.parse_bare_id();
  c_.expect("=");
  if (sigil == '#') {
    LocExpr loc;
    if (try_parse_loc(c_, loc)) {
      loc_aliases_[name] = std::move(loc);
      return;
    }
    parse_attr_value(c_);
    return;
  }
  parse_type(c_);  // type alias, unused
}

void ModuleParser::parse_module() {
  if (c_.peek() == '@') c_.parse_symbol();
  if (c_.try_keyword("attributes")) {
    AttrDict attrs;
    parse_attr_dict(c_, attrs);
    auto it = attrs.find("ttcore.meshes");
    if (it != attrs.end()) {
      if (const auto* s = std::get_if<std::string>(&it->second)) {
        if (auto mesh = mesh_from_meshes_attr(*s); mesh && !module_mesh_) module_mesh_ = mesh;
      }
    }
  }
  c_.expect("{");
  parse_module_body();
  c_.expect("}");
  LocExpr ignored;
  try_parse_loc(c_, ignored);
}

void ModuleParser::parse_module_body() {
  DepthGuard guard(c_);
  while (true) {
    char ch = c_.peek();
    if (ch == '}') return;
    if (ch == '\0') c_.fail("expected '}' to close the module but the text ended");
    if (c_.try_keyword("func.func")) {
      parse_func();
    } else if (c_.try_keyword("module") || c_.try_keyword("builtin.module")) {
      parse_module();
    } else if (c_.try_keyword("ttcore.device_module") || c_.try_keyword("ttcore.cpu_module")) {
      c_.expect("{");
      parse_module_body();
      c_.expect("}");
      LocExpr ignored;
      try_parse_loc(c_, ignored);
    } else {
      size_t at = c_.pos();
      std::string what = is_id_start(ch) ? c_.parse_bare_id() : std::string(1, ch);
      if (ch == '"') {
        c_.set_pos(at);
        what = c_.parse_string();
      }
      c_.fail_at(
          at, is_id_start(ch) || ch == '"' ? ErrorCode::kUnsupported : ErrorCode::kInvalidArgument,
          fmt::format("unsupported module-level op '{}'", what));
    }
  }
}

void ModuleParser::parse_func() {
  size_t start = c_.pos();
  bool is_private = false;
  if (c_.try_keyword("private")) {
    is_private = true;
  } else if (!c_.try_keyword("public")) {
    c_.try_keyword("nested");
  }
  size_t name_offset = c_.pos();
  std::string name = c_.parse_symbol();
  if (program_index_.count(name)) {
    c_.fail_at(name_offset, ErrorCode::kInvalidArgument,
               fmt::format("redefinition of function '@{}'", name));
  }
  program_index_[name] = binary_.programs.size();
  binary_.programs.emplace_back();
  binary_.programs.back().name = name;
  binary_.programs.back().is_private = is_private;

  FunctionScope scope;
  scope.program = &binary_.programs.back();
  parse_signature(scope);
  if (c_.try_keyword("attributes")) {
    AttrDict ignored;
    parse_attr_dict(c_, ignored);
  }
  if (c_.peek() != '{') {
    c_.fail_at(start, ErrorCode::kUnsupported,
               fmt::format("function '@{}' has no body (declarations are not supported)", name));
  }
  c_.expect("{");
  while (c_.peek() != '}') {
    if (c_.at_end())
      c_.fail(fmt::format("expected '}}' to close function '@{}' but the text ended", name));
    parse_statement(scope);
  }
  if (!scope.returned) c_.fail(fmt::format("function '@{}' has no return", name));
  c_.expect("}");
  LocExpr ignored;
  try_parse_loc(c_, ignored);
  op_locs_.push_back(std::move(scope.op_locs));
}

void ModuleParser::parse_signature(FunctionScope& scope) {
  binary::Program& program = *scope.program;
  c_.expect("(");
  if (!c_.try_consume(")")) {
    do {
      size_t at = c_.pos();
      std::string name = c_.parse_ssa_name();
      if (scope.names.count(name))
        c_.fail_at(at, ErrorCode::kInvalidArgument, fmt::format("redefinition of '{}'", name));
      c_.expect(":");
      ParsedType type = parse_type(c_);
      binary::TensorDesc desc = tensor_desc_of(c_, type);
      if (c_.peek() == '{') {
        AttrDict attrs;
        parse_attr_dict(c_, attrs);
        apply_arg_attrs(attrs, desc, c_.path());
      }
      LocExpr ignored;
      try_parse_loc(c_, ignored);
      auto id = static_cast<uint32_t>(program.values.size());
      program.values.push_back(std::move(desc));
      program.inputs.push_back(id);
      ValueRef ref;
      ref.ids.push_back(id);
      scope.names[name] = std::move(ref);
    } while (c_.try_consume(","));
    c_.expect(")");
  }
  if (!c_.try_consume("->")) return;
  bool parenthesized = c_.try_consume("(");
  if (parenthesized && c_.try_consume(")")) return;
  do {
    ParsedType type = parse_type(c_);
    scope.result_types.push_back(tensor_desc_of(c_, type));
    if (parenthesized && c_.peek() == '{') {
      AttrDict ignored;
      parse_attr_dict(c_, ignored);
    }
  } while (parenthesized && c_.try_consume(","));
  if (parenthesized) c_.expect(")");
}

void ModuleParser::finish() {
  binary_.source_path = options_.path;
  binary_.mlir_source = std::string(c_.text());
  for (size_t p = 0; p < binary_.programs.size(); ++p) {
    binary::Program& program = binary_.programs[p];
    std::set<std::string> used;
    std::vector<std::string> names(program.ops.size());
    // Explicit locations first, in op order; later duplicates get a suffix.
    for (size_t i = 0; i < program.ops.size(); ++i) {
      std::string loc = resolve_loc(op_locs_[p][i], loc_aliases_);
      if (!loc.empty() && used.insert(loc).second) names[i] = loc;
    }
    for (size_t i = 0; i < program.ops.size(); ++i) {
      if (!names[i].empty()) continue;
      std::string base = resolve_loc(op_locs_[p][i], loc_aliases_);
      base = base.empty() ? fmt::format("{}_{}", program.ops[i].name, i)
                          : fmt::format("{}_{}", base, i);
      std::string candidate = base;
      for (int k = 1; !used.insert(candidate).second; ++k)
        candidate = fmt::format("{}_{}", base, k);
      names[i] = candidate;
    }
    for (size_t i = 0; i < program.ops.size(); ++i) program.ops[i].loc = std::move(names[i]);
  }
  // The mesh: ttcore.meshes, else --mesh-shape, else what the mesh_shard ops need.
  if (module_mesh_ && options_.mesh_override && !(*module_mesh_ == *options_.mesh_override)) {
    raise(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: --mesh-shape {} contradicts the module's ttcore.meshes ({})",
                    options_.path, options_.mesh_override->to_string(), module_mesh_->to_string()));
  }
  MeshShape mesh;
  if (module_mesh_) {
    mesh = *module_mesh_;
  } else if (options_.mesh_override) {
    mesh = *options_.mesh_override;
  } else {
    mesh = infer_mesh(binary_, options_.path, options_.mesh_note);
  }
  for (binary::Program& program : binary_.programs) program.mesh_shape = mesh;
  for (const PendingCall& call : calls_) {
    auto it = program_index_.find(call.callee);
    if (it == program_index_.end()) {
      c_.fail_at(call.offset, ErrorCode::kInvalidArgument,
                 fmt::format("call to undefined function '@{}'", call.callee));
    }
    binary_.programs[call.program].ops[call.op].attrs["callee"] = static_cast<int64_t>(it->second);
  }
}

}  // namespace detail

binary::Binary parse_mlir(std::string_view text, const ParseOptions& options) {
  if (size_t at = invalid_utf8_at(text); at != std::string_view::npos) {
    size_t line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
    size_t line_start = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
    size_t col = line_start == std::string_view::npos ? at + 1 : at - line_start;
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}:{}:{}: the text is not UTF-8 (byte {})", options.path, line, col, at));
  }
  return detail::ModuleParser(text, options).run();
}

std::optional<MeshShape> mesh_shape_hint(std::string_view text) {
  std::optional<MeshShape> from_run;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    size_t first = line.find_first_not_of(" \t");
    bool comment = first != std::string_view::npos && line.substr(first, 2) == "//";
    if (!comment) {
      size_t at = line.find("#ttcore.meshes<");
      if (at != std::string_view::npos) {
        if (auto mesh = detail::mesh_from_meshes_attr(line.substr(at))) return mesh;
      }
    } else if (!from_run && line.find("RUN:") != std::string_view::npos) {
      size_t at = line.find("mesh-shape=");
      if (at != std::string_view::npos) from_run = detail::read_mesh_pair(line, at + 11, ',');
    }
    line_start = line_end + 1;
  }
  return from_run;
}

}  // namespace meshrt::compiler
