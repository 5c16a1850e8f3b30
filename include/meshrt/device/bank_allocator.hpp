// A bank allocator: N equally sized memory banks sharing one address layout, as tt-metal's
// interleaved allocator keeps them. A buffer takes the same address range in every bank, so one
// sorted block list describes all banks.
//
// Only metadata is kept (a std::map of blocks): no memory of the simulated banks is ever
// reserved on the host, so a 12 GiB DRAM costs a few hundred bytes until buffers exist.
// Allocation is first-fit over the address-ordered block list; freeing coalesces a block with
// free neighbours. Not thread-safe: the owning Device is used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace meshrt::device {

// One entry of a bank's block table (the same table holds for every bank).
struct MemoryBlock {
  uint64_t address = 0;  // bytes from the start of the bank
  uint64_t size = 0;     // bytes
  bool allocated = false;
  friend bool operator==(const MemoryBlock&, const MemoryBlock&) = default;
};

// Usage of one kind of memory, named as in memory_results.json. Sizes in bytes, per bank.
struct BankStats {
  uint32_t num_banks = 0;
  uint64_t total_bytes_per_bank = 0;
  uint64_t total_bytes_allocated_per_bank = 0;
  uint64_t total_bytes_free_per_bank = 0;
  uint64_t largest_contiguous_bytes_free_per_bank = 0;
  std::vector<MemoryBlock> block_table;  // sorted by address, covering the whole bank
};

class BankAllocator {
 public:
  // `bytes_per_bank` is rounded down to `alignment` (a power of two). A zero-sized bank is
  // allowed and holds nothing.
  BankAllocator(uint32_t num_banks, uint64_t bytes_per_bank, uint64_t alignment);

  uint32_t num_banks() const { return num_banks_; }
  uint64_t bytes_per_bank() const { return bytes_per_bank_; }
  uint64_t alignment() const { return alignment_; }
  // `bytes` rounded up to the alignment.
  uint64_t align_up(uint64_t bytes) const;

  // Reserves align_up(bytes_per_bank) bytes (bytes_per_bank > 0) at the lowest address where
  // they fit, in every bank. Returns the address, or nullopt if no free block is large enough.
  std::optional<uint64_t> allocate(uint64_t bytes_per_bank);
  // Frees the block starting at `address`. Returns false (and changes nothing) if no allocated
  // block starts there.
  bool deallocate(uint64_t address);

  uint64_t allocated_bytes_per_bank() const { return allocated_; }
  uint64_t free_bytes_per_bank() const { return bytes_per_bank_ - allocated_; }
  uint64_t largest_free_block() const;
  std::vector<MemoryBlock> block_table() const;
  BankStats stats() const;

 private:
  struct Block {
    uint64_t size = 0;
    bool allocated = false;
  };

  uint32_t num_banks_;
  uint64_t bytes_per_bank_;
  uint64_t alignment_;
  uint64_t allocated_ = 0;
  std::map<uint64_t, Block> blocks_;  // start address -> block; blocks tile [0, bytes_per_bank_)
};

}  // namespace meshrt::device
