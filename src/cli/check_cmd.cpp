#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <set>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/compiler/verify.hpp"
#include "meshrt/runtime/memory_plan.hpp"

namespace meshrt::cli {

int cmd_check(const CheckOptions& o, comm::Communicator& comm) {
  if (comm.rank() != 0) return kExitOk;
  ClusterDesc cluster = builtin_cluster("default");
  std::string system_name = "built-in default (galaxy 8x4)";
  if (!o.system_desc.empty()) {
    cluster = binary::load_system_desc_file(o.system_desc).cluster;
    system_name = o.system_desc;
  } else if (!o.cluster.empty()) {
    cluster = load_cluster(o.cluster);
    system_name = o.cluster;
  }
  const uint64_t dram = runtime::usable_dram_bytes(cluster.chip);
  json results = json::array();
  bool failed = false;
  std::vector<std::string> files = expand_inputs(o.paths, ".ttnn");
  if (files.empty()) raise(ErrorCode::kNotFound, "no .ttnn files found in the given paths");
  for (const auto& file : files) {
    json entry = {{"file_path", file}, {"system", system_name}};
    std::vector<std::string> problems;
    try {
      binary::LoadOptions lo;
      lo.ignore_version = o.ignore_version;
      binary::Binary bin = compiler::load_verified(read_file_bytes(file), file, lo);
      json programs = json::array();
      for (const auto& p : bin.programs) {
        uint64_t peak = runtime::peak_device_bytes(p);
        bool fits_mesh = p.mesh_shape.volume() <= cluster.mesh.volume();
        bool fits_dram = peak <= dram;
        programs.push_back({{"program", p.name},
                            {"mesh_shape", p.mesh_shape.to_string()},
                            {"peak_dram_bytes_per_device", peak},
                            {"dram_bytes_per_device", dram},
                            {"mesh_fits", fits_mesh},
                            {"memory_fits", fits_dram}});
        if (!fits_mesh) {
          problems.push_back(
              fmt::format("program '{}' needs a {} mesh ({} chips); the system has {}", p.name,
                          p.mesh_shape.to_string(), p.mesh_shape.volume(), cluster.mesh.volume()));
        }
        if (!fits_dram) {
          problems.push_back(fmt::format(
              "program '{}' needs {} bytes of DRAM per chip; a chip has {}", p.name, peak, dram));
        }
      }
      if (cluster.chip.arch != "wormhole_b0") {
        problems.push_back(
            fmt::format("arch '{}' is not supported (wormhole_b0 only)", cluster.chip.arch));
      }
      entry["programs"] = programs;
      entry["result"] = problems.empty() ? "pass" : "error";
    } catch (const Error& e) {
      problems.push_back(e.what());
      entry["result"] = "error";
    }
    if (!problems.empty()) {
      failed = true;
      entry["exception"] = fmt::format("{}", fmt::join(problems, "; "));
      std::cerr << "error: " << file << ": " << entry["exception"].get<std::string>() << "\n";
    } else {
      std::cout << "pass: " << file << "\n";
    }
    results.push_back(entry);
  }
  write_json_file(o.result_file, results);
  return failed ? kExitError : kExitOk;
}

}  // namespace meshrt::cli
