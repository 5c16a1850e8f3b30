#include "meshrt/runtime/memory_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <set>

#include "meshrt/binary/inputs.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/device/tensor_bytes.hpp"

namespace meshrt::runtime {

namespace {

bool is_mesh_shard(const binary::Op& op, const char* direction) {
  return op.name == "mesh_shard" && op.string_attr("shard_direction") == direction &&
         op.string_attr("shard_type") != "identity";
}

}  // namespace

std::vector<bool> host_only_values(const binary::Program& p) {
  std::vector<bool> host(p.values.size(), false);
  for (uint32_t id : p.inputs) host[id] = !p.values[id].presharded;
  for (const binary::Op& op : p.ops) {
    if (is_mesh_shard(op, "shard_to_full")) host[op.results.at(0)] = true;
  }
  // Any other use puts the value on the chips (or, for a call, may).
  for (const binary::Op& op : p.ops) {
    if (is_mesh_shard(op, "full_to_shard")) continue;
    for (uint32_t id : op.operands) host[id] = false;
  }
  return host;
}

uint64_t host_value_bytes(const binary::Program& p) {
  const std::vector<bool> host = host_only_values(p);
  uint64_t total = 0;
  for (uint32_t id = 0; id < p.values.size(); ++id) {
    if (host[id]) total += static_cast<uint64_t>(volume(p.values[id].shape)) * element_size(p.values[id].dtype);
  }
  return total;
}

namespace {

// The largest sum of bytes of the values live at once, leaving out the values `skip` marks.
uint64_t peak_bytes(const binary::Program& p, const std::vector<bool>& skip) {
  auto bytes = [&](uint32_t id) -> uint64_t {
    if (skip[id]) return 0;
    const auto& d = p.values[id];
    return device::tensor_device_bytes(binary::storage_shape(binary::input_shape(d), d.layout),
                                       d.dtype, binary::is_tiled(d.layout));
  };
  std::set<uint32_t> live(p.inputs.begin(), p.inputs.end());
  uint64_t now = 0;
  for (uint32_t id : live) now += bytes(id);
  uint64_t peak = now;
  for (const auto& op : p.ops) {
    for (uint32_t id : op.results) {
      if (live.insert(id).second) now += bytes(id);
    }
    peak = std::max(peak, now);
    for (uint32_t id : op.frees) {
      if (live.erase(id)) now -= bytes(id);
    }
  }
  return peak;
}

}  // namespace

uint64_t peak_device_bytes(const binary::Program& p) {
  return peak_bytes(p, host_only_values(p));  // host-only values are never on a chip
}

uint64_t usable_dram_bytes(const ChipDesc& chip) {
  uint64_t total = static_cast<uint64_t>(chip.dram_channels) * chip.dram_bytes_per_channel;
  return total > chip.trace_region_bytes ? total - chip.trace_region_bytes : 0;
}

void check_program_fits(const binary::Program& program, const ChipDesc& chip) {
  uint64_t need = peak_device_bytes(program);
  uint64_t have = usable_dram_bytes(chip);
  if (need > have) {
    raise(ErrorCode::kOutOfMemory,
          fmt::format("program '{}' needs {} bytes of DRAM per chip at its peak but a {} chip has "
                      "{}: out of dram memory",
                      program.name, need, chip.arch, have));
  }
}

uint64_t host_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

void check_host_fits(const binary::Program& program, size_t local_chips, int rank) {
  const uint64_t available = host_available_bytes();
  if (available == 0) return;
  // Every local chip at its peak, leaving out the generated presharded arguments no op reads
  // whole and their views (made row by row as read: HostTensor::generated), and on rank 0 the
  // whole host values.
  std::vector<bool> skip = host_only_values(program);
  const std::vector<bool> untouched = binary::untouched_values(program);
  std::vector<bool> whole_input(program.values.size(), false);
  for (uint32_t id : program.inputs) whole_input[id] = !program.values[id].presharded;
  for (uint32_t id = 0; id < skip.size(); ++id) {
    skip[id] = skip[id] || (untouched[id] && !whole_input[id]);
  }
  const uint64_t need =
      peak_bytes(program, skip) * local_chips + (rank == 0 ? host_value_bytes(program) : 0);
  if (need > available / 10 * 9) {
    raise(ErrorCode::kOutOfMemory,
          fmt::format("rank {}: program '{}' would keep {} MiB of tensors for this rank's {} "
                      "chip(s) in host memory, but the host has {} MiB available; run it over "
                      "more ranks (mpirun -np / tt-run --np) or hosts",
                      rank, program.name, need >> 20, local_chips, available >> 20));
  }
}

}  // namespace meshrt::runtime
