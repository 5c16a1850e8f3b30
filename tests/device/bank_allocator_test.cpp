// BankAllocator: first fit, splitting, coalescing, alignment, block table, largest free block.
#include "meshrt/device/bank_allocator.hpp"

#include <gtest/gtest.h>

#include "meshrt/common/error.hpp"

namespace meshrt::device {
namespace {

using Table = std::vector<MemoryBlock>;

TEST(BankAllocator, StartsAsOneFreeBlock) {
  BankAllocator banks(4, 1024, 32);
  EXPECT_EQ(banks.num_banks(), 4u);
  EXPECT_EQ(banks.bytes_per_bank(), 1024u);
  EXPECT_EQ(banks.free_bytes_per_bank(), 1024u);
  EXPECT_EQ(banks.largest_free_block(), 1024u);
  EXPECT_EQ(banks.block_table(), (Table{{0, 1024, false}}));
}

TEST(BankAllocator, FirstFitSplitsAndAligns) {
  BankAllocator banks(2, 1024, 32);
  EXPECT_EQ(banks.allocate(100), 0u);  // rounded to 128
  EXPECT_EQ(banks.allocate(32), 128u);
  EXPECT_EQ(banks.allocate(1), 160u);  // rounded to 32
  EXPECT_EQ(banks.allocated_bytes_per_bank(), 192u);
  EXPECT_EQ(banks.free_bytes_per_bank(), 832u);
  EXPECT_EQ(banks.block_table(),
            (Table{{0, 128, true}, {128, 32, true}, {160, 32, true}, {192, 832, false}}));
  for (const MemoryBlock& block : banks.block_table()) EXPECT_EQ(block.address % 32, 0u);
}

TEST(BankAllocator, FreeCoalescesWithBothNeighbours) {
  BankAllocator banks(1, 1024, 16);
  uint64_t a = *banks.allocate(256);
  uint64_t b = *banks.allocate(256);
  uint64_t c = *banks.allocate(256);
  EXPECT_TRUE(banks.deallocate(a));
  EXPECT_TRUE(banks.deallocate(c));  // merges with the free tail
  EXPECT_EQ(banks.block_table(), (Table{{0, 256, false}, {256, 256, true}, {512, 512, false}}));
  EXPECT_EQ(banks.largest_free_block(), 512u);
  EXPECT_TRUE(banks.deallocate(b));  // merges with both sides
  EXPECT_EQ(banks.block_table(), (Table{{0, 1024, false}}));
  EXPECT_EQ(banks.allocated_bytes_per_bank(), 0u);
}

TEST(BankAllocator, HoleIsReusedFirstFit) {
  BankAllocator banks(1, 1024, 16);
  uint64_t a = *banks.allocate(256);
  *banks.allocate(256);
  banks.deallocate(a);
  EXPECT_EQ(banks.allocate(512), 512u);  // does not fit the 256-byte hole
  EXPECT_EQ(banks.allocate(128), 0u);    // fits the hole at the lowest address
  EXPECT_EQ(banks.largest_free_block(), 128u);
}

TEST(BankAllocator, FragmentationLimitsLargestBlock) {
  BankAllocator banks(1, 1024, 16);
  std::vector<uint64_t> blocks;
  for (int i = 0; i < 8; ++i) blocks.push_back(*banks.allocate(128));
  EXPECT_FALSE(banks.allocate(16).has_value());
  for (int i = 0; i < 8; i += 2) banks.deallocate(blocks[i]);
  EXPECT_EQ(banks.free_bytes_per_bank(), 512u);
  EXPECT_EQ(banks.largest_free_block(), 128u);
  EXPECT_FALSE(banks.allocate(256).has_value());
}

TEST(BankAllocator, DoubleFreeAndUnknownAddressAreRejected) {
  BankAllocator banks(1, 1024, 16);
  uint64_t a = *banks.allocate(64);
  EXPECT_FALSE(banks.deallocate(a + 16));
  EXPECT_TRUE(banks.deallocate(a));
  EXPECT_FALSE(banks.deallocate(a));
  EXPECT_EQ(banks.block_table(), (Table{{0, 1024, false}}));
}

TEST(BankAllocator, SizeRoundedDownToAlignmentAndZeroBanks) {
  BankAllocator odd(1, 1000, 32);
  EXPECT_EQ(odd.bytes_per_bank(), 992u);
  BankAllocator empty(12, 0, 32);
  EXPECT_TRUE(empty.block_table().empty());
  EXPECT_FALSE(empty.allocate(32).has_value());
  EXPECT_EQ(empty.stats().largest_contiguous_bytes_free_per_bank, 0u);
}

TEST(BankAllocator, StatsMatchAccessors) {
  BankAllocator banks(64, 4096, 16);
  banks.allocate(1000);
  BankStats stats = banks.stats();
  EXPECT_EQ(stats.num_banks, 64u);
  EXPECT_EQ(stats.total_bytes_per_bank, 4096u);
  EXPECT_EQ(stats.total_bytes_allocated_per_bank, 1008u);
  EXPECT_EQ(stats.total_bytes_free_per_bank, 4096u - 1008u);
  EXPECT_EQ(stats.largest_contiguous_bytes_free_per_bank, 4096u - 1008u);
  EXPECT_EQ(stats.block_table.size(), 2u);
}

TEST(BankAllocator, RejectsBadAlignment) {
  try {
    BankAllocator banks(1, 1024, 24);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("24"), std::string::npos);
  }
}

}  // namespace
}  // namespace meshrt::device
