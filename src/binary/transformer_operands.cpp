#include "meshrt/binary/transformer_operands.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace meshrt::binary {

OperandRoles sdpa_operand_roles(const binary::Op& op, bool decode) {
  const size_t num_roles = decode ? 6 : 5;
  const size_t given = op.operands.size();
  OperandRoles out;
  out.index.assign(num_roles, std::nullopt);
  std::vector<bool> present(num_roles, false);
  if (op.has_attr("operandSegmentSizes")) {
    const std::vector<int64_t> sizes = op.ints_attr("operandSegmentSizes");
    int64_t total = 0;
    for (int64_t s : sizes) total += s;
    if (sizes.size() != num_roles || total != static_cast<int64_t>(given) ||
        std::any_of(sizes.begin(), sizes.end(), [](int64_t s) { return s < 0 || s > 1; })) {
      out.error = fmt::format(
          "operandSegmentSizes has {} entries summing to {}; expected {} "
          "entries of 0 or 1 summing to the {} operands",
          sizes.size(), total, num_roles, given);
      return out;
    }
    for (size_t r = 0; r < num_roles; ++r) present[r] = sizes[r] == 1;
  } else {
    if (given < 3 || given > num_roles) {
      out.error = fmt::format("expected 3 to {} operands, got {}", num_roles, given);
      return out;
    }
    present[kQuery] = present[kKey] = present[kValue] = true;
    const std::vector<size_t> priority =
        decode ? std::vector<size_t>{kDecodeCurPos, kMask, kDecodeSink}
               : std::vector<size_t>{kMask, kPrefillSink};
    for (size_t k = 0; k < given - 3; ++k) present[priority[k]] = true;
  }
  if (!present[kQuery] || !present[kKey] || !present[kValue]) {
    out.error = "query, key and value are required";
    return out;
  }
  size_t next = 0;
  for (size_t r = 0; r < num_roles; ++r) {
    if (present[r]) out.index[r] = next++;
  }
  return out;
}

}  // namespace meshrt::binary
