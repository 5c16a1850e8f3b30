#include "run_report.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <limits>
#include <map>

#include "meshrt/binary/binary_io.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/report/golden.hpp"
#include "meshrt/report/memory_json.hpp"
#include "perf_summary.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;

namespace {

json metrics_json(const report::GoldenMetrics& m) {
  return {{"expected_pcc", m.expected_pcc},
          {"actual_pcc", m.actual_pcc},
          {"atol", m.atol},
          {"rtol", m.rtol},
          {"allclose", m.allclose},
          {"max", m.max},
          {"mean_absolute_error", m.mean_absolute_error},
          {"root_mean_square_error", m.root_mean_square_error},
          {"cosine_similarity", m.cosine_similarity}};
}

// A whole host tensor is reported as device 0 (ttrt's golden report has device ids only).
std::string device_key(uint32_t device) {
  return device == binary::Golden::kAllDevices ? "0" : std::to_string(device);
}

std::string device_name(uint32_t device) {
  return device == binary::Golden::kAllDevices ? "host" : std::to_string(device);
}

std::string preview(const HostTensor& t) {
  std::string s = fmt::format("{} {} [", shape_to_string(t.shape()), mlir_name(t.dtype()));
  for (int64_t i = 0; i < std::min<int64_t>(t.volume(), 8); ++i) {
    s += fmt::format("{}{:.6g}", i ? ", " : "", t.at(i));
  }
  return s + (t.volume() > 8 ? ", ...]" : "]");
}

// One line per golden key, in first-seen order: how many chips, worst PCC, worst error.
void print_golden_summary(const runtime::ProgramResult& r) {
  struct Row {
    size_t chips = 0, failed = 0;
    double min_pcc = 1.0, max_err = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, Row> rows;
  for (const auto& g : r.goldens) {
    if (!rows.count(g.loc)) order.push_back(g.loc);
    Row& row = rows[g.loc];
    ++row.chips;
    row.failed += g.metrics.passed ? 0 : 1;
    row.min_pcc = std::min(row.min_pcc, g.metrics.actual_pcc);
    row.max_err = std::max(row.max_err, g.metrics.max);
  }
  std::cout << fmt::format("  {:<28} {:>6} {:>12} {:>12}  {}\n", "golden (loc)", "checks",
                           "min PCC", "max |err|", "verdict");
  for (const auto& loc : order) {
    const Row& row = rows[loc];
    std::cout << fmt::format("  {:<28} {:>6} {:>12.6f} {:>12.3g}  {}\n", loc, row.chips,
                             row.min_pcc, row.max_err,
                             row.failed ? fmt::format("FAIL on {}", row.failed) : "pass");
  }
}

// --golden-diff-topk: the largest absolute and relative differences of each failing output.
void print_golden_diffs(const runtime::ProgramResult& r) {
  for (const auto& d : r.golden_diffs) {
    auto print = [&](const char* what, const std::vector<runtime::GoldenDiff::Entry>& entries,
                     bool relative) {
      std::cout << fmt::format("  {} on device {}: top {} {} differences:\n", d.key,
                               device_name(d.device_id), entries.size(), what);
      for (size_t k = 0; k < entries.size(); ++k) {
        const auto& e = entries[k];
        std::string diff = relative ? fmt::format("rel diff {:4.1f}%", e.diff * 100)
                                    : fmt::format("abs diff {:.6e}", e.diff);
        if (d.integer) {
          std::cout << fmt::format("    {}: golden {:+.0f}, output {:+.0f}, {}, idx {}\n", k,
                                   e.golden, e.output, diff, e.index);
        } else {
          std::cout << fmt::format("    {}: golden {:+.6e}, output {:+.6e}, {}, idx {}\n", k,
                                   e.golden, e.output, diff, e.index);
        }
      }
    };
    print("absolute", d.absolute, false);
    print("relative", d.relative, true);
  }
}

bool any_non_zero(const runtime::TensorValue& v) {
  auto non_zero = [](const HostTensor& t) {
    for (int64_t i = 0; i < t.volume(); ++i) {
      if (t.at(i) != 0) return true;
    }
    return false;
  };
  if (v.host && non_zero(*v.host)) return true;
  for (const auto& [d, t] : v.shards) {
    if (non_zero(*t)) return true;
  }
  return false;
}

// ttrt's per-op memory entry (device 0's view, or the lowest device's when device 0 is on no
// chip of this run), with every chip's view under "meshrt_devices".
json memory_entry(const runtime::OpMemoryResult& m) {
  json entry = {{"loc", binary::mlir_loc(m.loc)}, {"debug_str", m.debug_str}};
  json devices = json::object();
  const device::MemoryView* first = nullptr;
  for (const auto& v : m.views) {
    json j = json::parse(report::memory_view_to_json(v));
    j.erase("device_id");
    devices[std::to_string(v.device.value)] = j;
    if (!first || v.device.value < first->device.value) first = &v;
  }
  if (first) {
    json j = json::parse(report::memory_view_to_json(*first));
    for (const char* bank : {"dram", "l1", "l1_small", "trace"}) entry[bank] = j[bank];
  }
  entry["meshrt_devices"] = devices;
  return entry;
}

}  // namespace

RunReport::RunReport(const RunOptions& options, bool controller, ReportMode mode)
    : o_(options), controller_(controller), mode_(mode) {}

std::string RunReport::program_dir(const std::string& file, size_t index) const {
  return (fs::path(o_.common.artifact_dir) / fs::path(file).filename() / "run" / subdir_ /
          fmt::format("program_{}", index))
      .string();
}

void RunReport::write_artifacts(const binary::Binary& bin, size_t index,
                                const runtime::ProgramResult& r, const std::string& dir) {
  auto save = [&](const std::string& stem, const runtime::TensorValue& v) {
    if (v.host) write_npy(fmt::format("{}/{}.npy", dir, stem), *v.host);
    for (const auto& [d, t] : v.shards) {
      write_npy(fmt::format("{}/{}_device_{}.npy", dir, stem, d), *t);
    }
  };
  for (size_t j = 0; j < r.inputs.size(); ++j) save(fmt::format("input_{}", j), r.inputs[j]);
  for (size_t j = 0; j < r.outputs.size(); ++j) {
    save(fmt::format("device_output_{}", j), r.outputs[j]);
  }
  if (index < bin.goldens.size()) {
    for (const auto& g : bin.goldens[index].goldens) {
      if (g.loc.rfind("output_", 0) != 0) continue;
      std::string stem = "golden_" + g.loc;
      if (g.device_id != binary::Golden::kAllDevices)
        stem += fmt::format("_device_{}", g.device_id);
      write_npy(fmt::format("{}/{}.npy", dir, stem), g.tensor);
    }
  }
}

json RunReport::loop_results(const runtime::ProgramResult& r,
                             const std::vector<LoopTiming>& loops) const {
  json out = json::object();
  for (size_t k = 0; k < loops.size(); ++k) {
    json api = nullptr, kernel = nullptr;
    if (mode_.perf) {
      uint64_t host_ns = 0, device_ns = 0;
      for (const auto& row : r.perf) {
        if (row.loop != k) continue;
        host_ns += row.host_duration_ns();
        device_ns += row.device_duration_ns();
      }
      api = host_ns;
      if (!mode_.host_only) kernel = device_ns;
    }
    const uint64_t submit = loops[k].submit_ns;
    out[fmt::format("loop_{}", k)] = {
        {"total_duration_ns", submit},        {"total_submit_duration_ns", submit},
        {"total_get_outputs_duration_ns", 0}, {"total_submit_plus_get_outputs_duration_ns", submit},
        {"total_ttnn_api_duration_ns", api},  {"total_device_kernel_duration_ns", kernel}};
  }
  return out;
}

ProgramOutcome RunReport::program_outcome(const std::string& file, const binary::Binary& bin,
                                          size_t index, const ClusterDesc& cluster,
                                          const runtime::ProgramResult& r,
                                          const std::vector<LoopTiming>& loops) {
  ProgramOutcome out;
  out.index = index;
  out.name = bin.programs[index].name;
  if (!controller_) return out;
  const std::string dir = program_dir(file, index);
  std::vector<std::string> problems;
  uint64_t host_ns = 0;
  for (const auto& l : loops) host_ns += l.submit_ns;
  const double host_seconds = static_cast<double>(host_ns) / 1e9;

  // Goldens: every op on every chip, and the outputs.
  json golden_file = json::object();
  size_t failed = 0;
  double min_pcc = 1.0;
  std::string worst;
  for (const auto& g : r.goldens) {
    golden_file[binary::mlir_loc(g.loc)][device_key(g.device_id)] = metrics_json(g.metrics);
    if (g.metrics.actual_pcc < min_pcc) min_pcc = g.metrics.actual_pcc;
    if (!g.metrics.passed) {
      if (failed == 0) {
        worst = fmt::format("golden mismatch at '{}' on device {}: {}", g.loc,
                            device_name(g.device_id), g.metrics.message);
      }
      ++failed;
    }
  }
  if (failed) problems.push_back(fmt::format("{} ({} failing checks)", worst, failed));

  // --identity: each output must equal the input of the same index.
  if (o_.identity) {
    report::GoldenOptions tol{0.0, o_.atol, o_.rtol};
    for (size_t j = 0; j < r.outputs.size(); ++j) {
      if (j >= r.inputs.size()) {
        problems.push_back(fmt::format("--identity: output {} has no input to match", j));
        continue;
      }
      const auto& in = r.inputs[j];
      const auto& outv = r.outputs[j];
      const HostTensor* a = outv.host ? outv.host.get() : nullptr;
      const HostTensor* b = in.host ? in.host.get() : nullptr;
      if (!a && !outv.shards.empty()) a = outv.shards.begin()->second.get();
      if (!b && !in.shards.empty()) b = in.shards.begin()->second.get();
      if (!a || !b) continue;
      report::GoldenMetrics m = report::compare(*b, *a, tol);
      if (!m.allclose) {
        problems.push_back(
            fmt::format("--identity: output {} differs from input {} (max abs error {:.6g}{})", j,
                        j, m.max, m.message.empty() ? "" : "; " + m.message));
      }
    }
  }
  if (o_.non_zero) {
    for (size_t j = 0; j < r.outputs.size(); ++j) {
      if (!any_non_zero(r.outputs[j])) {
        problems.push_back(fmt::format("--non-zero: output {} is all zero", j));
      }
    }
  }
  const bool golden_problem = !problems.empty();
  const bool leak = o_.check_memory_leak && r.leaked_buffers;
  if (leak) {
    problems.push_back(fmt::format("memory leak: {} buffer(s) still allocated after the program",
                                   r.leaked_buffers));
  }
  if (!problems.empty()) {
    out.result = golden_problem && !leak ? "test_error" : "error";
    out.message = fmt::format("{}", fmt::join(problems, "; "));
  }

  // Program-level output allclose, as ttrt computes it with --rtol-allclose/--atol-allclose.
  json outputs_allclose = json::object();
  for (const auto& g : r.goldens) {
    if (g.loc.rfind("output_", 0) != 0) continue;
    outputs_allclose[g.loc][device_name(g.device_id)] = g.metrics.output_allclose;
  }

  if (o_.common.save_artifacts) {
    if (!r.goldens.empty()) write_json_file(dir + "/golden_results.json", golden_file);
    if (o_.memory) {
      json memory = json::object();
      for (size_t i = 0; i < r.memory.size(); ++i) {
        memory[std::to_string(i)] = memory_entry(r.memory[i]);
      }
      write_json_file(dir + "/memory_results.json", memory);
    }
    write_artifacts(bin, index, r, dir);
    binary::SystemDesc desc;
    desc.version = binary::current_version();
    desc.cluster = cluster;
    std::vector<uint8_t> ttsys = binary::serialize_system_desc(desc);
    write_file_atomic(
        (fs::path(o_.common.artifact_dir) / fs::path(file).filename() / "system_desc.ttsys")
            .string(),
        std::string_view(reinterpret_cast<const char*>(ttsys.data()), ttsys.size()));
  }
  if (o_.summary) print_golden_summary(r);
  if (o_.print_tensors) {
    for (size_t j = 0; j < r.inputs.size(); ++j) {
      if (r.inputs[j].host) {
        std::cout << fmt::format("  input_{}: {}\n", j, preview(*r.inputs[j].host));
      }
      for (const auto& [d, t] : r.inputs[j].shards) {
        std::cout << fmt::format("  input_{} device {}: {}\n", j, d.value, preview(*t));
      }
    }
    for (size_t j = 0; j < r.outputs.size(); ++j) {
      if (r.outputs[j].host) {
        std::cout << fmt::format("  output_{}: {}\n", j, preview(*r.outputs[j].host));
      }
      for (const auto& [d, t] : r.outputs[j].shards) {
        std::cout << fmt::format("  output_{} device {}: {}\n", j, d.value, preview(*t));
      }
    }
  }
  out.details = {{"program_index", index},
                 {"name", out.name},
                 {"result", out.result},
                 {"mesh_shape", bin.programs[index].mesh_shape.to_string()},
                 {"cluster", cluster.name},
                 {"fabric_config", o_.fabric_config},
                 {"ops_executed", r.ops_executed},
                 {"host_duration_ns", host_ns},
                 {"golden",
                  {{"checked", r.goldens.size()},
                   {"failed", failed},
                   {"min_pcc", r.goldens.empty() ? json(nullptr) : json(min_pcc)},
                   {"unavailable", r.goldens_unavailable},
                   {"source", r.golden_source_stored ? "binary" : "recomputed"},
                   {"unavailable_reason", r.golden_unavailable_reason},
                   {"outputs_allclose", outputs_allclose},
                   {"rtol_allclose", o_.rtol_allclose},
                   {"atol_allclose", o_.atol_allclose}}},
                 {"leaked_buffers", r.leaked_buffers},
                 {"artifacts", dir}};
  out.details["perf"] = perf_totals_json(r, host_seconds, o_.loops, mode_.host_only);
  if (!mode_.host_only) {
    out.details["perf"]["cost_model"] = cost_model_json(cluster, o_.fabric_config, bin, r);
  }
  out.loops = loop_results(r, loops);
  std::cout << fmt::format(
      "{} {} program {} '{}' on {} ({} ops, {} golden checks, min PCC {}, host {:.3f} s){}\n",
      out.result == "pass" ? "PASS" : "FAIL", file, index, out.name,
      bin.programs[index].mesh_shape.to_string(), r.ops_executed, r.goldens.size(),
      r.goldens.empty() ? std::string("n/a") : fmt::format("{:.6f}", min_pcc), host_seconds,
      out.message.empty() ? "" : "\n  " + out.message);
  print_golden_diffs(r);
  for (const auto& [key, devices] : outputs_allclose.items()) {
    for (const auto& [device, ok] : devices.items()) {
      if (!ok.get<bool>()) {
        std::cout << fmt::format(
            "  note: {} on device {} is not allclose to its golden (rtol {} atol {})\n", key,
            device, o_.rtol_allclose, o_.atol_allclose);
      }
    }
  }
  if (!r.golden_unavailable_reason.empty()) {
    std::cout << "  unchecked: no goldens: " << r.golden_unavailable_reason << "\n";
  }
  std::cout << perf_summary_line(r, host_seconds, o_.loops, mode_.host_only) << "\n";
  return out;
}

void RunReport::add_binary(BinaryOutcome outcome) {
  if (!controller_) return;
  const std::string binary_dir =
      (fs::path(o_.common.artifact_dir) / fs::path(outcome.file).filename()).string();
  json entry = {{"file_path", outcome.file},
                {"log_file", o_.common.log_file},
                {"artifacts", o_.common.artifact_dir}};
  std::string result = "pass";
  std::string exception;
  json program_results = json::object();
  json programs = json::object();
  for (const auto& p : outcome.programs) {
    const std::string key = fmt::format("program_index_{}", p.index);
    programs[key] = p.details;
    if (p.loops.is_object() && !p.loops.empty()) program_results[key] = p.loops;
    if (p.result == "error") result = "error";
    if (p.result == "test_error" && result == "pass") result = "test_error";
    if (!p.message.empty()) exception += (exception.empty() ? "" : "; ") + p.message;
  }
  if (!outcome.error.empty()) {
    result = outcome.skipped ? "skip" : "error";
    exception = outcome.error;
    std::cout << fmt::format("{} {}: {}\n", result == "skip" ? "SKIP" : "ERROR", outcome.file,
                             outcome.error);
  } else if (outcome.programs.empty()) {
    result = "skip";
    exception = "no public program to run";
  }
  entry["result"] = result;
  entry["exception"] = exception;
  entry["program_index"] = o_.program_index;
  entry["program_results"] = program_results;
  entry["meshrt"] = {
      {"cluster", outcome.cluster}, {"binary_artifacts", binary_dir}, {"programs", programs}};
  if (result == "pass") {
    ++passed_;
  } else if (result == "test_error") {
    ++golden_failed_;
  } else {
    ++errored_;
  }
  if (o_.common.save_artifacts && fs::exists(outcome.file)) {
    std::error_code ec;
    fs::create_directories(binary_dir, ec);
    fs::copy_file(outcome.file, fs::path(binary_dir) / fs::path(outcome.file).filename(),
                  fs::copy_options::overwrite_existing, ec);
  }
  results_.push_back(entry);
  write_json_file(o_.common.result_file, results_);
}

int RunReport::finish() {
  if (controller_) {
    std::cout << fmt::format("{} passed, {} failed\n", passed_, golden_failed_ + errored_);
  }
  if (errored_) return kExitError;
  if (golden_failed_) return kExitGoldenFailure;
  return kExitOk;
}

}  // namespace meshrt::cli
