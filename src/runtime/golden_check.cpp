#include "golden_check.hpp"

#include <algorithm>
#include <cmath>

namespace meshrt::runtime {

void GoldenChecker::check(const std::string& key, const Value& v, std::vector<OpGoldenResult>& out,
                          uint64_t* unavailable) const {
  auto compare = [&](const HostTensor* golden, uint32_t device, const HostTensor& got) {
    if (!golden) {
      if (unavailable) ++*unavailable;
      return;
    }
    out.push_back({key, device, report::compare(*golden, got, options_)});
  };
  if (v.host && controller_) {
    compare(goldens_.find_host(key), binary::Golden::kAllDevices, *v.host);
  }
  for (const auto& [d, shard] : v.shards) compare(goldens_.find(key, d.value), d.value, *shard->data);
}

std::vector<GoldenDiff> GoldenChecker::output_diffs(const ProgramResult& result, bool single_chip,
                                                    uint32_t k) const {
  std::vector<GoldenDiff> diffs;
  for (const OpGoldenResult& g : result.goldens) {
    if (g.metrics.passed || g.loc.rfind("output_", 0) != 0) continue;
    const size_t i = std::stoul(g.loc.substr(7));
    if (i >= result.outputs.size()) continue;
    const TensorValue& out = result.outputs[i];
    const bool host = g.device_id == binary::Golden::kAllDevices;
    const HostTensor* golden = host ? goldens_.find_host(g.loc) : goldens_.find(g.loc, g.device_id);
    std::shared_ptr<const HostTensor> got = host ? out.host : nullptr;
    if (!host && out.shards.count(DeviceId{g.device_id})) got = out.shards.at(DeviceId{g.device_id});
    if (!host && !got && out.host && single_chip) got = out.host;
    if (!golden || !got || golden->volume() != got->volume()) continue;
    diffs.push_back(top_differences(g.loc, g.device_id, *golden, *got, k));
  }
  return diffs;
}

GoldenDiff top_differences(const std::string& key, uint32_t device, const HostTensor& golden,
                           const HostTensor& got, uint32_t k) {
  GoldenDiff d;
  d.key = key;
  d.device_id = device;
  d.integer = !is_float(golden.dtype());
  std::vector<GoldenDiff::Entry> all(static_cast<size_t>(golden.volume()));
  for (int64_t i = 0; i < golden.volume(); ++i) {
    double g = golden.at(i), o = got.at(i);
    all[static_cast<size_t>(i)] = {g, o, std::fabs(g - o), i};
  }
  auto largest = [&](auto diff_of) {
    std::vector<GoldenDiff::Entry> v = all;
    for (auto& e : v) e.diff = diff_of(e);
    auto key_of = [](const GoldenDiff::Entry& e) { return std::isnan(e.diff) ? INFINITY : e.diff; };
    const size_t n = std::min<size_t>(k, v.size());
    std::partial_sort(v.begin(), v.begin() + static_cast<long>(n), v.end(),
                      [&](const auto& a, const auto& b) { return key_of(a) > key_of(b); });
    v.resize(n);
    return v;
  };
  d.absolute = largest([](const GoldenDiff::Entry& e) { return e.diff; });
  d.relative = largest([](const GoldenDiff::Entry& e) {
    return e.golden == 0 ? (e.diff == 0 ? 0.0 : INFINITY) : e.diff / std::fabs(e.golden);
  });
  return d;
}

}  // namespace meshrt::runtime
