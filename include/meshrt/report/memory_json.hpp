// memory_results.json fragments: a chip's memory view as JSON text (keys as in ttrt's memory
// report: dram | l1 | l1_small | trace, each with num_banks, total_bytes_per_bank,
// total_bytes_allocated_per_bank, total_bytes_free_per_bank,
// largest_contiguous_bytes_free_per_bank, block_table), and back.
#pragma once

#include <string>
#include <string_view>

#include "meshrt/device/device.hpp"

namespace meshrt::report {

std::string memory_view_to_json(const device::MemoryView& view);
// Throws Error(kInvalidArgument) if the text is not a memory view.
device::MemoryView memory_view_from_json(std::string_view text);

}  // namespace meshrt::report
