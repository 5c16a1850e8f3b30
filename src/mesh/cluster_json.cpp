// Cluster descriptions to and from JSON (format described in cluster.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "meshrt/common/error.hpp"
#include "meshrt/mesh/cluster.hpp"

namespace meshrt {
namespace {

using nlohmann::json;

// Reads fields of one JSON document and names the source and the field path in every error.
class FieldReader {
 public:
  explicit FieldReader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("cluster file '{}': field '{}': {}", source_, field, what));
  }

  void expect_object(const json& value, const std::string& field) const {
    if (!value.is_object()) fail(field, fmt::format("expected an object, got {}", describe(value)));
  }

  void reject_unknown(const json& object, const std::string& prefix,
                      std::initializer_list<const char*> known) const {
    for (const auto& item : object.items()) {
      const std::string& key = item.key();
      bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return key == k; });
      if (!ok) fail(prefix + key, "unknown field");
    }
  }

  const json& required(const json& object, const char* key, const std::string& field) const {
    auto it = object.find(key);
    if (it == object.end()) fail(field, "missing required field");
    return *it;
  }

  uint64_t u64(const json& value, const std::string& field) const {
    if (!value.is_number_unsigned())
      fail(field, fmt::format("expected a non-negative integer, got {}", describe(value)));
    return value.get<uint64_t>();
  }

  uint32_t u32(const json& value, const std::string& field) const {
    uint64_t v = u64(value, field);
    if (v > UINT32_MAX) fail(field, fmt::format("{} does not fit in 32 bits", v));
    return static_cast<uint32_t>(v);
  }

  double number(const json& value, const std::string& field) const {
    if (!value.is_number()) fail(field, fmt::format("expected a number, got {}", describe(value)));
    return value.get<double>();
  }

  std::string string(const json& value, const std::string& field) const {
    if (!value.is_string()) fail(field, fmt::format("expected a string, got {}", describe(value)));
    return value.get<std::string>();
  }

  // [rows, cols] or "RxC".
  MeshShape shape(const json& value, const std::string& field) const {
    if (value.is_string()) {
      try {
        return parse_mesh_shape(value.get<std::string>());
      } catch (const Error& e) {
        fail(field, e.what());
      }
    }
    auto pair = u32_pair(value, field);
    if (pair.first == 0 || pair.second == 0)
      fail(field, fmt::format("shape {}x{} must be non-empty", pair.first, pair.second));
    return MeshShape{pair.first, pair.second};
  }

  std::pair<uint32_t, uint32_t> u32_pair(const json& value, const std::string& field) const {
    if (!value.is_array() || value.size() != 2)
      fail(field, fmt::format("expected [rows, cols], got {}", describe(value)));
    return {u32(value[0], field + "[0]"), u32(value[1], field + "[1]")};
  }

 private:
  static std::string describe(const json& value) {
    std::string text = value.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return fmt::format("{} {}", value.type_name(), text);
  }

  std::string source_;
};

ChipDesc read_chip(const FieldReader& in, const json& object) {
  in.expect_object(object, "chip");
  in.reject_unknown(
      object, "chip.",
      {"arch", "grid_x", "grid_y", "l1_bytes_per_core", "dram_channels", "dram_bytes_per_channel",
       "l1_small_bytes", "trace_region_bytes", "clock_ghz", "dram_bandwidth_gbs",
       "eth_bandwidth_gbs", "eth_hop_latency_ns", "matmul_tflops_bf16", "ccl_links"});
  // Fields a file leaves out keep the defaults of its arch.
  ChipDesc chip;
  if (auto it = object.find("arch"); it != object.end() && it->is_string() &&
                                     it->get<std::string>() == "blackhole") {
    chip = blackhole_chip();
  }
  auto field = [&](const char* key, auto& target, auto read) {
    auto it = object.find(key);
    if (it != object.end()) target = read(*it, std::string("chip.") + key);
  };
  auto u32 = [&](const json& v, const std::string& f) { return in.u32(v, f); };
  auto u64 = [&](const json& v, const std::string& f) { return in.u64(v, f); };
  auto num = [&](const json& v, const std::string& f) { return in.number(v, f); };
  field("arch", chip.arch, [&](const json& v, const std::string& f) { return in.string(v, f); });
  field("grid_x", chip.grid_x, u32);
  field("grid_y", chip.grid_y, u32);
  field("l1_bytes_per_core", chip.l1_bytes_per_core, u64);
  field("dram_channels", chip.dram_channels, u32);
  field("dram_bytes_per_channel", chip.dram_bytes_per_channel, u64);
  field("l1_small_bytes", chip.l1_small_bytes, u64);
  field("trace_region_bytes", chip.trace_region_bytes, u64);
  field("clock_ghz", chip.clock_ghz, num);
  field("dram_bandwidth_gbs", chip.dram_bandwidth_gbs, num);
  field("eth_bandwidth_gbs", chip.eth_bandwidth_gbs, num);
  field("eth_hop_latency_ns", chip.eth_hop_latency_ns, num);
  field("matmul_tflops_bf16", chip.matmul_tflops_bf16, num);
  field("ccl_links", chip.ccl_links, u32);
  return chip;
}

std::vector<HostDesc> read_hosts(const FieldReader& in, const json& array) {
  if (!array.is_array()) in.fail("hosts", "expected an array of hosts");
  std::vector<HostDesc> hosts;
  for (size_t i = 0; i < array.size(); ++i) {
    std::string at = fmt::format("hosts[{}]", i);
    const json& entry = array[i];
    in.expect_object(entry, at);
    in.reject_unknown(entry, at + ".", {"name", "offset", "shape"});
    HostDesc host;
    host.name = in.string(in.required(entry, "name", at + ".name"), at + ".name");
    auto offset = in.u32_pair(in.required(entry, "offset", at + ".offset"), at + ".offset");
    host.box.offset = MeshCoordinate{offset.first, offset.second};
    host.box.shape = in.shape(in.required(entry, "shape", at + ".shape"), at + ".shape");
    hosts.push_back(std::move(host));
  }
  return hosts;
}

// Grid links (if any) with explicit links replacing or adding pairs; sorted, a < b.
std::vector<EthLink> read_links(const FieldReader& in, const json& root, const MeshShape& mesh) {
  std::map<std::pair<uint32_t, uint32_t>, EthLink> by_pair;
  if (auto it = root.find("grid_link_count"); it != root.end())
    for (const EthLink& link : grid_links(mesh, in.u32(*it, "grid_link_count")))
      by_pair[{link.a.value, link.b.value}] = link;
  auto it = root.find("links");
  if (it != root.end()) {
    if (!it->is_array()) in.fail("links", "expected an array of {a, b, count}");
    std::set<std::pair<uint32_t, uint32_t>> explicit_pairs;
    for (size_t i = 0; i < it->size(); ++i) {
      std::string at = fmt::format("links[{}]", i);
      const json& entry = (*it)[i];
      in.expect_object(entry, at);
      in.reject_unknown(entry, at + ".", {"a", "b", "count"});
      uint32_t a = in.u32(in.required(entry, "a", at + ".a"), at + ".a");
      uint32_t b = in.u32(in.required(entry, "b", at + ".b"), at + ".b");
      uint32_t count = 1;
      if (auto c = entry.find("count"); c != entry.end()) count = in.u32(*c, at + ".count");
      auto key = std::minmax(a, b);
      if (!explicit_pairs.insert(key).second)
        in.fail(at, fmt::format("link {}-{} listed twice", a, b));
      by_pair[key] = EthLink{DeviceId{key.first}, DeviceId{key.second}, count};
    }
  }
  std::vector<EthLink> links;
  for (const auto& [key, link] : by_pair) links.push_back(link);
  return links;
}

nlohmann::ordered_json chip_to_json(const ChipDesc& chip) {
  return {{"arch", chip.arch},
          {"grid_x", chip.grid_x},
          {"grid_y", chip.grid_y},
          {"l1_bytes_per_core", chip.l1_bytes_per_core},
          {"dram_channels", chip.dram_channels},
          {"dram_bytes_per_channel", chip.dram_bytes_per_channel},
          {"l1_small_bytes", chip.l1_small_bytes},
          {"trace_region_bytes", chip.trace_region_bytes},
          {"clock_ghz", chip.clock_ghz},
          {"dram_bandwidth_gbs", chip.dram_bandwidth_gbs},
          {"eth_bandwidth_gbs", chip.eth_bandwidth_gbs},
          {"eth_hop_latency_ns", chip.eth_hop_latency_ns},
          {"matmul_tflops_bf16", chip.matmul_tflops_bf16},
          {"ccl_links", chip.ccl_links}};
}

}  // namespace

ClusterDesc cluster_from_json_text(std::string_view text, const std::string& source_name) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {  // syntax, bad UTF-8, numbers out of range
    raise(ErrorCode::kInvalidArgument,
          fmt::format("cluster file '{}': malformed JSON: {}", source_name, e.what()));
  }
  FieldReader in(source_name);
  if (!root.is_object())
    raise(ErrorCode::kInvalidArgument,
          fmt::format("cluster file '{}': expected a JSON object at the top level", source_name));
  in.reject_unknown(
      root, "",
      {"name", "mesh", "chip", "grid_link_count", "links", "hosts", "host_bandwidth_gbs"});
  ClusterDesc cluster;
  cluster.name = in.string(in.required(root, "name", "name"), "name");
  cluster.mesh = in.shape(in.required(root, "mesh", "mesh"), "mesh");
  if (auto it = root.find("chip"); it != root.end()) cluster.chip = read_chip(in, *it);
  cluster.links = read_links(in, root, cluster.mesh);
  if (auto it = root.find("hosts"); it != root.end())
    cluster.hosts = read_hosts(in, *it);
  else
    cluster.hosts = {HostDesc{"host0", MeshBox{MeshCoordinate{0, 0}, cluster.mesh}}};
  if (auto it = root.find("host_bandwidth_gbs"); it != root.end())
    cluster.host_bandwidth_gbs = in.number(*it, "host_bandwidth_gbs");
  try {
    validate_cluster(cluster);
  } catch (const Error& e) {
    raise(e.code(), fmt::format("cluster file '{}': {}", source_name, e.what()));
  }
  return cluster;
}

ClusterDesc load_cluster(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) raise(ErrorCode::kNotFound, fmt::format("cluster file '{}' not found", path));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad())
    raise(ErrorCode::kInvalidArgument, fmt::format("cluster file '{}' could not be read", path));
  return cluster_from_json_text(text.str(), path);
}

std::string cluster_to_json_text(const ClusterDesc& cluster) {
  nlohmann::ordered_json root;
  root["name"] = cluster.name;
  root["mesh"] = {cluster.mesh.rows, cluster.mesh.cols};
  root["chip"] = chip_to_json(cluster.chip);
  root["links"] = nlohmann::ordered_json::array();
  for (const EthLink& link : cluster.links)
    root["links"].push_back({{"a", link.a.value}, {"b", link.b.value}, {"count", link.count}});
  root["hosts"] = nlohmann::ordered_json::array();
  for (const HostDesc& host : cluster.hosts)
    root["hosts"].push_back({{"name", host.name},
                             {"offset", {host.box.offset.row, host.box.offset.col}},
                             {"shape", {host.box.shape.rows, host.box.shape.cols}}});
  root["host_bandwidth_gbs"] = cluster.host_bandwidth_gbs;
  return root.dump(2) + "\n";
}

}  // namespace meshrt
