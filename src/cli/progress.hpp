// Progress for long runs (directories, many loops): one self-overwriting line on stderr, only
// on rank 0, only when stderr is a terminal and not under mpirun (which forwards a rank's
// output into logs), so logs and CI stay free of escape codes.
// Not thread-safe; used by the driving thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace meshrt::cli {

class Progress {
 public:
  // Active when `controller`, stdout is a terminal, and there is more than one step to show.
  Progress(bool controller, size_t files, uint32_t loops);
  ~Progress();
  bool active() const { return active_; }
  void update(size_t file_index, const std::string& file, uint32_t loop);
  // Clears the line (before printing results).
  void clear();

 private:
  bool active_ = false;
  size_t files_ = 0;
  uint32_t loops_ = 1;
  bool shown_ = false;
};

}  // namespace meshrt::cli
