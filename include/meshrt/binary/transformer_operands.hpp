// Operand roles of the attention ops, shared by their verifier and interpreter kernels.
// scaled_dot_product_attention has the operand segments (query, key, value, attention_mask,
// attention_sink); scaled_dot_product_attention_decode has (query, key, value, attention_mask,
// cur_pos_tensor, attention_sink). The first three are required, the others optional.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"

namespace meshrt::binary {

enum SdpaRole : size_t { kQuery = 0, kKey = 1, kValue = 2, kMask = 3 };
// Decode only: the per-user position tensor, then the sink. Prefill: the sink is role 4.
constexpr size_t kDecodeCurPos = 4;
constexpr size_t kDecodeSink = 5;
constexpr size_t kPrefillSink = 4;

// For each role, the operand index that fills it (nullopt when absent). Uses
// operandSegmentSizes when present; otherwise the optional roles are taken in
// `optional_priority` order. Returns an error text instead when the operands do not fit.
struct OperandRoles {
  std::vector<std::optional<size_t>> index;
  std::string error;
};
OperandRoles sdpa_operand_roles(const binary::Op& op, bool decode);

}  // namespace meshrt::binary
