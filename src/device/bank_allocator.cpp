// First-fit bank allocator over an address-ordered block list (see bank_allocator.hpp).
#include "meshrt/device/bank_allocator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <iterator>

#include "meshrt/common/error.hpp"

namespace meshrt::device {

BankAllocator::BankAllocator(uint32_t num_banks, uint64_t bytes_per_bank, uint64_t alignment)
    : num_banks_(num_banks), alignment_(alignment) {
  if (alignment == 0 || !std::has_single_bit(alignment))
    raise(ErrorCode::kInvalidArgument,
          fmt::format("bank alignment {} is not a power of two", alignment));
  if (num_banks == 0 && bytes_per_bank != 0)
    raise(ErrorCode::kInvalidArgument, "a bank allocator with bytes needs at least one bank");
  bytes_per_bank_ = bytes_per_bank & ~(alignment - 1);
  if (bytes_per_bank_ > 0) blocks_.emplace(0, Block{bytes_per_bank_, false});
}

uint64_t BankAllocator::align_up(uint64_t bytes) const {
  return (bytes + alignment_ - 1) & ~(alignment_ - 1);
}

std::optional<uint64_t> BankAllocator::allocate(uint64_t bytes_per_bank) {
  if (bytes_per_bank == 0 || bytes_per_bank > bytes_per_bank_) return std::nullopt;
  uint64_t size = align_up(bytes_per_bank);
  for (auto it = blocks_.begin(); it != blocks_.end(); ++it) {
    Block& block = it->second;
    if (block.allocated || block.size < size) continue;
    uint64_t address = it->first;
    if (block.size > size)
      blocks_.emplace_hint(std::next(it), address + size, Block{block.size - size, false});
    block.size = size;
    block.allocated = true;
    allocated_ += size;
    return address;
  }
  return std::nullopt;
}

bool BankAllocator::deallocate(uint64_t address) {
  auto it = blocks_.find(address);
  if (it == blocks_.end() || !it->second.allocated) return false;
  it->second.allocated = false;
  allocated_ -= it->second.size;
  auto next = std::next(it);
  if (next != blocks_.end() && !next->second.allocated) {
    it->second.size += next->second.size;
    blocks_.erase(next);
  }
  if (it != blocks_.begin()) {
    auto prev = std::prev(it);
    if (!prev->second.allocated) {
      prev->second.size += it->second.size;
      blocks_.erase(it);
    }
  }
  return true;
}

uint64_t BankAllocator::largest_free_block() const {
  uint64_t largest = 0;
  for (const auto& [address, block] : blocks_)
    if (!block.allocated) largest = std::max(largest, block.size);
  return largest;
}

std::vector<MemoryBlock> BankAllocator::block_table() const {
  std::vector<MemoryBlock> table;
  table.reserve(blocks_.size());
  for (const auto& [address, block] : blocks_)
    table.push_back(MemoryBlock{address, block.size, block.allocated});
  return table;
}

BankStats BankAllocator::stats() const {
  BankStats stats;
  stats.num_banks = num_banks_;
  stats.total_bytes_per_bank = bytes_per_bank_;
  stats.total_bytes_allocated_per_bank = allocated_;
  stats.total_bytes_free_per_bank = free_bytes_per_bank();
  stats.largest_contiguous_bytes_free_per_bank = largest_free_block();
  stats.block_table = block_table();
  return stats;
}

}  // namespace meshrt::device
