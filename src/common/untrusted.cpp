#include "meshrt/common/untrusted.hpp"

namespace meshrt {

std::span<const uint8_t> aligned(std::span<const uint8_t> bytes, std::vector<uint8_t>& storage) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % 8 == 0) return bytes;
  storage.assign(bytes.begin(), bytes.end());  // operator new aligns to 16
  return storage;
}

size_t invalid_utf8_at(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return std::string_view::npos;
}

const std::string& utf8_text(const std::string& text, ErrorCode code, std::string_view where,
                             std::string_view what) {
  size_t at = invalid_utf8_at(text);
  if (at != std::string_view::npos) {
    raise(code, fmt::format("{}: {} is not UTF-8 text (byte {})", where, what, at));
  }
  return text;
}

}  // namespace meshrt
