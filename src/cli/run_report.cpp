#include "run_report.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <limits>
#include <map>

#include "meshrt/cli/cli.hpp"
#include "meshrt/report/golden.hpp"
#include "meshrt/report/memory_json.hpp"
#include "perf_summary.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;

namespace {

json metrics_json(const report::GoldenMetrics& m) {
  return {{"expected_pcc", m.expected_pcc}, {"actual_pcc", m.actual_pcc}, {"atol", m.atol},
          {"rtol", m.rtol}, {"allclose", m.allclose}, {"max", m.max},
          {"mean_absolute_error", m.mean_absolute_error},
          {"root_mean_square_error", m.root_mean_square_error},
          {"cosine_similarity", m.cosine_similarity}};
}

std::string device_key(uint32_t device) {
  return device == binary::Golden::kAllDevices ? "host" : std::to_string(device);
}

std::string preview(const HostTensor& t) {
  std::string s = fmt::format("{} {} [", shape_to_string(t.shape()), mlir_name(t.dtype()));
  for (int64_t i = 0; i < std::min<int64_t>(t.volume(), 8); ++i) s += fmt::format("{}{:.6g}", i ? ", " : "", t.at(i));
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
    std::cout << fmt::format("  {:<28} {:>6} {:>12.6f} {:>12.3g}  {}\n", loc, row.chips, row.min_pcc,
                             row.max_err, row.failed ? fmt::format("FAIL on {}", row.failed) : "pass");
  }
}

}  // namespace

RunReport::RunReport(const RunOptions& options, bool controller)
    : o_(options), controller_(controller) {}

std::string RunReport::program_dir(const std::string& file, size_t index) const {
  return (fs::path(o_.artifact_dir) / fs::path(file).filename() / "run" / subdir_ /
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
  for (size_t j = 0; j < r.outputs.size(); ++j) save(fmt::format("device_output_{}", j), r.outputs[j]);
  if (o_.save_golden_tensors && index < bin.goldens.size()) {
    for (const auto& g : bin.goldens[index].goldens) {
      if (g.loc.rfind("output_", 0) != 0) continue;
      std::string stem = "golden_" + g.loc;
      if (g.device_id != binary::Golden::kAllDevices) stem += fmt::format("_device_{}", g.device_id);
      write_npy(fmt::format("{}/{}.npy", dir, stem), g.tensor);
    }
  }
}

ProgramOutcome RunReport::program_outcome(const std::string& file, const binary::Binary& bin,
                                          size_t index, const ClusterDesc& cluster,
                                          const runtime::ProgramResult& r, double host_seconds) {
  ProgramOutcome out;
  out.index = index;
  out.name = bin.programs[index].name;
  if (!controller_) return out;
  const std::string dir = program_dir(file, index);
  std::vector<std::string> problems;

  // Goldens: every op on every chip, and the outputs.
  json golden_file = json::object();
  size_t failed = 0;
  double min_pcc = 1.0;
  std::string worst;
  for (const auto& g : r.goldens) {
    golden_file[g.loc][device_key(g.device_id)] = metrics_json(g.metrics);
    if (g.metrics.actual_pcc < min_pcc) min_pcc = g.metrics.actual_pcc;
    if (!g.metrics.passed) {
      if (failed == 0) {
        worst = fmt::format("golden mismatch at '{}' on device {}: {}", g.loc, device_key(g.device_id),
                            g.metrics.message);
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
        problems.push_back(fmt::format("--identity: output {} differs from input {} (max abs error {:.6g}{})",
                                       j, j, m.max, m.message.empty() ? "" : "; " + m.message));
      }
    }
  }
  bool golden_problem = !problems.empty();
  if (o_.check_memory_leak && r.leaked_buffers) {
    problems.push_back(fmt::format("memory leak: {} buffer(s) still allocated after the program",
                                   r.leaked_buffers));
  }
  if (!problems.empty()) {
    out.result = golden_problem && !(o_.check_memory_leak && r.leaked_buffers) ? "test_error" : "error";
    out.message = fmt::format("{}", fmt::join(problems, "; "));
  }

  if (!r.goldens.empty()) write_json_file(dir + "/golden_results.json", golden_file);
  if (o_.summary) print_golden_summary(r);
  if (o_.memory) {
    json memory = json::object();
    for (size_t i = 0; i < r.memory.size(); ++i) {
      json devices = json::object();
      for (const auto& v : r.memory[i].views) {
        devices[std::to_string(v.device.value)] = json::parse(report::memory_view_to_json(v));
        devices[std::to_string(v.device.value)].erase("device_id");
      }
      memory[std::to_string(i)] = {{"loc", r.memory[i].loc}, {"debug_str", r.memory[i].debug_str},
                                   {"devices", devices}};
    }
    write_json_file(dir + "/memory_results.json", memory);
  }
  if (o_.save_artifacts) write_artifacts(bin, index, r, dir);
  if (o_.print_tensors) {
    for (size_t j = 0; j < r.inputs.size(); ++j) {
      if (r.inputs[j].host) std::cout << fmt::format("  input_{}: {}\n", j, preview(*r.inputs[j].host));
      for (const auto& [d, t] : r.inputs[j].shards) std::cout << fmt::format("  input_{} device {}: {}\n", j, d, preview(*t));
    }
    for (size_t j = 0; j < r.outputs.size(); ++j) {
      if (r.outputs[j].host) std::cout << fmt::format("  output_{}: {}\n", j, preview(*r.outputs[j].host));
      for (const auto& [d, t] : r.outputs[j].shards) std::cout << fmt::format("  output_{} device {}: {}\n", j, d, preview(*t));
    }
  }
  out.details = {{"program_index", index},
                 {"name", out.name},
                 {"result", out.result},
                 {"mesh_shape", bin.programs[index].mesh_shape.to_string()},
                 {"cluster", cluster.name},
                 {"ops_executed", r.ops_executed},
                 {"host_duration_ns", static_cast<uint64_t>(host_seconds * 1e9)},
                 {"golden", {{"checked", r.goldens.size()}, {"failed", failed},
                             {"min_pcc", r.goldens.empty() ? json(nullptr) : json(min_pcc)},
                             {"unavailable", r.goldens_unavailable},
                             {"source", r.golden_source_stored ? "binary" : "recomputed"},
                             {"unavailable_reason", r.golden_unavailable_reason}}},
                 {"leaked_buffers", r.leaked_buffers},
                 {"artifacts", dir}};
  out.details["perf"] = perf_totals_json(r, host_seconds, o_.loops);
  std::cout << fmt::format("{} {} program {} '{}' on {} ({} ops, {} golden checks, min PCC {}, host {:.3f} s){}\n",
                           out.result == "pass" ? "PASS" : "FAIL", file, index, out.name,
                           bin.programs[index].mesh_shape.to_string(), r.ops_executed,
                           r.goldens.size(), r.goldens.empty() ? std::string("n/a") : fmt::format("{:.6f}", min_pcc),
                           host_seconds, out.message.empty() ? "" : "\n  " + out.message);
  if (!r.golden_unavailable_reason.empty()) {
    std::cout << "  unchecked: no goldens: " << r.golden_unavailable_reason << "\n";
  }
  std::cout << perf_summary_line(r, host_seconds, o_.loops) << "\n";
  return out;
}

void RunReport::add_binary(BinaryOutcome outcome) {
  if (!controller_) return;
  json entry = {{"file_path", outcome.file}, {"log_file", o_.log_file},
                {"artifacts", (fs::path(o_.artifact_dir) / fs::path(outcome.file).filename()).string()}};
  std::string result = "pass";
  std::string exception;
  json programs = json::object();
  for (const auto& p : outcome.programs) {
    programs[fmt::format("program_{}", p.index)] = p.details;
    if (p.result == "error") result = "error";
    if (p.result == "test_error" && result == "pass") result = "test_error";
    if (!p.message.empty()) exception += (exception.empty() ? "" : "; ") + p.message;
  }
  if (!outcome.error.empty()) {
    result = "error";
    exception = outcome.error;
    std::cout << fmt::format("ERROR {}: {}\n", outcome.file, outcome.error);
  } else if (outcome.programs.empty()) {
    result = "skip";
    exception = "no public program to run";
  }
  entry["result"] = result;
  entry["exception"] = exception;
  entry["program_index"] = o_.program_index;
  entry["program_results"] = programs;
  if (result == "pass") ++passed_;
  else if (result == "test_error") ++golden_failed_;
  else ++errored_;
  results_.push_back(entry);
  write_json_file(o_.result_file, results_);
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
