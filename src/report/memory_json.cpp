#include "meshrt/report/memory_json.hpp"

#include <nlohmann/json.hpp>

#include "meshrt/common/error.hpp"

namespace meshrt::report {

namespace {
using nlohmann::json;

// tt-metal's block table: one entry per block in address order, every field a string, the
// blocks chained by prevID/nextID (-1 at the ends), as ttrt's memory report prints them.
json stats_json(const device::BankStats& s) {
  json blocks = json::array();
  const auto n = static_cast<int64_t>(s.block_table.size());
  for (int64_t i = 0; i < n; ++i) {
    const auto& b = s.block_table[static_cast<size_t>(i)];
    blocks.push_back({{"allocated", b.allocated ? "yes" : "no"},
                      {"nextID", std::to_string(i + 1 < n ? i + 1 : -1)},
                      {"prevID", std::to_string(i - 1)},
                      {"size", std::to_string(b.size)},
                      {"address", std::to_string(b.address)},
                      {"blockID", std::to_string(i)}});
  }
  return {{"num_banks", s.num_banks},
          {"total_bytes_per_bank", s.total_bytes_per_bank},
          {"total_bytes_allocated_per_bank", s.total_bytes_allocated_per_bank},
          {"total_bytes_free_per_bank", s.total_bytes_free_per_bank},
          {"largest_contiguous_bytes_free_per_bank", s.largest_contiguous_bytes_free_per_bank},
          {"block_table", blocks}};
}

device::BankStats stats_from(const json& j) {
  device::BankStats s;
  s.num_banks = j.at("num_banks").get<uint32_t>();
  s.total_bytes_per_bank = j.at("total_bytes_per_bank").get<uint64_t>();
  s.total_bytes_allocated_per_bank = j.at("total_bytes_allocated_per_bank").get<uint64_t>();
  s.total_bytes_free_per_bank = j.at("total_bytes_free_per_bank").get<uint64_t>();
  s.largest_contiguous_bytes_free_per_bank =
      j.at("largest_contiguous_bytes_free_per_bank").get<uint64_t>();
  for (const auto& b : j.at("block_table")) {
    s.block_table.push_back({std::stoull(b.at("address").get<std::string>()),
                             std::stoull(b.at("size").get<std::string>()),
                             b.at("allocated").get<std::string>() == "yes"});
  }
  return s;
}
}  // namespace

std::string memory_view_to_json(const device::MemoryView& v) {
  json j = {{"device_id", v.device.value},
            {"dram", stats_json(v.dram)},
            {"l1", stats_json(v.l1)},
            {"l1_small", stats_json(v.l1_small)},
            {"trace", stats_json(v.trace)}};
  return j.dump();
}

device::MemoryView memory_view_from_json(std::string_view text) {
  try {
    json j = json::parse(text);
    device::MemoryView v;
    v.device = DeviceId{j.at("device_id").get<uint32_t>()};
    v.dram = stats_from(j.at("dram"));
    v.l1 = stats_from(j.at("l1"));
    v.l1_small = stats_from(j.at("l1_small"));
    v.trace = stats_from(j.at("trace"));
    return v;
  } catch (const std::exception& e) {  // json errors, and std::stoull's on bad numbers
    raise(ErrorCode::kInvalidArgument, std::string("malformed memory view: ") + e.what());
  }
}

}  // namespace meshrt::report
