#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/report/memory_json.hpp"
#include "meshrt/runtime/executor.hpp"
#include "run_report.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;

namespace {

std::vector<size_t> select_programs(const binary::Binary& bin, const std::string& index) {
  std::vector<size_t> out;
  if (index == "all") {
    for (size_t i = 0; i < bin.programs.size(); ++i)
      if (!bin.programs[i].is_private) out.push_back(i);
    return out;
  }
  size_t n = 0;
  try {
    size_t used = 0;
    n = std::stoul(index, &used);
    if (used != index.size()) throw std::invalid_argument(index);
  } catch (const std::exception&) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("--program-index must be 'all' or a number, got '{}'", index));
  }
  if (n >= bin.programs.size()) {
    raise(ErrorCode::kNotFound, fmt::format("--program-index {} is out of range: the binary has {} "
                                            "program(s)", n, bin.programs.size()));
  }
  return {n};
}

// Agrees on one verdict across ranks: every rank's error (or "") is shared. Returns the
// combined message ("" when every rank succeeded) and whether ranks disagreed.
std::pair<std::string, bool> agree(comm::Communicator& comm, const std::string& mine) {
  if (comm.size() == 1) return {mine, false};
  std::vector<comm::Bytes> all = comm.allgather(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(mine.data()), mine.size()),
      comm::Deadline::after(std::chrono::seconds(30)));
  std::string combined;
  int failed = 0;
  for (size_t r = 0; r < all.size(); ++r) {
    if (all[r].empty()) continue;
    ++failed;
    std::string msg(all[r].begin(), all[r].end());
    if (combined.find(msg) == std::string::npos) {
      combined += (combined.empty() ? "" : "; ") + fmt::format("rank {}: {}", r, msg);
    }
  }
  return {combined, failed != 0 && failed != comm.size()};
}

}  // namespace

int cmd_run(const RunOptions& o, comm::Communicator& comm) {
  const bool controller = comm.rank() == 0;
  if (controller && o.clean_artifacts) {
    std::error_code ec;
    fs::remove_all(o.artifact_dir, ec);
  }
  // Rank 0 decides the list of binaries; every rank walks it in the same order.
  std::string listing;
  if (controller) listing = json(expand_inputs(o.paths, ".ttnn")).dump();
  comm::Bytes bytes(listing.begin(), listing.end());
  if (comm.size() > 1) comm.broadcast(bytes, 0, comm::Deadline::after(std::chrono::seconds(30)));
  std::vector<std::string> files = json::parse(bytes.begin(), bytes.end());

  RunReport report(o, controller);
  if (files.empty()) {
    if (controller) std::cerr << "error: no .ttnn files found in the given paths\n";
    return kExitError;
  }
  for (const auto& file : files) {
    BinaryOutcome outcome;
    outcome.file = file;
    std::string error;
    ErrorCode code = ErrorCode::kInternal;
    try {
      binary::LoadOptions lo;
      lo.ignore_version = o.ignore_version;
      binary::Binary bin = binary::deserialize(read_file_everywhere(comm, file), file, lo);
      for (size_t index : select_programs(bin, o.program_index)) {
        const binary::Program& program = bin.programs[index];
        ClusterDesc cluster = choose_cluster(comm, o.cluster, program.mesh_shape);
        runtime::MeshContext mesh(cluster, program.mesh_shape, comm);
        runtime::ExecOptions exec;
        const auto& stored = index < bin.goldens.size() ? bin.goldens[index] : binary::ProgramGoldens{};
        exec.seed = o.seed_given ? o.seed : stored.seed;
        exec.init = o.init_given ? init_kind_from_string(o.init) : stored.init;
        exec.check_golden = !o.disable_golden && !o.identity;
        exec.golden = {o.pcc, o.atol, o.rtol};
        exec.collect_memory = o.memory;
        exec.inject_fault_loc = o.inject_fault;
        exec.debug_leak_loc = o.debug_leak;
        runtime::ProgramResult result;
        auto start = std::chrono::steady_clock::now();
        for (uint32_t loop = 0; loop < o.loops; ++loop) {
          result = runtime::run_program(mesh, bin, index, exec);
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        outcome.programs.push_back(report.program_outcome(file, bin, index, cluster, result, seconds));
      }
    } catch (const Error& e) {
      error = e.what();
      code = e.code();
    }
    auto [combined, disagreed] = agree(comm, error);
    if (!combined.empty()) {
      outcome.error = combined;
      outcome.error_code = code;
    }
    report.add_binary(std::move(outcome));
    if (disagreed || code == ErrorCode::kTimeout || code == ErrorCode::kRankFailed) {
      if (comm.size() > 1 && !combined.empty()) {
        // Ranks are out of step: results so far are on disk; end the whole job.
        if (controller) std::cerr << "error: " << combined << "; ending the job\n";
        comm.abort_job(kExitError);
        return kExitError;
      }
    }
  }
  return report.finish();
}

}  // namespace meshrt::cli
