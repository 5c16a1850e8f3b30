#include "meshrt/report/memory_json.hpp"

#include <nlohmann/json.hpp>

#include "meshrt/common/error.hpp"

namespace meshrt::report {

namespace {
using nlohmann::json;

json stats_json(const device::BankStats& s) {
  json blocks = json::array();
  for (const auto& b : s.block_table) {
    blocks.push_back({{"address", b.address}, {"size", b.size},
                      {"allocated", b.allocated ? "yes" : "no"}});
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
    s.block_table.push_back({b.at("address").get<uint64_t>(), b.at("size").get<uint64_t>(),
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
  } catch (const json::exception& e) {
    raise(ErrorCode::kInvalidArgument, std::string("malformed memory view: ") + e.what());
  }
}

}  // namespace meshrt::report
