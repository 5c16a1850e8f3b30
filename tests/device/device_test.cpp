// Device: bank layout from the chip, interleaved buffers, OOM and handle errors, memory view,
// clock.
#include "meshrt/device/device.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "common/expect_error.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::device {
namespace {

using meshrt::testing::expect_error;

ChipDesc small_chip() {
  ChipDesc chip;
  chip.grid_x = 2;
  chip.grid_y = 2;
  chip.l1_bytes_per_core = 64 * 1024;
  chip.l1_small_bytes = 4 * 1024;
  chip.dram_channels = 4;
  chip.dram_bytes_per_channel = 1 << 20;
  chip.trace_region_bytes = 4 * 8192;
  return chip;
}

TEST(Device, BankLayoutFollowsChip) {
  Device device(DeviceId{7}, ChipDesc{});
  MemoryView view = device.memory_view();
  EXPECT_EQ(view.device, DeviceId{7});
  EXPECT_EQ(view.dram.num_banks, 12u);
  EXPECT_EQ(view.dram.total_bytes_per_bank, 1ull << 30);
  EXPECT_EQ(view.l1.num_banks, 64u);
  EXPECT_EQ(view.l1.total_bytes_per_bank, (1464u - 32u) * 1024u);
  EXPECT_EQ(view.l1_small.num_banks, 64u);
  EXPECT_EQ(view.l1_small.total_bytes_per_bank, 32u * 1024u);
  EXPECT_EQ(view.trace.num_banks, 12u);
  EXPECT_EQ(view.trace.total_bytes_per_bank, 0u);
  EXPECT_EQ(view.of(BufferType::kL1Small).total_bytes_per_bank, 32u * 1024u);
}

TEST(Device, TraceRegionIsCarvedFromDram) {
  Device device(DeviceId{0}, small_chip());
  MemoryView view = device.memory_view();
  EXPECT_EQ(view.trace.total_bytes_per_bank, 8192u);
  EXPECT_EQ(view.dram.total_bytes_per_bank, (1u << 20) - 8192u);
  EXPECT_EQ(view.l1.total_bytes_per_bank, 60u * 1024u);
}

TEST(Device, AlignmentFacts) {
  EXPECT_EQ(buffer_alignment(BufferType::kDram), 32u);
  EXPECT_EQ(buffer_alignment(BufferType::kTrace), 32u);
  EXPECT_EQ(buffer_alignment(BufferType::kL1), 16u);
  EXPECT_EQ(buffer_alignment(BufferType::kL1Small), 16u);
  EXPECT_EQ(to_string(BufferType::kL1Small), "l1_small");
}

TEST(Device, InterleavedPagesGoRoundRobin) {
  Device device(DeviceId{0}, small_chip());  // 4 DRAM banks
  // 10 pages of 100 bytes (aligned to 128): ceil(10 / 4) = 3 pages per bank.
  BufferHandle buffer = device.allocate(BufferType::kDram, 1000, 100);
  const BufferInfo& info = device.buffer_info(buffer);
  EXPECT_EQ(info.num_pages, 10u);
  EXPECT_EQ(info.aligned_page_size, 128u);
  EXPECT_EQ(info.pages_per_bank, 3u);
  EXPECT_EQ(info.bytes_per_bank, 384u);
  EXPECT_EQ(device.page_location(buffer, 0), (PageLocation{0, info.address}));
  EXPECT_EQ(device.page_location(buffer, 3), (PageLocation{3, info.address}));
  EXPECT_EQ(device.page_location(buffer, 5), (PageLocation{1, info.address + 128}));
  EXPECT_EQ(device.page_location(buffer, 9), (PageLocation{1, info.address + 256}));
  std::vector<int> pages_in_bank(4, 0);
  for (uint64_t p = 0; p < info.num_pages; ++p)
    ++pages_in_bank[device.page_location(buffer, p).bank];
  EXPECT_EQ(pages_in_bank, (std::vector<int>{3, 3, 2, 2}));
  EXPECT_EQ(device.memory_view().dram.total_bytes_allocated_per_bank, 384u);
  expect_error([&] { device.page_location(buffer, 10); }, ErrorCode::kInvalidArgument,
               {"page 10", "10 pages"});
}

TEST(Device, BuffersDoNotOverlapAndFreeCoalesces) {
  Device device(DeviceId{0}, small_chip());
  BufferHandle a = device.allocate(BufferType::kL1, 4 * 2048, 2048);
  BufferHandle b = device.allocate(BufferType::kL1, 4 * 2048, 2048);
  BufferHandle c = device.allocate(BufferType::kL1, 4 * 2048, 2048);
  EXPECT_EQ(device.live_buffer_count(), 3u);
  EXPECT_EQ(device.buffer_info(b).address, device.buffer_info(a).address + 2048);
  device.deallocate(b);
  MemoryView view = device.memory_view();
  ASSERT_EQ(view.l1.block_table.size(), 4u);
  EXPECT_EQ(view.l1.block_table[1], (MemoryBlock{2048, 2048, false}));
  EXPECT_EQ(view.l1.largest_contiguous_bytes_free_per_bank, 60u * 1024u - 3 * 2048u);
  device.deallocate(a);
  device.deallocate(c);
  view = device.memory_view();
  EXPECT_EQ(view.l1.block_table, (std::vector<MemoryBlock>{{0, 60u * 1024u, false}}));
  EXPECT_EQ(device.live_buffer_count(), 0u);
}

TEST(Device, OutOfMemoryNamesDeviceTypeAndBytes) {
  Device device(DeviceId{5}, small_chip());
  device.allocate(BufferType::kL1, 4 * 40 * 1024, 1024);  // 40 KiB of 60 KiB per bank
  expect_error([&] { device.allocate(BufferType::kL1, 4 * 32 * 1024, 1024); },
               ErrorCode::kOutOfMemory,
               {"device 5", "l1", "asked 131072 bytes", "free 20480 bytes per bank",
                "largest free block 20480"});
  expect_error([&] { device.allocate(BufferType::kTrace, 1 << 20, 4096); }, ErrorCode::kOutOfMemory,
               {"device 5", "trace"});
  Device no_trace(DeviceId{1}, ChipDesc{});
  expect_error([&] { no_trace.allocate(BufferType::kTrace, 32, 32); }, ErrorCode::kOutOfMemory,
               {"device 1", "trace", "free 0 bytes"});
  EXPECT_EQ(device.live_buffer_count(), 1u);  // the failed allocations left nothing behind
}

TEST(Device, HugeRequestIsOutOfMemoryNotOverflow) {
  Device device(DeviceId{2}, small_chip());
  expect_error([&] { device.allocate(BufferType::kDram, UINT64_MAX, 1); }, ErrorCode::kOutOfMemory,
               {"device 2", "dram"});
}

TEST(Device, DoubleFreeAndUnknownHandle) {
  Device device(DeviceId{3}, small_chip());
  BufferHandle buffer = device.allocate(BufferType::kDram, 64, 32);
  device.deallocate(buffer);
  expect_error([&] { device.deallocate(buffer); }, ErrorCode::kInvalidArgument,
               {"device 3", "already freed"});
  expect_error([&] { device.deallocate(BufferHandle{99}); }, ErrorCode::kNotFound,
               {"device 3", "unknown buffer handle 99"});
  expect_error([&] { device.deallocate(BufferHandle{}); }, ErrorCode::kNotFound, {"unknown"});
  expect_error([&] { device.buffer_info(buffer); }, ErrorCode::kInvalidArgument, {"already freed"});
}

TEST(Device, ZeroSizeBufferAndBadPageSize) {
  Device device(DeviceId{0}, small_chip());
  BufferHandle empty = device.allocate(BufferType::kDram, 0, 2048);
  EXPECT_EQ(device.buffer_info(empty).num_pages, 0u);
  EXPECT_EQ(device.memory_view().dram.total_bytes_allocated_per_bank, 0u);
  device.deallocate(empty);
  expect_error([&] { device.allocate(BufferType::kL1, 64, 0); }, ErrorCode::kInvalidArgument,
               {"page size 0"});
}

TEST(Device, HandlesAreUniqueAndNotReused) {
  Device device(DeviceId{0}, small_chip());
  std::set<uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    BufferHandle h = device.allocate(BufferType::kDram, 32, 32);
    EXPECT_TRUE(ids.insert(h.id).second);
    device.deallocate(h);
  }
}

TEST(Device, RejectsChipsWhoseRegionsDoNotFit) {
  ChipDesc chip = small_chip();
  chip.l1_small_bytes = chip.l1_bytes_per_core * 2;
  expect_error([&] { Device(DeviceId{4}, chip); }, ErrorCode::kInvalidArgument,
               {"device 4", "l1_small_bytes"});
}

TEST(Device, Clock) {
  Device device(DeviceId{0}, small_chip());
  EXPECT_EQ(device.clock_ns(), 0u);
  device.advance_clock(150);
  device.advance_clock(50);
  EXPECT_EQ(device.clock_ns(), 200u);
  device.sync_clock_to(100);  // never backward
  EXPECT_EQ(device.clock_ns(), 200u);
  device.sync_clock_to(1000);
  EXPECT_EQ(device.clock_ns(), 1000u);
}

}  // namespace
}  // namespace meshrt::device
