// Goldens of one program run, by golden key and device: those stored in the binary when the
// run uses the seed and init they were computed with, otherwise recomputed now by the reference
// interpreter on the same generated inputs.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "meshrt/binary/program.hpp"

namespace meshrt::runtime {

class GoldenTable {
 public:
  GoldenTable(const binary::Binary& binary, size_t program_index, uint64_t seed, InitKind init);

  // Golden of `key` on `device`, or null when none is known.
  const HostTensor* find(const std::string& key, uint32_t device) const;
  // Golden of a whole host value (stored for every device, or for device 0).
  const HostTensor* find_host(const std::string& key) const;
  bool stored() const { return stored_; }
  // Why no goldens could be had ("" when they could).
  const std::string& unavailable() const { return unavailable_; }

 private:
  bool stored_ = true;
  std::string unavailable_;
  binary::ProgramGoldens computed_;
  std::map<std::string, std::map<uint32_t, const HostTensor*>> index_;
};

}  // namespace meshrt::runtime
