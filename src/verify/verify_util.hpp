// Shared machinery of the TTIR verifier: a per-op checking context that formats errors as
// "path:line:col: op 'NAME' at loc 'LOC': message", typed attribute access, and shape helpers.
// The per-family rules live in verify_*.cpp and register themselves into one table.
#pragma once

#include <map>
#include <optional>
#include <string>
#include "meshrt/catalog/op_catalog.hpp"

#include "meshrt/binary/program.hpp"

namespace meshrt::verify::detail {

class OpChecker {
 public:
  // With `inferred` (one entry per result), expect_result_shape records the shape it expects
  // there instead of checking the declared one: shape inference by the same rules.
  OpChecker(const binary::Binary& binary, const binary::Program& program, const binary::Op& op,
            const std::string& path, std::vector<std::optional<Shape>>* inferred = nullptr)
      : binary(binary), program(program), op(op), path_(path), inferred_(inferred) {}

  const binary::Binary& binary;
  const binary::Program& program;
  const binary::Op& op;

  size_t num_operands() const { return op.operands.size(); }
  size_t num_results() const { return op.results.size(); }
  const binary::TensorDesc& operand(size_t i) const { return program.values.at(op.operands.at(i)); }
  const binary::TensorDesc& result(size_t i) const { return program.values.at(op.results.at(i)); }
  const Shape& in(size_t i) const { return operand(i).shape; }
  const Shape& out(size_t i = 0) const { return result(i).shape; }
  MeshShape mesh() const { return program.mesh_shape; }

  [[noreturn]] void fail(const std::string& message) const;
  void expect_operands(size_t min, size_t max) const;
  void expect_operands(size_t n) const { expect_operands(n, n); }
  void expect_results(size_t n) const;
  // Fails unless the declared result `index` has `expected` as its shape (records it when
  // inferring).
  void expect_result_shape(const Shape& expected, size_t index = 0) const;
  // Whether this checker infers result shapes (the declared ones are placeholders then: a rule
  // that reads them should record its shape and return).
  bool inferring() const { return inferred_ != nullptr; }

  // Typed attributes; missing or mistyped attributes fail with the op's position.
  bool has(const std::string& key) const { return op.has_attr(key); }
  int64_t int_attr(const std::string& key) const;
  int64_t int_attr_or(const std::string& key, int64_t fallback) const;
  double float_attr(const std::string& key) const;
  bool bool_attr_or(const std::string& key, bool fallback) const;
  std::string string_attr(const std::string& key) const;
  std::vector<int64_t> ints_attr(const std::string& key) const;
  // An attribute that may be a scalar or an array (conv stride, pool kernel...).
  std::vector<int64_t> ints_or_scalar(const std::string& key, size_t n, int64_t fallback) const;
  // Normalises a possibly negative dim of a tensor of rank `rank`; fails when out of range.
  int64_t dim_index(int64_t dim, size_t rank, const std::string& what) const;
  // Numpy-style broadcast of two shapes; fails when incompatible.
  Shape broadcast(const Shape& a, const Shape& b) const;

 private:
  const std::string& path_;
  std::vector<std::optional<Shape>>* inferred_;
};

using CheckFn = void (*)(const OpChecker&);
using CheckTable = catalog::OpTable<CheckFn>;

// Shared rules: a shape of the given rank; an integer (not float, not bool) element type.
void expect_rank(const OpChecker& c, const Shape& s, size_t rank, const char* what);
void expect_integer(const OpChecker& c, DataType dtype, const char* what);

// Every attribute the op's TTIR signature (the catalogue's schema) requires is present.
void check_required_attributes(const OpChecker& c);

void add_eltwise_checks(CheckTable& table);
void add_ccl_checks(CheckTable& table);
void add_data_movement_checks(CheckTable& table);
void add_compute_checks(CheckTable& table);
void add_conv_checks(CheckTable& table);
void add_indexing_checks(CheckTable& table);      // verify_indexing.cpp
void add_window_checks(CheckTable& table);        // verify_windows.cpp
void add_transformer_checks(CheckTable& table);
void add_random_checks(CheckTable& table);        // verify_random.cpp
void add_quantization_checks(CheckTable& table);  // verify_quant.cpp
void add_optimizer_checks(CheckTable& table);     // verify_optimizer.cpp
void add_moe_checks(CheckTable& table);           // verify_moe.cpp

const CheckTable& check_table();

// Throws Error(kUnsupported) for an op without a verifier: the precise "not a TTIR program op"
// error for the ops that exist only inside tt-mlir's pipelines, else "unsupported op".
[[noreturn]] void reject_unknown_op(const std::string& path, const binary::Op& op);

}  // namespace meshrt::verify::detail
