// Reading untrusted bytes (binaries, system descriptions, command messages, config files).
//
// A flatbuffers Verifier proves that offsets stay inside the buffer, not that an optional
// field, table or union value a reader needs is there. Every such read goes through present(),
// which turns an absent one into the reader's clear error instead of a null dereference; sizes
// that a reader would allocate go through checked_bytes() first.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

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

// The elements of a flatbuffers vector of scalars (empty when absent), copied bytewise: in
// crafted bytes a vector of 8-byte scalars may sit on a 4-byte boundary, which the Verifier
// allows but an in-place read does not.
template <typename T, typename FbVector>
std::vector<T> scalars(const FbVector* v) {
  using E = typename FbVector::value_type;
  if (!v) return {};
  std::vector<E> raw(v->size());
  if (!raw.empty()) std::memcpy(raw.data(), v->Data(), raw.size() * sizeof(E));
  if constexpr (std::is_same_v<T, E>) {
    return raw;
  } else {
    return std::vector<T>(raw.begin(), raw.end());
  }
}

// `bytes`, or a copy of them in `storage` when they do not start on an 8-byte boundary:
// flatbuffers reads scalars in place, and its Verifier checks alignment only relative to the
// start of the buffer.
std::span<const uint8_t> aligned(std::span<const uint8_t> bytes, std::vector<uint8_t>& storage);

// Offset of the first byte of `text` that does not belong to a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points past U+10FFFF included), or npos. Names, locs and
// sources end up in JSON result files, which hold only UTF-8.
size_t invalid_utf8_at(std::string_view text);

// `text` when it is UTF-8, else Error(code, "<where>: <what> is not UTF-8 text (byte N)").
const std::string& utf8_text(const std::string& text, ErrorCode code, std::string_view where,
                             std::string_view what);

}  // namespace meshrt
