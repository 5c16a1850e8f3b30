#include "debugger.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "meshrt/common/error.hpp"
#include "meshrt/report/golden.hpp"
#include "meshrt/runtime/debug.hpp"

namespace meshrt::cli {

namespace rt = tt::runtime;

namespace {

struct Stats {
  double min = 0, max = 0, mean = 0;
};

Stats stats_of(const HostTensor& t) {
  Stats s;
  if (t.volume() == 0) return s;
  s.min = s.max = t.at(0);
  double sum = 0;
  for (int64_t i = 0; i < t.volume(); ++i) {
    double v = t.at(i);
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    sum += v;
  }
  s.mean = sum / static_cast<double>(t.volume());
  return s;
}

void print_output(std::ostream& out, rt::Binary bin, rt::CallbackContext p, rt::OpContext op,
                  size_t k, const report::GoldenOptions& tol) {
  auto shards = rt::getOpOutputTensor(op, p, k);
  auto goldens = rt::getDebugInfoGolden(bin, binary::golden_key(rt::getOpLocInfo(op), k));
  std::vector<uint32_t> ids;
  for (const auto& [d, t] : shards) ids.push_back(d);
  std::sort(ids.begin(), ids.end());
  for (uint32_t d : ids) {
    rt::Tensor tensor = shards[d];
    const HostTensor& host = *rt::getHostTensor(tensor);
    Stats s = stats_of(host);
    std::string line =
        fmt::format("  output {} device {}: {} {} min {:.6g} max {:.6g} mean {:.6g}", k, d,
                    shape_to_string(host.shape()), mlir_name(host.dtype()), s.min, s.max, s.mean);
    auto g = goldens.count(d) ? goldens.find(d) : goldens.find(binary::Golden::kAllDevices);
    if (g != goldens.end()) {
      report::GoldenMetrics m = report::compare(*rt::getHostTensor(g->second), host, tol);
      line += fmt::format(" | golden: pcc {:.6f} allclose {} {}", m.actual_pcc, m.allclose,
                          m.passed ? "PASS" : "FAIL");
    } else {
      line += " | no golden stored for this op";
    }
    out << line << "\n";
  }
}

}  // namespace

rt::debug::OpCallback make_debugger(std::istream& in, std::ostream& out,
                                    const RunOptions& options) {
  auto stepping = std::make_shared<bool>(true);
  report::GoldenOptions tol{options.pcc, options.atol, options.rtol};
  auto post = [&in, &out, stepping, tol](rt::Binary bin, rt::CallbackContext p, rt::OpContext op) {
    if (!*stepping) return;
    out << fmt::format("[debugger] after op {}: {}\n", rt::getOpLocInfo(op),
                       rt::getOpDebugString(op));
    for (;;) {
      out << "(ttrt-debug) " << std::flush;
      std::string line;
      if (!std::getline(in, line)) {
        out << "\n[debugger] end of input: continuing\n";
        *stepping = false;
        return;
      }
      std::istringstream words(line);
      std::string cmd;
      words >> cmd;
      if (cmd.empty() || cmd == "n" || cmd == "next") return;
      if (cmd == "c" || cmd == "continue") {
        *stepping = false;
        return;
      }
      if (cmd == "q" || cmd == "quit") raise(ErrorCode::kInvalidArgument, "debugger: quit");
      if (cmd == "p" || cmd == "print") {
        size_t k = 0;
        words >> k;
        try {
          print_output(out, bin, p, op, k, tol);
        } catch (const Error& e) {
          out << "  " << e.what() << "\n";
        }
        continue;
      }
      out << "  commands: n(ext), c(ontinue), p(rint) [output], q(uit)\n";
    }
  };
  return post;
}

}  // namespace meshrt::cli
