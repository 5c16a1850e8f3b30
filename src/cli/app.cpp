#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::cli {

namespace {

void add_compile(CLI::App& app, CompileOptions& o) {
  auto* c =
      app.add_subcommand("compile", "Compile a TTIR .mlir file into a .ttnn binary with goldens");
  c->add_option("input", o.input, "TTIR MLIR file")->required();
  c->add_option("-o,--output", o.output, "output .ttnn file (default: input with .ttnn)");
  c->add_option("--mesh-shape", o.mesh_shape,
                "mesh shape ROWS,COLS or ROWSxCOLS when the module has no ttcore.meshes");
  c->add_option("--seed", o.seed, "seed of the generated inputs the goldens are computed on");
  c->add_option("--init", o.init, "input init: randn | arange | zeros | ones")
      ->check(CLI::IsMember({"randn", "arange", "zeros", "ones"}));
  c->add_flag("--no-goldens", o.no_goldens, "store no goldens (run recomputes them)");
  c->add_option("--golden-budget-mib", o.golden_budget_mib,
                "keep per-op goldens while they fit in this many MiB");
  c->add_option("--golden-input-limit-mib", o.golden_input_limit_mib,
                "compute no goldens for a program whose inputs exceed this many MiB");
}

void add_read(CLI::App& app, ReadOptions& o) {
  auto* c =
      app.add_subcommand("read", "Print sections of .ttnn binaries or .ttsys system descriptions");
  c->add_option("paths", o.paths, "files or directories")->required();
  c->add_option("--section", o.section, "section to print")
      ->check(CLI::IsMember({"all", "version", "system_desc", "mlir", "inputs", "outputs",
                             "op_stats", "mesh_shape", "programs"}));
  c->add_option("--result-file", o.result_file, "where to write the JSON results");
  c->add_flag("--ignore-version", o.ignore_version, "read binaries of another version");
  c->add_flag("-q,--quiet", o.quiet, "do not print the JSON, only write the result file");
}

void add_query(CLI::App& app, QueryOptions& o) {
  auto* c = app.add_subcommand("query", "Describe the simulated system and the real hosts");
  c->add_option("--cluster", o.cluster, "cluster description JSON (default: built-in 8x4)");
  c->add_flag("--save-artifacts", o.save_artifacts, "write system_desc.ttsys to the artifact dir");
  c->add_option("--artifact-dir", o.artifact_dir, "artifact directory");
  c->add_option("--result-file", o.result_file, "where to write the JSON results");
  c->add_flag("-q,--quiet", o.quiet, "print nothing");
}

void add_check(CLI::App& app, CheckOptions& o) {
  auto* c = app.add_subcommand("check", "Check whether binaries can run on a system");
  c->add_option("paths", o.paths, "files or directories")->required();
  c->add_option("--system-desc", o.system_desc, ".ttsys file (default: the built-in system)");
  c->add_option("--cluster", o.cluster, "cluster description JSON instead of a .ttsys");
  c->add_option("--result-file", o.result_file, "where to write the JSON results");
  c->add_flag("--ignore-version", o.ignore_version, "accept binaries of another version");
}

bool enable_golden_ = true;

// The flags of `run`, shared with `perf`.
void add_run_flags(CLI::App* c, RunOptions& o) {
  c->add_option("paths", o.paths, "files or directories")->required();
  c->add_option("--program-index", o.program_index, "all | N");
  c->add_option("--loops", o.loops, "run each program N times")->check(CLI::PositiveNumber);
  c->add_option("--seed", o.seed, "seed of the generated inputs (default: the binary's)")
      ->each([&o](const std::string&) { o.seed_given = true; });
  c->add_option("--init", o.init,
                "input init: randn | arange | zeros | ones (default: the binary's)")
      ->check(CLI::IsMember({"randn", "arange", "zeros", "ones"}))
      ->each([&o](const std::string&) { o.init_given = true; });
  c->add_flag("--identity", o.identity, "outputs must equal inputs within --rtol/--atol");
  c->add_flag("--disable-golden", o.disable_golden, "skip golden checks");
  c->add_flag("--enable-golden", enable_golden_, "golden checks (the default)");
  c->add_option("--pcc", o.pcc, "PCC threshold");
  c->add_option("--rtol", o.rtol, "relative tolerance for allclose");
  c->add_option("--atol", o.atol, "absolute tolerance for allclose");
  c->add_flag("--save-golden-tensors", o.save_golden_tensors, "also save goldens as .npy");
  c->add_flag("--print-input-output-tensors", o.print_tensors, "print inputs and outputs");
  c->add_flag("--summary", o.summary, "print a golden summary line per op (all chips)");
  c->add_flag("--memory", o.memory, "record every chip's memory after each op");
  c->add_flag("--check-memory-leak", o.check_memory_leak, "fail if buffers stay allocated");
  c->add_flag("--save-artifacts", o.save_artifacts, "save inputs and outputs as .npy");
  c->add_flag("--clean-artifacts", o.clean_artifacts, "empty the artifact dir first");
  c->add_option("--artifact-dir", o.artifact_dir, "artifact directory");
  c->add_option("--result-file", o.result_file, "run results JSON");
  c->add_option("--log-file", o.log_file, "also log to this file");
  c->add_flag("--ignore-version", o.ignore_version, "run binaries of another version");
  c->add_option("--cluster", o.cluster, "cluster description JSON (default: built-in)");
  c->add_option("--inject-fault", o.inject_fault,
                "perturb the output of the op with this loc (to prove checks catch it)");
  c->add_option("--debug-leak", o.debug_leak,
                "leak a buffer after the op with this loc (to prove the leak check works)")
      ->group("");
  c->add_flag("--data-parallel", o.data_parallel,
              "run each program on every sub-mesh of its shape that tiles the cluster's mesh, "
              "each with its own seed");
  c->add_flag("--debugger", o.debugger,
              "step through ops on rank 0: next, continue, print [output], quit (stdin; EOF "
              "continues)");
}

void add_run(CLI::App& app, RunOptions& o) {
  add_run_flags(app.add_subcommand("run", "Run binaries on the simulated mesh and check goldens"),
                o);
}

void add_perf(CLI::App& app, PerfOptions& o) {
  auto* c = app.add_subcommand(
      "perf",
      "Run binaries and write perf reports: ops_perf_results.csv, trace.json, SVG timelines "
      "(device times modelled, host times measured)");
  add_run_flags(c, o.run);
  c->add_flag("--host-only", o.host_only,
              "report measured host times only (no modelled device "
              "columns, chip tracks or timelines)");
}

}  // namespace

int run_ttrt(int argc, char** argv, comm::Communicator& comm) {
  CLI::App app{"ttrt: run Tenstorrent-style programs on a simulated mesh of chips", "ttrt"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "meshrt 0.1.0");
  CompileOptions compile;
  ReadOptions read;
  QueryOptions query;
  CheckOptions check;
  RunOptions run;
  add_compile(app, compile);
  add_read(app, read);
  add_query(app, query);
  add_check(app, check);
  add_run(app, run);
  PerfOptions perf;
  add_perf(app, perf);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (comm.rank() != 0) return e.get_exit_code() == 0 ? kExitOk : kExitError;
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitError;
  }
  setup_logging(comm.rank(), app.got_subcommand("perf") ? perf.run.log_file : run.log_file);
  try {
    if (app.got_subcommand("compile")) return cmd_compile(compile, comm);
    if (app.got_subcommand("read")) return cmd_read(read, comm);
    if (app.got_subcommand("query")) return cmd_query(query, comm);
    if (app.got_subcommand("check")) return cmd_check(check, comm);
    if (app.got_subcommand("run")) return cmd_run(run, comm);
    if (app.got_subcommand("perf")) return cmd_perf(perf, comm);
  } catch (const Error& e) {
    spdlog::error("{}", e.what());
    if (comm.rank() == 0) std::cerr << "error: " << e.what() << "\n";
    return kExitError;
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    std::cerr << "error: internal error: " << e.what() << "\n";
    return kExitError;
  }
  return kExitError;
}

}  // namespace meshrt::cli
