// Goldens of one program run, by golden key and device: those stored in the binary when the
// run uses the seed and init they were computed with, otherwise asked now of the installed
// golden source (golden_source.hpp) for the same generated inputs, or for the inputs the user
// gave.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "meshrt/binary/program.hpp"
#include "meshrt/runtime/executor.hpp"

namespace meshrt::runtime {

class GoldenTable {
 public:
  GoldenTable(const binary::Binary& binary, size_t program_index, uint64_t seed, InitKind init,
              uint32_t ones_density = 1);
  // Goldens of user inputs: `inputs` must be complete on this rank (the host tensor of each
  // whole input and every device's shard of each presharded one), else every result counts as
  // unchecked with the reason in unavailable().
  GoldenTable(const binary::Binary& binary, size_t program_index,
              const std::vector<TensorValue>& inputs);

  // Golden of `key` on `device`, or null when none is known.
  const HostTensor* find(const std::string& key, uint32_t device) const;
  // Golden of a whole host value (stored for every device, or for device 0).
  const HostTensor* find_host(const std::string& key) const;
  bool stored() const { return stored_; }
  // Why no goldens could be had ("" when they could).
  const std::string& unavailable() const { return unavailable_; }

 private:
  void index(const binary::ProgramGoldens& goldens);
  // Asks the installed golden source (golden_source.hpp); what it cannot give counts as
  // unavailable.
  void compute(const binary::Binary& bin, size_t program_index,
               const binary::GoldenRequest& request);

  bool stored_ = true;
  std::string unavailable_;
  binary::ProgramGoldens computed_;
  std::map<std::string, std::map<uint32_t, const HostTensor*>> index_;
};

}  // namespace meshrt::runtime
