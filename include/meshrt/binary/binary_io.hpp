// Reading and writing meshrt binaries (.ttnn): size-prefixed flatbuffers with the file
// identifier "MRTB", a version and a schema hash checked at load.
//
// All functions are thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "meshrt/binary/program.hpp"

namespace meshrt::binary {

// Version of this build of meshrt; binaries record the version that wrote them.
Version current_version();
// SHA-256 of the schema text this build was generated from.
std::string current_schema_hash();

std::vector<uint8_t> serialize(const Binary& binary);

struct LoadOptions {
  // Accept binaries written by another version or schema (same major layout still required by
  // the flatbuffers Verifier).
  bool ignore_version = false;
};

// Verifies (flatbuffers Verifier, identifier, size prefix) then converts. `name` is used in
// errors. Throws Error(kInvalidArgument) for truncated/corrupted/foreign bytes and
// Error(kIncompatible) for a version or schema mismatch (unless ignore_version).
Binary deserialize(std::span<const uint8_t> bytes, const std::string& name,
                   const LoadOptions& options = {});

Binary load_binary_file(const std::string& path, const LoadOptions& options = {});
void save_binary_file(const std::string& path, const Binary& binary);  // atomic

// True if `bytes` start like a meshrt binary (size prefix + "MRTB"); no verification.
bool looks_like_binary(std::span<const uint8_t> bytes);

}  // namespace meshrt::binary
