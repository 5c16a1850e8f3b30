// Helpers for benches that report a ratio against a reference measured in the same process:
// a Google Benchmark reporter that remembers each benchmark's time per iteration, and a
// printer for "ours vs reference" lines. Single-threaded use only.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace meshrt::bench {

class RememberingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    // With --benchmark_repetitions the median aggregate wins over single repetitions.
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      const double s = r.GetAdjustedRealTime() * time_scale(r.time_unit);
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") {
        seconds_[r.run_name.str()] = s;
        medians_.insert(r.run_name.str());
      } else if (r.run_type == Run::RT_Iteration && !medians_.count(r.run_name.str())) {
        seconds_[r.run_name.str()] = s;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // Seconds per iteration of a benchmark by its full name, or 0 if it did not run.
  double seconds(const std::string& name) const {
    auto it = seconds_.find(name);
    return it == seconds_.end() ? 0.0 : it->second;
  }

 private:
  static double time_scale(benchmark::TimeUnit u) {
    switch (u) {
      case benchmark::kNanosecond:
        return 1e-9;
      case benchmark::kMicrosecond:
        return 1e-6;
      case benchmark::kMillisecond:
        return 1e-3;
      case benchmark::kSecond:
        return 1.0;
    }
    return 1e-9;
  }
  std::map<std::string, double> seconds_;
  std::set<std::string> medians_;
};

// Prints "label: ours X, reference Y, ratio R (goal G)" where R = reference time / our time
// scaled by `work_ratio` (bytes or FLOPs ours moves per byte the reference moves).
inline void print_ratio(const RememberingReporter& rep, const std::string& label,
                        const std::string& ours, const std::string& reference, double work_ratio,
                        const std::string& goal) {
  const double a = rep.seconds(ours), b = rep.seconds(reference);
  if (a <= 0 || b <= 0) {
    std::printf("%-48s (not run)\n", label.c_str());
    return;
  }
  std::printf("%-48s ours %10.3f us  reference %10.3f us  ratio %.2f  (goal %s)\n", label.c_str(),
              a * 1e6, b * 1e6, b / a * work_ratio, goal.c_str());
}

}  // namespace meshrt::bench
