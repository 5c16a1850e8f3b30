// `ttrt perf`: `ttrt run` plus perf artifacts per binary under <artifact-dir>/<binary>/perf/:
// ops_perf_results.csv (a row per op per chip, all ranks), trace.json (Chrome trace) and
// timeline_program_<i>.svg (with --data-parallel, one such set per sub-mesh under
// perf/submesh_<k>/); perf_results.json holds the run_results.json-style entries with the perf
// totals.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/report/perf_report.hpp"
#include "run_driver.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;

int cmd_perf(const PerfOptions& o, comm::Communicator& comm) {
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
        fs::path(o.run.artifact_dir) / fs::path(run.file).filename() / "perf" / run.subdir;
    const std::string csv = (dir / "ops_perf_results.csv").string();
    const std::string trace = (dir / "trace.json").string();
    const std::string svg = (dir / fmt::format("timeline_program_{}.svg", run.index)).string();
    write_file_atomic(csv,
                      report::ops_perf_csv(run.bin, run.cluster.chip, current.csv, o.host_only));
    write_file_atomic(trace, report::chrome_trace_json(run.bin, current.trace, o.host_only));
    json artifacts = {{"ops_perf_results", csv}, {"trace", trace}};
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
  return run_binaries(o.run, comm, write_perf, true);
}

}  // namespace meshrt::cli
