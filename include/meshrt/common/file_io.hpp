// Whole-file reads and atomic writes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace meshrt {

// Throws Error(kNotFound) naming the path if it cannot be opened.
std::vector<uint8_t> read_file_bytes(const std::string& path);
std::string read_file_text(const std::string& path);

// Writes to "<path>.tmp.<pid>" then renames over `path`, so readers see the old or the new file,
// never a partial one. Creates parent directories. Throws Error(kInvalidArgument) on failure.
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace meshrt
