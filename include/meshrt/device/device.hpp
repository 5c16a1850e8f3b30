// One simulated chip: four kinds of banked memory with real allocators and a modelled clock.
//
// Memory (bank counts and sizes from the ChipDesc):
//   DRAM      dram_channels banks of dram_bytes_per_channel - trace share, 32-byte aligned
//   TRACE     dram_channels banks of trace_region_bytes / dram_channels, 32-byte aligned
//   L1        grid_x * grid_y banks (one per Tensix core) of l1_bytes_per_core - l1_small_bytes,
//             16-byte aligned
//   L1_SMALL  grid_x * grid_y banks of l1_small_bytes, 16-byte aligned
// (alignments are Wormhole's DRAM_ALIGNMENT / L1_ALIGNMENT in tt-metal.)
//
// Buffers are interleaved: pages go round-robin over the banks (page p in bank p % num_banks,
// at address + (p / num_banks) * aligned page size). Every bank reserves room for
// ceil(num_pages / num_banks) pages at the same address, even if the last round leaves some
// banks one page short: simple, and what tt-metal's interleaved allocator does too.
//
// The Device only accounts for space; tensor bytes stay in the caller's HostTensor. Host memory
// use is a few map nodes per live buffer, never the size of the simulated memory.
//
// Thread-safety: a Device is used by one thread at a time (the rank's executor); it has no
// internal locking. Different Devices may be used from different threads.
#pragma once

#include <compare>
#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "meshrt/device/bank_allocator.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "meshrt/mesh/mesh.hpp"

namespace meshrt::device {

enum class BufferType { kDram, kL1, kL1Small, kTrace };

// "dram", "l1", "l1_small", "trace" (the memory_results.json keys).
std::string_view to_string(BufferType type);

// Byte alignment of addresses and page sizes in a buffer type: DRAM/TRACE 32, L1/L1_SMALL 16.
uint64_t buffer_alignment(BufferType type);

// Names one live buffer of one Device. Ids start at 1 and are never reused by a Device.
struct BufferHandle {
  uint64_t id = 0;
  friend bool operator==(BufferHandle, BufferHandle) = default;
  friend auto operator<=>(BufferHandle, BufferHandle) = default;
};

struct BufferInfo {
  BufferType type = BufferType::kDram;
  uint64_t address = 0;            // same offset in every bank
  uint64_t size_bytes = 0;         // as asked
  uint64_t page_size = 0;          // as asked
  uint64_t aligned_page_size = 0;  // page_size rounded up to the type's alignment
  uint64_t num_pages = 0;          // ceil(size_bytes / page_size)
  uint64_t pages_per_bank = 0;     // ceil(num_pages / num_banks)
  uint64_t bytes_per_bank = 0;     // pages_per_bank * aligned_page_size, reserved in each bank
};

struct PageLocation {
  uint32_t bank = 0;
  uint64_t address = 0;
  friend bool operator==(const PageLocation&, const PageLocation&) = default;
};

// Memory usage of one device, per buffer type (names as in memory_results.json).
struct MemoryView {
  DeviceId device;
  BankStats dram;
  BankStats l1;
  BankStats l1_small;
  BankStats trace;
  const BankStats& of(BufferType type) const;
};

class Device {
 public:
  // Throws Error(kInvalidArgument) if the chip's regions do not fit (L1_SMALL larger than L1,
  // trace region larger than DRAM, no banks).
  Device(DeviceId id, const ChipDesc& chip);
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  Device(Device&&) = default;
  Device& operator=(Device&&) = default;

  DeviceId id() const { return id_; }
  const ChipDesc& chip() const { return chip_; }

  // Reserves an interleaved buffer of `size_bytes` split into pages of `page_size` bytes.
  // size_bytes == 0 gives a valid handle that holds no bank space. Throws
  // Error(kInvalidArgument) if page_size == 0, Error(kOutOfMemory) naming the device, the
  // buffer type, the bytes asked, the bytes free and the largest free block if it does not fit.
  BufferHandle allocate(BufferType type, uint64_t size_bytes, uint64_t page_size);
  // Releases a buffer. Throws Error(kInvalidArgument) for a handle already freed,
  // Error(kNotFound) for a handle this device never gave out.
  void deallocate(BufferHandle handle);

  // Throws like deallocate for handles that are not live.
  const BufferInfo& buffer_info(BufferHandle handle) const;
  // Bank and address of page `page` of a live buffer; Error(kInvalidArgument) if out of range.
  PageLocation page_location(BufferHandle handle, uint64_t page) const;

  MemoryView memory_view() const;
  uint64_t live_buffer_count() const { return buffers_.size(); }
  const BankAllocator& allocator(BufferType type) const;

  // Modelled device time in nanoseconds since the device was opened.
  uint64_t clock_ns() const { return clock_ns_; }
  void advance_clock(uint64_t ns) { clock_ns_ += ns; }
  // Moves the clock forward to `ns` (never backward), e.g. to wait for a collective's peers.
  void sync_clock_to(uint64_t ns) {
    if (ns > clock_ns_) clock_ns_ = ns;
  }

 private:
  BankAllocator& allocator_of(BufferType type);
  [[noreturn]] void raise_out_of_memory(BufferType type, const BufferInfo& asked) const;

  DeviceId id_;
  ChipDesc chip_;
  BankAllocator dram_;
  BankAllocator l1_;
  BankAllocator l1_small_;
  BankAllocator trace_;
  std::unordered_map<uint64_t, BufferInfo> buffers_;
  uint64_t next_buffer_id_ = 1;
  uint64_t clock_ns_ = 0;
};

}  // namespace meshrt::device
