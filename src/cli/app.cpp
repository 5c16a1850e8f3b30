// The ttrt command line: every flag of tt-mlir's ttrt read, query, check, run and perf (their
// names and defaults), meshrt's own (compile, --cluster, --data-parallel, ...), and the checks
// of user mistakes that must fail before anything runs.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/reference/goldens.hpp"
#include "meshrt/report/cost_model.hpp"
#include "meshrt/runtime/golden_source.hpp"

namespace meshrt::cli {

namespace {

constexpr const char* kSiliconOnly = "Accepted, no effect on the simulator (they tune silicon)";

void add_common(CLI::App* c, CommonOptions& o, const std::string& result_file) {
  o.result_file = result_file;
  c->add_flag("--clean-artifacts", o.clean_artifacts, "remove the artifact dir first");
  c->add_flag("--save-artifacts", o.save_artifacts, "save binaries, tensors and reports");
  c->add_option("--artifact-dir", o.artifact_dir,
                "artifact dir (default: $TT_MLIR_HOME/ttrt-artifacts, else ./ttrt-artifacts)");
  c->add_option("--log-file", o.log_file, "also log to this file (other ranks: FILE.rank<N>)");
  c->add_option("--result-file", o.result_file, "results JSON")->capture_default_str();
}

void add_compile(CLI::App& app, CompileOptions& o) {
  auto* c =
      app.add_subcommand("compile", "Compile a TTIR .mlir file into a .ttnn binary with goldens");
  c->add_option("input", o.input, "TTIR MLIR file")->required();
  c->add_option("-o,--output", o.output, "output .ttnn file (default: input with .ttnn)");
  c->add_option("--mesh-shape", o.mesh_shape,
                "mesh shape R,C or RxC; without it: ttcore.meshes, else inferred from the "
                "program's mesh_shard ops, else 1x1");
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
  c->add_option("binary", o.paths, "files or directories (.ttnn, .ttsys)")->required();
  c->add_option("--section", o.section, "section to print")
      ->check(CLI::IsMember({"all", "version", "system_desc", "mlir", "inputs", "outputs",
                             "op_stats", "mesh_shape", "programs"}))
      ->capture_default_str();
  add_common(c, o.common, "read_results.json");
  c->add_option("--read-file", o.read_file, "where to write the sections read (JSON)")
      ->capture_default_str();
  c->add_flag("--ignore-version", o.ignore_version, "read binaries of another version");
  c->add_flag("-q,--quiet", o.quiet, "meshrt: do not print the sections");
}

void add_query(CLI::App& app, QueryOptions& o) {
  auto* c = app.add_subcommand("query", "Describe the simulated system and the real hosts");
  add_common(c, o.common, "query_results.json");
  c->add_flag("-q,--quiet", o.quiet, "print nothing");
  c->add_option("--cluster", o.cluster,
                "meshrt: cluster JSON or .ttsys (default: $TT_CLUSTER, else built-in 8x4)");
  c->add_flag("--disable-eth-dispatch", o.disable_eth_dispatch, "")->group(kSiliconOnly);
}

void add_check(CLI::App& app, CheckOptions& o) {
  auto* c = app.add_subcommand("check", "Check whether binaries can run on a system");
  c->add_option("binary", o.paths, "files or directories")->required();
  add_common(c, o.common, "check_results.json");
  c->add_option("--system-desc", o.system_desc,
                ".ttsys file or directory of them (default: $TT_CLUSTER, else built-in)");
  c->add_option("--cluster", o.cluster, "meshrt: cluster JSON or .ttsys instead");
  c->add_flag("--ignore-version", o.ignore_version, "accept binaries of another version");
}

// The flags of `run`, shared with `perf`.
void add_run_flags(CLI::App* c, RunOptions& o, const std::string& result_file) {
  c->add_option("binary", o.paths, "files or directories")->required();
  add_common(c, o.common, result_file);
  c->add_option("--program-index", o.program_index, "all | N")->capture_default_str();
  c->add_option("--loops", o.loops, "run each program N times")->capture_default_str();
  c->add_option("--seed", o.seed, "seed of the generated inputs (default: the binary's)")
      ->each([&o](const std::string&) { o.seed_given = true; });
  c->add_option("--init", o.init,
                "input init: randn | arange | zeros | ones (default: the binary's; goldens are "
                "recomputed for other inputs)")
      ->check(CLI::IsMember({"randn", "arange", "zeros", "ones"}))
      ->each([&o](const std::string&) { o.init_given = true; });
  c->add_option("--ones-density", o.ones_density,
                "--init ones: 1 in N elements is one, the others zero")
      ->capture_default_str();
  c->add_flag("--identity", o.identity, "outputs must equal inputs within --rtol/--atol");
  c->add_flag("--non-zero", o.non_zero, "every output must hold a non-zero element");
  c->add_flag("--disable-golden", o.disable_golden, "skip golden checks");
  c->add_flag("--enable-golden", o.enable_golden, "golden checks (on unless --disable-golden)");
  c->add_option("--pcc", o.pcc, "PCC threshold")->capture_default_str();
  c->add_option("--rtol", o.rtol, "rtol of the PCC, allclose and identity checks")
      ->capture_default_str();
  c->add_option("--atol", o.atol, "atol of the PCC, allclose and identity checks")
      ->capture_default_str();
  c->add_option("--rtol-allclose", o.rtol_allclose, "rtol of the program-level output allclose")
      ->capture_default_str();
  c->add_option("--atol-allclose", o.atol_allclose, "atol of the program-level output allclose")
      ->capture_default_str();
  c->add_option("--golden-diff-topk", o.golden_diff_topk,
                "print the K largest absolute and relative differences of a failing output")
      ->capture_default_str();
  c->add_flag("--save-golden-tensors", o.save_golden_tensors,
              "save each op's golden and device tensors per device (.npy)");
  c->add_flag("--print-input-output-tensors", o.print_tensors, "print inputs and outputs");
  c->add_flag("--summary", o.summary, "meshrt: print a golden summary line per op (all chips)");
  c->add_flag("--memory", o.memory,
              "record every chip's memory after each op (memory_results.json with "
              "--save-artifacts)");
  c->add_flag("--check-memory-leak", o.check_memory_leak, "fail if buffers stay allocated");
  c->add_option("--memory-log-level", o.memory_log_level,
                "log memory views at: none | program | operation | any")
      ->check(CLI::IsMember({"none", "program", "operation", "any"}, CLI::ignore_case))
      ->capture_default_str();
  c->add_flag("--ignore-version", o.ignore_version, "run binaries of another version");
  c->add_flag("--disable-ttrt-callbacks", o.disable_ttrt_callbacks,
              "no per-op callbacks: only program outputs are checked against goldens");
  c->add_flag("--debugger", o.debugger,
              "step through ops on rank 0: next, continue, print [output], quit (stdin; EOF "
              "continues)");
  c->add_flag("--benchmark", o.benchmark,
              "2 loops of program 0 without goldens, reporting end-to-end times");
  c->add_flag("--enable-program-cache", o.enable_program_cache,
              "program cache (always on, as in ttrt)");
  c->add_option("--trace-region-size", o.trace_region_size,
                "bytes of DRAM per chip reserved for traces")
      ->capture_default_str();
  c->add_option("--fabric-config", o.fabric_config,
                "CCL topology in the cost model: disabled, fabric_1d (line), fabric_1d_ring "
                "(ring where the ends are linked), fabric_2d, fabric_2d_torus_x, "
                "fabric_2d_torus_y, fabric_2d_torus_xy, custom (case-insensitive)")
      ->capture_default_str();
  c->add_option("--dirty-tensor-schedule", o.dirty_tensor_schedule,
                "'index:iterations,...': upload input <index> again after <iterations> loops");
  c->add_flag("--dump-kernels", o.dump_kernels,
              "no effect: the simulator's kernels are not device binaries (a note is printed)");
  c->add_flag("--load-kernels", o.load_kernels, "no effect (see --dump-kernels)");
  c->add_option("--cluster", o.cluster,
                "meshrt: cluster JSON or .ttsys (default: $TT_CLUSTER, else built-in)");
  c->add_option("--inject-fault", o.inject_fault,
                "meshrt: perturb the output of the op with this loc (to prove checks catch it)");
  c->add_option("--debug-leak", o.debug_leak,
                "leak a buffer after the op with this loc (to prove the leak check works)")
      ->group("");
  c->add_flag("--data-parallel", o.data_parallel,
              "meshrt: run each program on every sub-mesh of its shape that tiles the cluster's "
              "mesh, each with its own seed");
  const char* g = kSiliconOnly;
  c->add_flag("--use-loc-for-kernel-name", o.use_loc_for_kernel_name, "")->group(g);
  c->add_option("--kernel-source-dir", o.kernel_source_dir, "")->group(g);
  c->add_flag("--disable-device-address-validation", o.disable_device_address_validation, "")
      ->group(g);
  c->add_flag("--blocking-cq", o.blocking_cq, "")->group(g);
  c->add_flag("--disable-swap-binary-operands", o.disable_swap_binary_operands, "")->group(g);
  c->add_flag("--disable-read-update-index-for-kv-cache", o.disable_read_update_index_for_kv_cache,
              "")
      ->group(g);
  c->add_flag("--disable-blackhole-workarounds", o.disable_blackhole_workarounds, "")->group(g);
  c->add_flag("--disable-eth-dispatch", o.disable_eth_dispatch, "")->group(g);
  c->add_option("--dump-device-rate", o.dump_device_rate, "")->group(g);
  c->add_flag("--enable-perf-trace", o.enable_perf_trace, "")->group(g);
}

void add_run(CLI::App& app, RunOptions& o) {
  add_run_flags(app.add_subcommand("run", "Run binaries on the simulated mesh and check goldens"),
                o, "run_results.json");
}

void add_perf(CLI::App& app, PerfOptions& o) {
  auto* c = app.add_subcommand(
      "perf",
      "Run binaries and write perf reports: ops_perf_results.csv, trace.json, SVG timelines "
      "(device times modelled, host times measured)");
  add_run_flags(c, o.run, "perf_results.json");
  c->add_flag("--host-only", o.host_only,
              "measured host times only: no modelled figure in any report, JSON included");
  c->add_option("--filter", o.filter,
                "op kinds to leave out of an extra CSV: const_eval, input_layout_conversion")
      ->capture_default_str();
  c->add_option("--port", o.port, "")->group(kSiliconOnly);
  c->add_flag("--emitc", o.emitc, "")->group(kSiliconOnly);
}

// Checks of a run's options that need no file: plain messages for impossible values.
void check_run_values(const RunOptions& o) {
  if (o.loops == 0) {
    raise(ErrorCode::kInvalidArgument, "--loops 0: nothing to run (give 1 or more loops)");
  }
  if (o.ones_density == 0) {
    raise(ErrorCode::kInvalidArgument, "--ones-density 0: give 1 (all ones) or more");
  }
  if (o.program_index != "all") {
    bool digits = !o.program_index.empty() &&
                  o.program_index.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("--program-index must be 'all' or a program number (0, 1, ...), got '{}'",
                        o.program_index));
    }
  }
  report::parse_fabric_config(o.fabric_config);
  parse_dirty_tensor_schedule(o.dirty_tensor_schedule);
}

}  // namespace

void use_reference_goldens() { runtime::set_golden_source(reference::goldens_for); }

int run_ttrt(int argc, char** argv, comm::Communicator& comm) {
  use_reference_goldens();
  CLI::App app{"ttrt: run Tenstorrent-style programs on a simulated mesh of chips", "ttrt"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "meshrt 0.1.0");
  app.footer(
      "ttrt --gdb <subcommand> ... runs the same command under gdb (when gdb is installed).");
  CompileOptions compile;
  ReadOptions read;
  QueryOptions query;
  CheckOptions check;
  RunOptions run;
  PerfOptions perf;
  add_compile(app, compile);
  add_read(app, read);
  add_query(app, query);
  add_check(app, check);
  add_run(app, run);
  add_perf(app, perf);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (comm.rank() != 0) return e.get_exit_code() == 0 ? kExitOk : kExitError;
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitError;
  }
  CommonOptions* common = nullptr;
  if (app.got_subcommand("read")) common = &read.common;
  if (app.got_subcommand("query")) common = &query.common;
  if (app.got_subcommand("check")) common = &check.common;
  if (app.got_subcommand("run")) common = &run.common;
  if (app.got_subcommand("perf")) common = &perf.run.common;
  try {
    if (common) {
      if (common->artifact_dir.empty()) common->artifact_dir = default_artifact_dir();
      if (app.got_subcommand("run")) check_run_values(run);
      if (app.got_subcommand("perf")) check_run_values(perf.run);
      const bool writes_artifacts = common->save_artifacts || app.got_subcommand("perf") ||
                                    (app.got_subcommand("run") && run.save_golden_tensors);
      if (comm.rank() == 0) preflight_paths(*common, writes_artifacts);
      setup_logging(comm.rank(), common->log_file);
    } else {
      setup_logging(comm.rank(), "");
    }
    if (app.got_subcommand("compile")) return cmd_compile(compile, comm);
    if (app.got_subcommand("read")) return cmd_read(read, comm);
    if (app.got_subcommand("query")) return cmd_query(query, comm);
    if (app.got_subcommand("check")) return cmd_check(check, comm);
    if (app.got_subcommand("run")) return cmd_run(run, comm);
    if (app.got_subcommand("perf")) return cmd_perf(perf, comm);
  } catch (const Error& e) {
    report_error(comm.rank(), e.what());
    return kExitError;
  } catch (const std::exception& e) {
    report_error(0, fmt::format("internal error: {}", e.what()));
    return kExitError;
  }
  return kExitError;
}

}  // namespace meshrt::cli
