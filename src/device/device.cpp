// Simulated chip: banked memory accounting and a modelled clock (see device.hpp).
#include "meshrt/device/device.hpp"

#include <fmt/format.h>

#include "meshrt/common/error.hpp"

namespace meshrt::device {
namespace {

constexpr uint64_t kDramAlignment = 32;  // Wormhole DRAM_ALIGNMENT in tt-metal
constexpr uint64_t kL1Alignment = 16;    // L1_ALIGNMENT in tt-metal (all architectures)

uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

ChipDesc checked(DeviceId id, const ChipDesc& chip) {
  auto bad = [&](const std::string& what) {
    raise(ErrorCode::kInvalidArgument, fmt::format("device {}: {}", id.value, what));
  };
  if (chip.grid_x == 0 || chip.grid_y == 0) bad("the Tensix grid is empty");
  if (chip.dram_channels == 0) bad("the chip has no DRAM channels");
  if (chip.l1_small_bytes > chip.l1_bytes_per_core)
    bad(fmt::format("l1_small_bytes {} exceeds l1_bytes_per_core {}", chip.l1_small_bytes,
                    chip.l1_bytes_per_core));
  if (chip.trace_region_bytes / chip.dram_channels > chip.dram_bytes_per_channel)
    bad(fmt::format("trace_region_bytes {} exceeds the DRAM", chip.trace_region_bytes));
  return chip;
}

// The trace region split over the DRAM banks, each share rounded up to the bank alignment so
// the region holds at least what was asked.
uint64_t trace_bytes_per_bank(const ChipDesc& chip) {
  const uint64_t share = (chip.trace_region_bytes + chip.dram_channels - 1) / chip.dram_channels;
  return (share + kDramAlignment - 1) & ~(kDramAlignment - 1);
}

}  // namespace

std::string_view to_string(BufferType type) {
  switch (type) {
    case BufferType::kDram:
      return "dram";
    case BufferType::kL1:
      return "l1";
    case BufferType::kL1Small:
      return "l1_small";
    case BufferType::kTrace:
      return "trace";
  }
  return "unknown";
}

uint64_t buffer_alignment(BufferType type) {
  return type == BufferType::kDram || type == BufferType::kTrace ? kDramAlignment : kL1Alignment;
}

const BankStats& MemoryView::of(BufferType type) const {
  switch (type) {
    case BufferType::kDram:
      return dram;
    case BufferType::kL1:
      return l1;
    case BufferType::kL1Small:
      return l1_small;
    case BufferType::kTrace:
      return trace;
  }
  return dram;
}

Device::Device(DeviceId id, const ChipDesc& chip)
    : id_(id),
      chip_(checked(id, chip)),
      dram_(chip.dram_channels, chip.dram_bytes_per_channel - trace_bytes_per_bank(chip),
            kDramAlignment),
      l1_(chip.grid_x * chip.grid_y, chip.l1_bytes_per_core - chip.l1_small_bytes, kL1Alignment),
      l1_small_(chip.grid_x * chip.grid_y, chip.l1_small_bytes, kL1Alignment),
      trace_(chip.dram_channels, trace_bytes_per_bank(chip), kDramAlignment) {}

BankAllocator& Device::allocator_of(BufferType type) {
  switch (type) {
    case BufferType::kDram:
      return dram_;
    case BufferType::kL1:
      return l1_;
    case BufferType::kL1Small:
      return l1_small_;
    case BufferType::kTrace:
      return trace_;
  }
  raise(ErrorCode::kInvalidArgument, "unknown buffer type");
}

const BankAllocator& Device::allocator(BufferType type) const {
  return const_cast<Device*>(this)->allocator_of(type);
}

BufferHandle Device::allocate(BufferType type, uint64_t size_bytes, uint64_t page_size) {
  if (page_size == 0)
    raise(ErrorCode::kInvalidArgument,
          fmt::format("device {}: {} buffer of {} bytes has page size 0", id_.value,
                      to_string(type), size_bytes));
  BankAllocator& banks = allocator_of(type);
  BufferInfo info;
  info.type = type;
  info.size_bytes = size_bytes;
  info.page_size = page_size;
  info.aligned_page_size = banks.align_up(page_size);
  info.num_pages = ceil_div(size_bytes, page_size);
  if (info.num_pages > 0) {
    info.pages_per_bank = ceil_div(info.num_pages, std::max<uint32_t>(banks.num_banks(), 1));
    bool overflows =
        info.aligned_page_size == 0 || info.pages_per_bank > UINT64_MAX / info.aligned_page_size;
    info.bytes_per_bank = overflows ? UINT64_MAX : info.pages_per_bank * info.aligned_page_size;
    std::optional<uint64_t> address =
        overflows || banks.num_banks() == 0 ? std::nullopt : banks.allocate(info.bytes_per_bank);
    if (!address) raise_out_of_memory(type, info);
    info.address = *address;
  }
  BufferHandle handle{next_buffer_id_++};
  buffers_.emplace(handle.id, info);
  return handle;
}

void Device::raise_out_of_memory(BufferType type, const BufferInfo& asked) const {
  const BankAllocator& banks = allocator(type);
  raise(ErrorCode::kOutOfMemory,
        fmt::format("device {}: out of {} memory: asked {} bytes ({} pages of {} bytes, {} bytes "
                    "in each of {} banks); free {} bytes per bank ({} total), largest free "
                    "block {} bytes per bank",
                    id_.value, to_string(type), asked.size_bytes, asked.num_pages, asked.page_size,
                    asked.bytes_per_bank, banks.num_banks(), banks.free_bytes_per_bank(),
                    banks.free_bytes_per_bank() * banks.num_banks(), banks.largest_free_block()));
}

const BufferInfo& Device::buffer_info(BufferHandle handle) const {
  auto it = buffers_.find(handle.id);
  if (it != buffers_.end()) return it->second;
  if (handle.id != 0 && handle.id < next_buffer_id_)
    raise(ErrorCode::kInvalidArgument,
          fmt::format("device {}: buffer {} was already freed", id_.value, handle.id));
  raise(ErrorCode::kNotFound,
        fmt::format("device {}: unknown buffer handle {}", id_.value, handle.id));
}

void Device::deallocate(BufferHandle handle) {
  const BufferInfo& info = buffer_info(handle);
  if (info.num_pages > 0 && !allocator_of(info.type).deallocate(info.address))
    raise(ErrorCode::kInternal,
          fmt::format("device {}: buffer {} at {} address {} is missing from the block table",
                      id_.value, handle.id, to_string(info.type), info.address));
  buffers_.erase(handle.id);
}

PageLocation Device::page_location(BufferHandle handle, uint64_t page) const {
  const BufferInfo& info = buffer_info(handle);
  if (page >= info.num_pages)
    raise(ErrorCode::kInvalidArgument,
          fmt::format("device {}: page {} out of range for buffer {} with {} pages", id_.value,
                      page, handle.id, info.num_pages));
  uint32_t banks = allocator(info.type).num_banks();
  return PageLocation{static_cast<uint32_t>(page % banks),
                      info.address + (page / banks) * info.aligned_page_size};
}

MemoryView Device::memory_view() const {
  return MemoryView{id_, dram_.stats(), l1_.stats(), l1_small_.stats(), trace_.stats()};
}

}  // namespace meshrt::device
