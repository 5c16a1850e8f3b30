// .ttsys system descriptions (`ttrt check --system-desc`, `ttrt read`). Property: whatever
// loads serializes and loads back to the same cluster.
#include "fuzz_util.hpp"
#include "meshrt/binary/system_desc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshrt;
  binary::SystemDesc d;
  if (fuzz::refused([&] { d = binary::deserialize_system_desc({data, size}, "fuzz.ttsys"); })) {
    return 0;
  }
  std::vector<uint8_t> again = binary::serialize_system_desc(d);
  binary::SystemDesc back;
  bool loads = !fuzz::refused([&] { back = binary::deserialize_system_desc(again, "again"); });
  fuzz::expect(loads, "a loaded system description loads back");
  fuzz::expect(cluster_to_json_text(back.cluster) == cluster_to_json_text(d.cluster),
               "the cluster survives the round trip");
  return 0;
}
