// `ttrt perf`: `ttrt run` plus perf artifacts per binary under <artifact-dir>/<binary>/perf/:
// ops_perf_results.csv (a row per op per chip, all ranks; ttrt's columns), the filtered copies
// ttrt writes (ops_perf_results_minus_const_eval.csv, ..._minus_input_layout_conversions.csv,
// and the combination, or the one --filter asks for), trace.json (Chrome trace) and
// timeline_program_<i>.svg (with --data-parallel, one such set per sub-mesh under
// perf/submesh_<k>/); perf_results.json holds the run_results.json-style entries with the perf
// totals filled in (total_ttnn_api_duration_ns, total_device_kernel_duration_ns).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/report/perf_report.hpp"
#include "run_driver.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;

namespace {

// --filter: the CSV suffix and what it leaves out. Every row of a simulated program is neither
// a const-eval op nor an input layout conversion (meshrt runs neither), so the filtered files
// hold every row, as ttrt's would for such a program.
std::vector<std::string> filter_suffixes(const std::string& filter) {
  std::vector<std::string> out = {"minus_const_eval", "minus_input_layout_conversions"};
  if (filter.empty()) {
    out.push_back("minus_const_eval_and_input_layout_conversions");
    return out;
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= filter.size()) {
    size_t end = filter.find(',', start);
    if (end == std::string::npos) end = filter.size();
    std::string f = filter.substr(start, end - start);
    f.erase(std::remove(f.begin(), f.end(), ' '), f.end());
    std::transform(f.begin(), f.end(), f.begin(), ::tolower);
    if (f == "const_eval") {
      parts.push_back("const_eval");
    } else if (f == "input_layout_conversion") {
      parts.push_back("input_layout_conversions");
    } else if (!f.empty()) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("--filter '{}': unknown op kind (const_eval, input_layout_conversion)", f));
    }
    start = end + 1;
  }
  if (!parts.empty()) out.push_back("minus_" + fmt::format("{}", fmt::join(parts, "_and_")));
  return out;
}

}  // namespace

int cmd_perf(const PerfOptions& o, comm::Communicator& comm) {
  const std::vector<std::string> filtered = filter_suffixes(o.filter);
  struct BinaryRows {
    std::string file;                      // and sub-mesh directory
    std::vector<report::OpPerfRow> csv;    // as recorded
    std::vector<report::OpPerfRow> trace;  // loops renumbered so program runs follow each other
    uint32_t runs = 0;
  } current;
  auto write_perf = [&](const FinishedProgram& run, ProgramOutcome& outcome) {
    if (comm.rank() != 0) return;
    const std::string key = run.file + "/" + run.subdir;
    if (current.file != key) current = BinaryRows{key, {}, {}, 0};
    const auto& rows = run.result.perf;
    current.csv.insert(current.csv.end(), rows.begin(), rows.end());
    uint32_t loops = 0;
    for (auto row : rows) {
      loops = std::max(loops, row.loop + 1);
      row.loop += current.runs;
      current.trace.push_back(row);
    }
    current.runs += loops;
    const fs::path dir =
        fs::path(o.run.common.artifact_dir) / fs::path(run.file).filename() / "perf" / run.subdir;
    const std::string csv = (dir / "ops_perf_results.csv").string();
    const std::string trace = (dir / "trace.json").string();
    const std::string svg = (dir / fmt::format("timeline_program_{}.svg", run.index)).string();
    const std::string text =
        report::ops_perf_csv(run.bin, run.cluster.chip, current.csv, o.host_only,
                             report::PerfMetadata{o.run.fabric_config});
    write_file_atomic(csv, text);
    json artifacts = {{"ops_perf_results", csv}, {"trace", trace}};
    for (const std::string& suffix : filtered) {
      const std::string f = (dir / fmt::format("ops_perf_results_{}.csv", suffix)).string();
      write_file_atomic(f, text);
      artifacts["ops_perf_results_" + suffix] = f;
    }
    write_file_atomic(trace, report::chrome_trace_json(run.bin, current.trace, o.host_only));
    if (!o.host_only) {
      write_file_atomic(svg, report::timeline_svg(run.bin, run.index, rows));
      artifacts["timeline_svg"] = svg;
    }
    if (outcome.details.is_object()) {
      outcome.details["perf"]["artifacts"] = artifacts;
      outcome.details["perf"]["host_only"] = o.host_only;
    }
    std::cout << fmt::format("  perf artifacts: {}\n", dir.string());
  };
  return run_binaries(o.run, comm, write_perf, ReportMode{true, o.host_only});
}

}  // namespace meshrt::cli
