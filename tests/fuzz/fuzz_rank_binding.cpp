// tt-run rank-binding YAML (tt-metal's shape). Any text is a binding or a meshrt::Error; the
// cluster file it names is looked up but not required to exist.
#include <string>

#include "fuzz_util.hpp"
#include "launcher/rank_binding.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  meshrt::fuzz::refused([&] { meshrt::launcher::parse_rank_binding(text, "/tmp/fuzz.yaml"); });
  return 0;
}
