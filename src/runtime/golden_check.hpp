// Comparing a program's values with their goldens, the one place it is done: each op result
// after the op and each program output at the end, on the rank where the value lives.
#pragma once

#include <string>
#include <vector>

#include "device_values.hpp"
#include "golden_table.hpp"
#include "meshrt/report/golden.hpp"
#include "meshrt/runtime/executor.hpp"

namespace meshrt::runtime {

class GoldenChecker {
 public:
  GoldenChecker(const GoldenTable& goldens, const report::GoldenOptions& options, bool controller)
      : goldens_(goldens), options_(options), controller_(controller) {}

  // Compares `v` (its host tensor on rank 0, its shards here) with the goldens of `key` and
  // appends one result per comparison. A part with no golden adds one to `*unavailable` when
  // it is given.
  void check(const std::string& key, const Value& v, std::vector<OpGoldenResult>& out,
             uint64_t* unavailable = nullptr) const;

  // Rank 0, after the results are gathered: the K largest differences of each failed output.
  std::vector<GoldenDiff> output_diffs(const ProgramResult& result, bool single_chip,
                                       uint32_t k) const;

 private:
  const GoldenTable& goldens_;
  const report::GoldenOptions& options_;
  bool controller_;
};

// The K largest absolute and relative differences between `golden` and `got` (same volume).
GoldenDiff top_differences(const std::string& key, uint32_t device, const HostTensor& golden,
                           const HostTensor& got, uint32_t k);

}  // namespace meshrt::runtime
