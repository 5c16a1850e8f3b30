// Reading untrusted bytes (binaries, system descriptions, command messages, config files).
//
// A flatbuffers Verifier proves that offsets stay inside the buffer, not that an optional
// field, table or union value a reader needs is there. Every such read goes through present(),
// which turns an absent one into the reader's clear error instead of a null dereference; sizes
// that a reader would allocate go through checked_bytes() first.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string_view>

#include "meshrt/common/error.hpp"

namespace meshrt {

// *field, or Error(code, "<where>: <what> is missing").
template <typename T>
const T& present(const T* field, ErrorCode code, std::string_view where, std::string_view what) {
  if (!field) raise(code, fmt::format("{}: {} is missing", where, what));
  return *field;
}

// Bytes of `count` elements of `element_bytes` each, when that is at most `limit`; otherwise
// Error(code, "<where>: <what> ...") naming the count. Never overflows.
inline uint64_t checked_bytes(uint64_t count, uint64_t element_bytes, uint64_t limit,
                              ErrorCode code, std::string_view where, std::string_view what) {
  if (element_bytes != 0 && count > limit / element_bytes) {
    raise(code, fmt::format("{}: {} has {} elements of {} bytes, more than the {} bytes allowed",
                            where, what, count, element_bytes, limit));
  }
  return count * element_bytes;
}

}  // namespace meshrt
