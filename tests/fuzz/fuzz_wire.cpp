// Controller/worker messages as a worker or rank 0 decodes them. The first byte picks the
// decoder (command, response, op output); the rest is the message. Property: a decoded
// command encodes and decodes again to the same encoding.
#include "fuzz_util.hpp"
#include "wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshrt::runtime;
  if (size == 0) return 0;
  std::span<const uint8_t> msg(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      wire::Command c;
      if (meshrt::fuzz::refused([&] { c = wire::decode_command(msg); })) return 0;
      std::vector<uint8_t> once = wire::encode(c, nullptr);
      std::vector<uint8_t> twice = wire::encode(wire::decode_command(once), nullptr);
      meshrt::fuzz::expect(once == twice, "a command re-encodes to the same bytes");
      break;
    }
    case 1:
      meshrt::fuzz::refused([&] { wire::decode_response(msg, 1); });
      break;
    default:
      meshrt::fuzz::refused([&] { wire::decode_value(msg, 1); });
  }
  return 0;
}
