// verify_and_annotate(): runs the per-op rules and computes last uses (Op::frees).
#include "meshrt/verify/verify.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "meshrt/common/error.hpp"
#include "verify_util.hpp"

namespace meshrt::verify {

namespace detail {

namespace {
std::string position_prefix(const std::string& path, const binary::Op& op) {
  if (op.src_line == 0) return path + ": ";
  return fmt::format("{}:{}:{}: ", path, op.src_line, op.src_col);
}

std::string shape_text(const Shape& s) { return shape_to_string(s); }
}  // namespace

void OpChecker::fail(const std::string& message) const {
  raise(ErrorCode::kInvalidArgument,
        fmt::format("{}op '{}' at loc '{}': {}", position_prefix(path_, op), op.name, op.loc,
                    message));
}

void OpChecker::expect_operands(size_t min, size_t max) const {
  if (num_operands() < min || num_operands() > max) {
    if (min == max) fail(fmt::format("expected {} operand(s), got {}", min, num_operands()));
    fail(fmt::format("expected {} to {} operands, got {}", min, max, num_operands()));
  }
}

void OpChecker::expect_results(size_t n) const {
  if (num_results() != n) fail(fmt::format("expected {} result(s), got {}", n, num_results()));
}

void OpChecker::expect_result_shape(const Shape& expected, size_t index) const {
  if (inferred_) {
    if (index < inferred_->size()) (*inferred_)[index] = expected;
    return;
  }
  if (out(index) != expected) {
    fail(fmt::format("result shape {} does not match the expected shape {}", shape_text(out(index)),
                     shape_text(expected)));
  }
}

namespace {
template <typename F>
auto rethrow_with_position(const OpChecker& c, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    std::string message = e.what();
    // Op's own lookups already name the op; keep only the attribute part.
    size_t at = message.find(": attribute");
    c.fail(at == std::string::npos ? message : message.substr(at + 2));
  }
}
}  // namespace

int64_t OpChecker::int_attr(const std::string& key) const {
  return rethrow_with_position(*this, [&] { return op.int_attr(key); });
}
int64_t OpChecker::int_attr_or(const std::string& key, int64_t fallback) const {
  return rethrow_with_position(*this, [&] { return op.int_attr_or(key, fallback); });
}
double OpChecker::float_attr(const std::string& key) const {
  return rethrow_with_position(*this, [&] { return op.float_attr(key); });
}
bool OpChecker::bool_attr_or(const std::string& key, bool fallback) const {
  return rethrow_with_position(*this, [&] { return op.bool_attr_or(key, fallback); });
}
std::string OpChecker::string_attr(const std::string& key) const {
  return rethrow_with_position(*this, [&] { return op.string_attr(key); });
}
std::vector<int64_t> OpChecker::ints_attr(const std::string& key) const {
  return rethrow_with_position(*this, [&] { return op.ints_attr(key); });
}

std::vector<int64_t> OpChecker::ints_or_scalar(const std::string& key, size_t n,
                                               int64_t fallback) const {
  if (!has(key)) return std::vector<int64_t>(n, fallback);
  std::vector<int64_t> v = ints_attr(key);
  if (v.size() == 1 && n > 1) v.assign(n, v[0]);
  return v;
}

int64_t OpChecker::dim_index(int64_t dim, size_t rank, const std::string& what) const {
  auto r = static_cast<int64_t>(rank);
  if (dim < -r || dim >= r) fail(fmt::format("{} {} is out of range for rank {}", what, dim, rank));
  return dim < 0 ? dim + r : dim;
}

Shape OpChecker::broadcast(const Shape& a, const Shape& b) const {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1) {
      fail(fmt::format("shapes {} and {} are not broadcast-compatible (dim {}: {} vs {})",
                       shape_text(a), shape_text(b), i, x, y));
    }
    out[i] = x == 1 ? y : x;
  }
  return out;
}

void reject_unknown_op(const std::string& path, const binary::Op& op) {
  const catalog::OpInfo* info = catalog::find_op(op.name);
  if (info && info->execution == catalog::Execution::kPipelineOnly) {
    raise(ErrorCode::kUnsupported,
          fmt::format("{}op 'ttir.{}' at loc '{}' is not a TTIR program op: it is {}, and a "
                      "program given to ttrt never holds it",
                      position_prefix(path, op), op.name, op.loc, info->why_not));
  }
  raise(ErrorCode::kUnsupported, fmt::format("{}unsupported op 'ttir.{}' at loc '{}'",
                                             position_prefix(path, op), op.name, op.loc));
}

const CheckTable& check_table() {
  static const CheckTable table = [] {
    CheckTable t;
    add_eltwise_checks(t);
    add_ccl_checks(t);
    add_data_movement_checks(t);
    add_compute_checks(t);
    add_indexing_checks(t);
    add_window_checks(t);
    add_transformer_checks(t);
    add_random_checks(t);
    add_quantization_checks(t);
    add_optimizer_checks(t);
    add_moe_checks(t);
    return t;
  }();
  return table;
}

namespace {
void check_value_ids(const std::string& path, const binary::Program& program) {
  auto bad = [&](uint32_t id) { return id >= program.values.size(); };
  for (uint32_t id : program.inputs) {
    if (bad(id))
      raise(ErrorCode::kInvalidArgument,
            fmt::format("{}: program '{}': input value {} does not exist", path, program.name, id));
  }
  for (uint32_t id : program.outputs) {
    if (bad(id))
      raise(
          ErrorCode::kInvalidArgument,
          fmt::format("{}: program '{}': output value {} does not exist", path, program.name, id));
  }
  for (const binary::Op& op : program.ops) {
    for (uint32_t id : op.operands) {
      if (bad(id))
        raise(ErrorCode::kInvalidArgument,
              fmt::format("{}op '{}' at loc '{}': operand value {} does not exist",
                          position_prefix(path, op), op.name, op.loc, id));
    }
    for (uint32_t id : op.results) {
      if (bad(id))
        raise(ErrorCode::kInvalidArgument,
              fmt::format("{}op '{}' at loc '{}': result value {} does not exist",
                          position_prefix(path, op), op.name, op.loc, id));
    }
  }
}

void annotate_frees(binary::Program& program) {
  constexpr size_t kNever = static_cast<size_t>(-1);
  std::vector<size_t> last_use(program.values.size(), kNever);
  for (size_t i = 0; i < program.ops.size(); ++i) {
    for (uint32_t id : program.ops[i].results) last_use[id] = i;  // unused results die at once
    for (uint32_t id : program.ops[i].operands) last_use[id] = i;
  }
  for (uint32_t id : program.inputs) last_use[id] = kNever;
  for (uint32_t id : program.outputs) last_use[id] = kNever;
  for (binary::Op& op : program.ops) op.frees.clear();
  for (uint32_t id = 0; id < last_use.size(); ++id) {
    if (last_use[id] != kNever) program.ops[last_use[id]].frees.push_back(id);
  }
}
// Fails if programs call each other in a cycle (the runtime would never finish).
void check_call_cycles(const binary::Binary& binary, const std::string& path) {
  enum class Mark { kNone, kActive, kDone };
  std::vector<Mark> marks(binary.programs.size(), Mark::kNone);
  auto visit = [&](auto&& self, size_t p) -> void {
    marks[p] = Mark::kActive;
    for (const binary::Op& op : binary.programs[p].ops) {
      if (op.name != "call") continue;
      int64_t callee = op.int_attr_or("callee", -1);
      if (callee < 0 || static_cast<size_t>(callee) >= binary.programs.size()) continue;
      if (marks[callee] == Mark::kActive) {
        raise(ErrorCode::kInvalidArgument,
              fmt::format("{}op 'call' at loc '{}': recursive call of '{}' from '{}'",
                          position_prefix(path, op), op.loc, binary.programs[callee].name,
                          binary.programs[p].name));
      }
      if (marks[callee] == Mark::kNone) self(self, static_cast<size_t>(callee));
    }
    marks[p] = Mark::kDone;
  };
  for (size_t p = 0; p < binary.programs.size(); ++p) {
    if (marks[p] == Mark::kNone) visit(visit, p);
  }
}

}  // namespace

void expect_rank(const OpChecker& c, const Shape& s, size_t rank, const char* what) {
  if (s.size() != rank)
    c.fail(fmt::format("{} {} must have rank {}, it has rank {}", what, shape_to_string(s), rank,
                       s.size()));
}

void expect_integer(const OpChecker& c, DataType dtype, const char* what) {
  if (is_float(dtype) || dtype == DataType::kBool)
    c.fail(fmt::format("{} must have an integer element type, has {}", what, mlir_name(dtype)));
}

// Every attribute the op's TTIR signature requires is present.
void check_required_attributes(const OpChecker& c) {
  const catalog::OpInfo* info = catalog::find_op(c.op.name);
  if (!info) return;
  for (const catalog::SchemaEntry& a : info->schema.attributes) {
    if (!a.optional && !c.has(std::string(a.name)))
      c.fail(fmt::format("attribute '{}' is missing (TTIR requires it)", a.name));
  }
}

}  // namespace detail

const std::set<std::string>& supported_ops() {
  static const std::set<std::string> names = [] {
    std::set<std::string> out;
    for (std::string_view name : detail::check_table().names()) out.emplace(name);
    return out;
  }();
  return names;
}

void verify_and_annotate(binary::Binary& binary, const std::string& path) {
  const detail::CheckTable& table = detail::check_table();
  for (binary::Program& program : binary.programs) {
    detail::check_value_ids(path, program);
    for (const binary::Op& op : program.ops) {
      detail::CheckFn check = table.find(op.name);
      if (!check) detail::reject_unknown_op(path, op);
      const detail::OpChecker checker(binary, program, op, path);
      detail::check_required_attributes(checker);
      check(checker);
    }
    detail::annotate_frees(program);
  }
  detail::check_call_cycles(binary, path);
}

std::vector<Shape> infer_result_shapes(const binary::Binary& binary, size_t program_index,
                                       size_t op_index, const std::string& path) {
  const binary::Program& program = binary.programs.at(program_index);
  const binary::Op& op = program.ops.at(op_index);
  detail::check_value_ids(path, program);
  detail::CheckFn check = detail::check_table().find(op.name);
  if (!check) detail::reject_unknown_op(path, op);
  std::vector<std::optional<Shape>> inferred(op.results.size());
  const detail::OpChecker checker(binary, program, op, path, &inferred);
  detail::check_required_attributes(checker);
  check(checker);
  std::vector<Shape> out;
  for (size_t i = 0; i < inferred.size(); ++i)
    out.push_back(inferred[i] ? *inferred[i] : checker.out(i));
  return out;
}

}  // namespace meshrt::verify

namespace meshrt::verify {

binary::Binary load_verified(std::span<const uint8_t> bytes, const std::string& name,
                             const binary::LoadOptions& options) {
  binary::Binary loaded = binary::deserialize(bytes, name, options);
  verify_and_annotate(loaded, name);
  return loaded;
}

}  // namespace meshrt::verify
