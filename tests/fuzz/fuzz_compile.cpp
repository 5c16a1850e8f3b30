// The MLIR front end: parse, verify and compile (reference interpreter included, inputs capped
// at 1 MiB) any text. Property: whatever compiles serializes and loads back through the
// runtime's loader (verify::load_verified) unchanged in program count.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/verify/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshrt;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  compiler::CompileOptions o;
  o.path = "fuzz.mlir";
  o.golden_input_limit_bytes = 1 << 20;
  o.golden_budget_bytes = 1 << 20;
  o.warnings = &warnings;
  binary::Binary bin;
  if (fuzz::refused([&] { bin = compiler::compile_mlir(text, o); })) return 0;
  std::vector<uint8_t> bytes = binary::serialize(bin);
  binary::Binary back;
  bool loads = !fuzz::refused([&] { back = verify::load_verified(bytes, "fuzz.ttnn"); });
  fuzz::expect(loads, "a compiled binary loads back");
  fuzz::expect(back.programs.size() == bin.programs.size(),
               "program count survives the round trip");
  return 0;
}
