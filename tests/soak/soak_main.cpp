// Soak: `ttrt run DIR` (the CLI library, exactly what the ttrt executable runs) for PASSES passes
// over a directory of binaries, in one process or under mpirun (rank 0 drives, the others
// serve, as in `mpirun ttrt run`). After every pass each rank samples what it holds: resident
// memory (after returning free heap pages to the system), heap bytes in use, threads and open
// file descriptors; rank 0 gathers the samples, prints them per pass and rank, and every rank
// exits 1 if any figure grew after the warm-up pass by more than the allowance.
//
// Usage: soak_main PASSES ALLOWANCE_MIB DIR [ttrt run flags...]
#include <dirent.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "meshrt/cli/cli.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/comm/mpi.hpp"
#include "meshrt/runtime/runtime.hpp"

namespace {

struct Sample {
  uint64_t rss_kib = 0, heap_kib = 0, threads = 0, fds = 0;
};

uint64_t entries(const char* dir) {
  uint64_t n = 0;
  if (DIR* d = opendir(dir)) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

Sample sample() {
  malloc_trim(0);
  Sample s;
  struct mallinfo2 m = mallinfo2();
  s.heap_kib = (m.uordblks + m.hblkhd) / 1024;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  s.threads = entries("/proc/self/task");
  s.fds = entries("/proc/self/fd") - 1;  // the directory stream itself
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace meshrt;
  if (argc < 4) {
    std::fprintf(stderr, "usage: soak_main PASSES ALLOWANCE_MIB DIR [ttrt run flags...]\n");
    return 2;
  }
  const int passes = std::atoi(argv[1]);
  const uint64_t allowance_kib = std::strtoull(argv[2], nullptr, 10) * 1024;
  std::vector<std::string> args{"ttrt", "run", argv[3], "--result-file", "soak_results.json"};
  for (int i = 4; i < argc; ++i) args.emplace_back(argv[i]);
  std::vector<char*> ttrt_argv;
  for (auto& a : args) ttrt_argv.push_back(a.data());
  ttrt_argv.push_back(nullptr);

  auto comm = comm::launched_by_mpirun() ? comm::make_mpi_world() : comm::make_single_process();
  const int ranks = comm->size();
  // samples[pass][rank]
  std::vector<std::vector<Sample>> samples;
  int failed_passes = 0;
  auto start = std::chrono::steady_clock::now();
  for (int pass = 0; pass < passes; ++pass) {
    int code = 0;
    if (comm->rank() == 0) {
      code = cli::run_ttrt(static_cast<int>(args.size()), ttrt_argv.data(), *comm);
      tt::runtime::shutdownWorkers();
    } else {
      code = cli::serve_ttrt(static_cast<int>(args.size()), ttrt_argv.data(), *comm);
    }
    tt::runtime::setCommunicator(nullptr);
    failed_passes += code != 0;
    Sample mine = sample();
    std::vector<comm::Bytes> all =
        comm->allgather({reinterpret_cast<const uint8_t*>(&mine), sizeof mine},
                        comm::Deadline::after(std::chrono::seconds(60)));
    std::vector<Sample>& row = samples.emplace_back(ranks);
    for (int r = 0; r < ranks; ++r) std::memcpy(&row[r], all[r].data(), sizeof(Sample));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<std::string> problems;
  if (failed_passes) problems.push_back(std::to_string(failed_passes) + " pass(es) did not pass");
  if (comm->rank() == 0) {
    std::printf("soak: %d passes over %s on %d rank(s) in %.1f s\n", passes, argv[3], ranks,
                seconds);
    std::printf("%5s %5s %10s %10s %8s %5s\n", "pass", "rank", "rss_kib", "heap_kib", "threads",
                "fds");
    for (int p = 0; p < passes; ++p) {
      for (int r = 0; r < ranks; ++r) {
        const Sample& s = samples[p][r];
        std::printf(
            "%5d %5d %10llu %10llu %8llu %5llu\n", p + 1, r,
            static_cast<unsigned long long>(s.rss_kib), static_cast<unsigned long long>(s.heap_kib),
            static_cast<unsigned long long>(s.threads), static_cast<unsigned long long>(s.fds));
      }
    }
  }
  // Under a sanitizer memory figures say nothing (ASan's allocator quarantines freed blocks and
  // keeps its own heap): LeakSanitizer checks leaks there; threads and fds are still checked.
  const bool sanitized = std::getenv("MESHRT_SANITIZER") != nullptr;
  if (sanitized && comm->rank() == 0) {
    std::printf("soak: under %s: memory growth not checked (LeakSanitizer checks leaks)\n",
                std::getenv("MESHRT_SANITIZER"));
  }
  // Pass 1 is the warm-up (caches, the logger, MPI's buffers); every later pass must stay there.
  for (int r = 0; r < ranks && passes > 1; ++r) {
    const Sample& warm = samples[0][r];
    for (int p = 1; p < passes; ++p) {
      const Sample& s = samples[p][r];
      auto grew = [&](const char* what, uint64_t now, uint64_t then, uint64_t allowed) {
        if (now > then + allowed) {
          problems.push_back("rank " + std::to_string(r) + " " + what + " grew from " +
                             std::to_string(then) + " to " + std::to_string(now) + " by pass " +
                             std::to_string(p + 1));
        }
      };
      if (!sanitized) {
        grew("rss_kib", s.rss_kib, warm.rss_kib, allowance_kib);
        grew("heap_kib", s.heap_kib, warm.heap_kib, allowance_kib);
      }
      grew("threads", s.threads, warm.threads, 0);
      grew("fds", s.fds, warm.fds, 0);
    }
  }
  if (comm->rank() == 0) {
    for (const auto& p : problems) std::printf("soak: FAIL: %s\n", p.c_str());
    std::printf("soak verdict: %s (%zu checks failed, allowance %llu MiB)\n",
                problems.empty() ? "flat" : "GROWING", problems.size(),
                static_cast<unsigned long long>(allowance_kib / 1024));
  }
  comm.reset();
  comm::finalize_mpi();
  return problems.empty() ? 0 : 1;
}
