// Statements inside a function body: generic TTIR ops, ttir.empty, calls and return.
#include <fmt/format.h>

#include <algorithm>

#include "meshrt/catalog/op_catalog.hpp"
#include "meshrt/verify/verify.hpp"
#include "parse_inplace.hpp"
#include "parse_rearrange.hpp"
#include "parse_module.hpp"

namespace meshrt::compiler::detail {

namespace {
constexpr size_t kMaxDebugStr = 2000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (out.size() >= kMaxDebugStr) {
      out += "...";
      break;
    }
  }
  return out;
}

bool same_type(const binary::TensorDesc& a, const binary::TensorDesc& b) {
  return a.shape == b.shape && a.dtype == b.dtype;
}

std::string type_string(const binary::TensorDesc& d) {
  std::string s = "tensor<";
  for (int64_t x : d.shape) s += std::to_string(x) + "x";
  return s + std::string(mlir_name(d.dtype)) + ">";
}
}  // namespace

void ModuleParser::parse_statement(FunctionScope& scope) {
  size_t start = c_.pos();
  if (scope.returned) c_.fail("operations after the function's return");
  std::vector<std::pair<std::string, uint32_t>> result_names;
  if (c_.peek() == '%') {
    do {
      std::string name = c_.parse_ssa_name();
      uint32_t count = 1;
      if (c_.peek_raw() == ':' && is_digit(c_.peek_raw(1))) {
        c_.set_pos(c_.pos() + 1);
        int64_t n = c_.parse_integer();
        if (n < 1 || n > 1024) c_.fail("bad result count");
        count = static_cast<uint32_t>(n);
      }
      result_names.emplace_back(name, count);
    } while (c_.try_consume(","));
    c_.expect("=");
  }
  c_.skip_ws();
  size_t name_offset = c_.pos();
  bool generic = c_.peek() == '"';
  std::string op_name;
  if (generic) {
    op_name = c_.parse_string();
  } else if (is_id_start(c_.peek())) {
    op_name = c_.parse_bare_id();
  } else {
    c_.fail("expected an operation");
  }
  if (!generic && (op_name == "return" || op_name == "func.return")) {
    if (!result_names.empty())
      c_.fail_at(start, ErrorCode::kInvalidArgument, "return has no results");
    parse_return(scope, start);
    return;
  }
  if (op_name == "ttir.empty" || op_name == "tensor.empty") {
    parse_empty(scope, start, generic, result_names);
    return;
  }
  // A ttcore.composite means a call of its decomposition function.
  if (op_name == "call" || op_name == "func.call" || op_name == "ttcore.composite") {
    parse_call(scope, start, generic, op_name, result_names);
    return;
  }
  const auto& supported = verify::supported_ops();
  bool known = op_name.rfind("ttir.", 0) == 0 && supported.count(op_name.substr(5)) != 0 &&
               op_name != "ttir.call";
  if (!known && op_name.rfind("ttir.", 0) == 0) {
    const catalog::OpInfo* info = catalog::find_op(op_name.substr(5));
    if (info && info->execution == catalog::Execution::kPipelineOnly) {
      c_.fail_at(name_offset, ErrorCode::kUnsupported,
                 fmt::format("op '{}' is not a TTIR program op: it is {}, and a program given to "
                             "ttrt never holds it",
                             op_name, info->why_not));
    }
  }
  if (!known || !generic) {
    c_.fail_at(name_offset, ErrorCode::kUnsupported, fmt::format("unsupported op '{}'", op_name));
  }
  parse_generic_op(scope, start, op_name, name_offset, result_names);
}

std::pair<const ValueRef*, uint32_t> ModuleParser::parse_operand(FunctionScope& scope) {
  c_.skip_ws();
  size_t at = c_.pos();
  std::string name = c_.parse_ssa_name();
  uint32_t index = 0;
  if (c_.peek_raw() == '#') {
    c_.set_pos(c_.pos() + 1);
    int64_t k = c_.parse_integer();
    if (k < 0 || k > 1 << 20) c_.fail_at(at, ErrorCode::kInvalidArgument, "bad result index");
    index = static_cast<uint32_t>(k);
  }
  auto it = scope.names.find(name);
  if (it == scope.names.end())
    c_.fail_at(at, ErrorCode::kInvalidArgument, fmt::format("use of undefined value '{}'", name));
  size_t count = it->second.is_empty ? 1 : it->second.ids.size();
  if (index >= count) {
    c_.fail_at(at, ErrorCode::kInvalidArgument,
               fmt::format("'{}' has {} result(s), #{} does not exist", name, count, index));
  }
  return {&it->second, index};
}

std::vector<ParsedType> ModuleParser::parse_type_list(bool allow_single) {
  std::vector<ParsedType> types;
  if (!c_.try_consume("(")) {
    if (!allow_single) c_.expect("(");
    types.push_back(parse_type(c_));
    return types;
  }
  if (c_.try_consume(")")) return types;
  do {
    types.push_back(parse_type(c_));
  } while (c_.try_consume(","));
  c_.expect(")");
  return types;
}

void ModuleParser::bind_results(FunctionScope& scope, binary::Op& op,
                                const std::vector<ParsedType>& types,
                                const std::vector<std::pair<std::string, uint32_t>>& result_names,
                                size_t start) {
  binary::Program& program = *scope.program;
  size_t named = 0;
  for (const auto& rn : result_names) named += rn.second;
  if (!result_names.empty() && named != types.size()) {
    c_.fail_at(start, ErrorCode::kInvalidArgument,
               fmt::format("operation defines {} result name(s) but its type has {} result(s)",
                           named, types.size()));
  }
  for (const ParsedType& t : types) {
    op.results.push_back(static_cast<uint32_t>(program.values.size()));
    program.values.push_back(tensor_desc_of(c_, t));
  }
  size_t next = 0;
  for (const auto& [name, count] : result_names) {
    if (scope.names.count(name))
      c_.fail_at(start, ErrorCode::kInvalidArgument, fmt::format("redefinition of '{}'", name));
    ValueRef ref;
    for (uint32_t k = 0; k < count; ++k) ref.ids.push_back(op.results[next++]);
    scope.names[name] = std::move(ref);
  }
}

void ModuleParser::record_op(FunctionScope& scope, binary::Op op, size_t start,
                             const LocExpr& loc) {
  record_op(scope, std::move(op), start, c_.pos(), loc);
}

void ModuleParser::record_op(FunctionScope& scope, binary::Op op, size_t start, size_t end,
                             const LocExpr& loc) {
  SourcePos pos = c_.position_of(start);
  op.src_line = pos.line;
  op.src_col = pos.col;
  op.debug_str = one_line(c_.text().substr(start, end - start));
  scope.program->ops.push_back(std::move(op));
  scope.op_locs.push_back(loc);
}

uint32_t ModuleParser::materialize_empty(FunctionScope& scope, const ValueRef& ref) {
  if (ref.materialized) return *ref.materialized;
  binary::Op op;
  op.name = "zeros";
  op.attrs["shape"] =
      std::vector<int64_t>(ref.empty_desc.shape.begin(), ref.empty_desc.shape.end());
  auto id = static_cast<uint32_t>(scope.program->values.size());
  scope.program->values.push_back(ref.empty_desc);
  op.results.push_back(id);
  record_op(scope, std::move(op), ref.def_start, ref.def_end, ref.def_loc);
  ref.materialized = id;
  return id;
}

void ModuleParser::parse_return(FunctionScope& scope, size_t start) {
  binary::Program& program = *scope.program;
  std::vector<uint32_t> outputs;
  if (c_.peek() == '%') {
    do {
      auto [ref, index] = parse_operand(scope);
      outputs.push_back(ref->is_empty ? materialize_empty(scope, *ref) : ref->ids[index]);
    } while (c_.try_consume(","));
    c_.expect(":");
    do {
      parse_type(c_);
    } while (c_.try_consume(","));
  }
  LocExpr ignored;
  try_parse_loc(c_, ignored);
  if (outputs.size() != scope.result_types.size()) {
    c_.fail_at(start, ErrorCode::kInvalidArgument,
               fmt::format("return has {} value(s) but the function declares {} result(s)",
                           outputs.size(), scope.result_types.size()));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const binary::TensorDesc& actual = program.values[outputs[i]];
    if (!same_type(actual, scope.result_types[i])) {
      c_.fail_at(start, ErrorCode::kInvalidArgument,
                 fmt::format("return value #{} has type {} but the function declares {}", i,
                             type_string(actual), type_string(scope.result_types[i])));
    }
  }
  program.outputs = std::move(outputs);
  scope.returned = true;
}

void ModuleParser::parse_empty(FunctionScope& scope, size_t start, bool generic,
                               const std::vector<std::pair<std::string, uint32_t>>& result_names) {
  c_.expect("(");
  c_.expect(")");
  AttrDict ignored;
  if (c_.try_consume("<")) {
    parse_attr_dict(c_, ignored);
    c_.expect(">");
  }
  if (c_.peek() == '{') parse_attr_dict(c_, ignored);
  c_.expect(":");
  if (generic) {
    c_.expect("(");
    c_.expect(")");
    c_.expect("->");
  }
  ParsedType type = parse_type(c_);
  LocExpr loc;
  try_parse_loc(c_, loc);
  if (result_names.size() > 1 || (result_names.size() == 1 && result_names[0].second != 1)) {
    c_.fail_at(start, ErrorCode::kInvalidArgument, "ttir.empty has exactly one result");
  }
  if (result_names.empty()) return;
  if (scope.names.count(result_names[0].first)) {
    c_.fail_at(start, ErrorCode::kInvalidArgument,
               fmt::format("redefinition of '{}'", result_names[0].first));
  }
  ValueRef ref;
  ref.is_empty = true;
  ref.empty_desc = tensor_desc_of(c_, type);
  ref.def_start = start;
  ref.def_end = c_.pos();
  ref.def_loc = loc;
  scope.names[result_names[0].first] = std::move(ref);
}

void ModuleParser::parse_call(FunctionScope& scope, size_t start, bool generic,
                              const std::string& op_name,
                              const std::vector<std::pair<std::string, uint32_t>>& result_names) {
  binary::Op op;
  op.name = "call";
  std::string callee;
  size_t callee_offset = c_.pos();
  if (!generic) {
    c_.skip_ws();
    callee_offset = c_.pos();
    callee = c_.parse_symbol();
  }
  c_.expect("(");
  if (!c_.try_consume(")")) {
    do {
      auto [ref, index] = parse_operand(scope);
      op.operands.push_back(ref->is_empty ? materialize_empty(scope, *ref) : ref->ids[index]);
    } while (c_.try_consume(","));
    c_.expect(")");
  }
  AttrDict attrs;
  if (generic && c_.try_consume("<")) {
    parse_attr_dict(c_, attrs);
    c_.expect(">");
  }
  if (c_.peek() == '{') parse_attr_dict(c_, attrs);
  if (generic) {
    auto it = attrs.find(op_name == "ttcore.composite" ? "decomposition" : "callee");
    const std::string* s = it == attrs.end() ? nullptr : std::get_if<std::string>(&it->second);
    if (!s)
      c_.fail_at(start, ErrorCode::kInvalidArgument,
                 fmt::format("'{}' needs a {} attribute", op_name,
                             op_name == "ttcore.composite" ? "decomposition" : "callee"));
    callee = *s;
  }
  c_.expect(":");
  std::vector<ParsedType> operand_types = parse_type_list(false);
  c_.expect("->");
  std::vector<ParsedType> result_types = parse_type_list(true);
  LocExpr loc;
  try_parse_loc(c_, loc);
  if (operand_types.size() != op.operands.size()) {
    c_.fail_at(start, ErrorCode::kInvalidArgument,
               fmt::format("call has {} operand(s) but its type lists {}", op.operands.size(),
                           operand_types.size()));
  }
  op.attrs["callee_name"] = callee;
  bind_results(scope, op, result_types, result_names, start);
  size_t program_index = static_cast<size_t>(scope.program - binary_.programs.data());
  calls_.push_back(PendingCall{program_index, scope.program->ops.size(), callee, callee_offset});
  record_op(scope, std::move(op), start, loc);
}

void ModuleParser::parse_generic_op(
    FunctionScope& scope, size_t start, const std::string& op_name, size_t name_offset,
    const std::vector<std::pair<std::string, uint32_t>>& result_names) {
  binary::Program& program = *scope.program;
  binary::Op op;
  op.name = op_name.substr(5);
  struct Use {
    const ValueRef* ref;
    uint32_t index;
    size_t offset;
  };
  std::vector<Use> uses;
  c_.expect("(");
  if (!c_.try_consume(")")) {
    do {
      c_.skip_ws();
      size_t at = c_.pos();
      auto [ref, index] = parse_operand(scope);
      uses.push_back(Use{ref, index, at});
    } while (c_.try_consume(","));
    c_.expect(")");
  }
  if (c_.peek() == '[')
    c_.fail_at(c_.pos(), ErrorCode::kUnsupported, "ops with successors are not supported");
  AttrDict attrs;
  if (c_.try_consume("<")) {
    parse_attr_dict(c_, attrs);
    c_.expect(">");
  }
  if (c_.peek() == '(')
    c_.fail_at(c_.pos(), ErrorCode::kUnsupported,
               fmt::format("'{}' with regions is not supported", op_name));
  if (c_.peek() == '{') parse_attr_dict(c_, attrs);
  c_.expect(":");
  std::vector<ParsedType> operand_types = parse_type_list(false);
  c_.expect("->");
  std::vector<ParsedType> result_types = parse_type_list(true);
  LocExpr loc;
  try_parse_loc(c_, loc);

  if (operand_types.size() != uses.size()) {
    c_.fail_at(name_offset, ErrorCode::kInvalidArgument,
               fmt::format("'{}' has {} operand(s) but its type lists {}", op_name, uses.size(),
                           operand_types.size()));
  }
  for (size_t i = 0; i < uses.size(); ++i) {
    const binary::TensorDesc& actual = uses[i].ref->is_empty
                                           ? uses[i].ref->empty_desc
                                           : program.values[uses[i].ref->ids[uses[i].index]];
    binary::TensorDesc declared = tensor_desc_of(c_, operand_types[i]);
    if (!same_type(actual, declared)) {
      c_.fail_at(uses[i].offset, ErrorCode::kInvalidArgument,
                 fmt::format("operand #{} of '{}' has type {} but the op's type says {}", i,
                             op_name, type_string(actual), type_string(declared)));
    }
  }
  // Destination-passing style: trailing ttir.empty operands whose types match the results
  // are output buffers, not inputs. Any other ttir.empty operand is read as zeros.
  size_t trailing = 0;
  while (trailing < uses.size() && uses[uses.size() - 1 - trailing].ref->is_empty) ++trailing;
  size_t drop = std::min(trailing, result_types.size());
  for (size_t j = 0; j < drop; ++j) {
    const ValueRef& ref = *uses[uses.size() - drop + j].ref;
    const ParsedType& result = result_types[j];
    if (!result.is_tensor || !result.dtype || ref.empty_desc.shape != result.shape ||
        ref.empty_desc.dtype != *result.dtype) {
      drop = 0;
      break;
    }
  }
  size_t kept = uses.size() - drop;
  for (size_t i = 0; i < kept; ++i) {
    op.operands.push_back(uses[i].ref->is_empty ? materialize_empty(scope, *uses[i].ref)
                                                : uses[i].ref->ids[uses[i].index]);
  }
  auto segments = attrs.find("operandSegmentSizes");
  if (kept != uses.size() && segments != attrs.end()) {
    if (auto* sizes = std::get_if<std::vector<int64_t>>(&segments->second)) {
      int64_t total = 0;
      for (int64_t s : *sizes) total += s;
      if (total == static_cast<int64_t>(uses.size())) {
        size_t drop = uses.size() - kept;
        for (size_t k = sizes->size(); k-- > 0 && drop > 0;) {
          int64_t take = std::min<int64_t>((*sizes)[k], static_cast<int64_t>(drop));
          (*sizes)[k] -= take;
          drop -= static_cast<size_t>(take);
        }
      }
    }
  }
  op.attrs = std::move(attrs);
  add_quant_attrs(c_, name_offset, op, operand_types, result_types);
  if (op.name == "rearrange") add_rearrange_attrs(c_, name_offset, op, operand_types, result_types);
  bind_results(scope, op, result_types, result_names, start);
  if (result_types.empty() && !uses.empty() && writes_first_operand_in_place(op.name))
    bind_in_place_result(scope, op, *uses[0].ref, uses[0].index);
  record_op(scope, std::move(op), start, loc);
}

}  // namespace meshrt::compiler::detail
