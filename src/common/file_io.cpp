#include "meshrt/common/file_io.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "meshrt/common/error.hpp"

namespace meshrt {

namespace {
std::string read_raw(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    raise(ErrorCode::kInvalidArgument, fmt::format("{}: is a directory, expected a file", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    raise(ErrorCode::kNotFound, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::string raw = read_raw(path);
  return std::vector<uint8_t>(raw.begin(), raw.end());
}

std::string read_file_text(const std::string& path) { return read_raw(path); }

void write_file_atomic(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("{}: cannot write: {}", tmp, std::strerror(errno)));
    }
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) raise(ErrorCode::kInvalidArgument, fmt::format("{}: write failed", tmp));
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    raise(ErrorCode::kInvalidArgument, fmt::format("{}: cannot rename into place", path));
  }
}

}  // namespace meshrt
