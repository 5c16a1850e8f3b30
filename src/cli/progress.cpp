#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace meshrt::cli {

Progress::Progress(bool controller, size_t files, uint32_t loops)
    : active_(controller && isatty(STDERR_FILENO) && !std::getenv("OMPI_COMM_WORLD_SIZE") &&
              (files > 1 || loops > 1)),
      files_(files),
      loops_(loops) {}

Progress::~Progress() { clear(); }

void Progress::update(size_t file_index, const std::string& file, uint32_t loop) {
  if (!active_) return;
  std::string name = std::filesystem::path(file).filename().string();
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", file_index + 1, files_, name.c_str());
  if (loops_ > 1) std::fprintf(stderr, "  loop %u/%u", loop + 1, loops_);
  std::fflush(stderr);
  shown_ = true;
}

void Progress::clear() {
  if (!active_ || !shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace meshrt::cli
