// Cluster descriptions (`--cluster F.json`, configs/clusters, the TT_CLUSTER of a launch).
// Property: whatever loads is valid and writes out to JSON that loads back to the same text.
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "meshrt/mesh/cluster.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshrt;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ClusterDesc c;
  if (fuzz::refused([&] { c = cluster_from_json_text(text, "fuzz.json"); })) return 0;
  fuzz::expect(!fuzz::refused([&] { validate_cluster(c); }), "a loaded cluster is valid");
  std::string once = cluster_to_json_text(c);
  ClusterDesc back;
  bool loads = !fuzz::refused([&] { back = cluster_from_json_text(once, "again.json"); });
  fuzz::expect(loads, "a written cluster loads back");
  fuzz::expect(cluster_to_json_text(back) == once, "the cluster survives the round trip");
  return 0;
}
