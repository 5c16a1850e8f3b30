// Private to the catalogue: one function per op family adds that family's entries.
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "meshrt/catalog/op_catalog.hpp"

namespace meshrt::catalog::detail {

using Ops = std::vector<OpInfo>;

// An entry of one family and cost, to be filled in further.
inline OpInfo make_op(std::string_view name, std::string_view family, CostFamily cost,
                      Execution execution = Execution::kKernel) {
  OpInfo info;
  info.name = name;
  info.family = family;
  info.cost = cost;
  info.execution = execution;
  return info;
}

// Adds plain entries (no operand roles, not in place) of one family and cost.
inline void add_plain(Ops& ops, std::string_view family, CostFamily cost,
                      std::initializer_list<std::string_view> names,
                      Execution execution = Execution::kKernel) {
  for (std::string_view n : names) {
    ops.push_back(make_op(n, family, cost, execution));
  }
}

// An index operand bounded by a dim of another operand.
inline OperandRole index_role(uint8_t operand, uint8_t bound_operand, int8_t bound_dim,
                              int64_t cap = 0) {
  return {OperandRole::Kind::kIndex, operand, bound_operand, bound_dim, false, cap};
}
// An index operand bounded by the dim named by the op's "dim" attribute.
inline OperandRole index_role_at_attr_dim(uint8_t operand, uint8_t bound_operand) {
  return {OperandRole::Kind::kIndex, operand, bound_operand, 0, true, 0};
}

void add_eltwise_ops(Ops& ops);        // eltwise.cpp
void add_compute_ops(Ops& ops);        // compute.cpp: matmul, conv, pooling, reductions, norms
void add_data_movement_ops(Ops& ops);  // data_movement.cpp
void add_creation_ops(Ops& ops);       // creation.cpp: constants, fills, random
void add_collective_ops(Ops& ops);     // collective.cpp
void add_transformer_ops(Ops& ops);    // transformer.cpp: attention, KV caches, heads
void add_quantization_ops(Ops& ops);   // quantization.cpp
void add_moe_ops(Ops& ops);            // moe.cpp: mixture-of-experts routing
void add_program_ops(Ops& ops);        // program.cpp: call, and tt-mlir's pipeline-only ops

}  // namespace meshrt::catalog::detail
