// `ttrt check`: can each binary run on a system? The system is --system-desc (a .ttsys file or
// a directory of them: every binary is checked against each), else --cluster, else the
// launch's $TT_CLUSTER, else the built-in galaxy. A binary fits when it loads and verifies, its
// meshes fit the system's chips, its peak DRAM need fits a chip and the arch is Wormhole.
// check_results.json: one entry per binary and system, in ttrt's shape
// {file_path, result, exception, log_file, artifacts, system_desc} plus meshrt's "programs".
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/verify/verify.hpp"
#include "meshrt/runtime/memory_plan.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;

namespace {

struct System {
  std::string name;  // what check_results.json's system_desc says
  ClusterDesc cluster;
};

std::vector<System> systems_to_check(const CheckOptions& o) {
  std::vector<System> out;
  if (!o.system_desc.empty()) {
    std::error_code ec;
    if (fs::is_directory(o.system_desc, ec)) {
      for (const std::string& f : expand_inputs({o.system_desc}, {".ttsys"})) {
        out.push_back({f, binary::load_cluster_file(f)});
      }
      if (out.empty()) {
        raise(ErrorCode::kNotFound,
              fmt::format("--system-desc {}: the directory holds no .ttsys file", o.system_desc));
      }
      return out;
    }
    out.push_back({o.system_desc, binary::load_cluster_file(o.system_desc)});
    return out;
  }
  const std::string path = launch_cluster_path(o.cluster);
  if (!path.empty()) {
    out.push_back({path, binary::load_cluster_file(path)});
  } else {
    out.push_back({"built-in default (galaxy 8x4)", builtin_cluster("default")});
  }
  return out;
}

}  // namespace

int cmd_check(const CheckOptions& o, comm::Communicator& comm) {
  if (comm.rank() != 0) return kExitOk;
  if (o.common.clean_artifacts) {
    std::error_code ec;
    fs::remove_all(o.common.artifact_dir, ec);
  }
  const std::vector<System> systems = systems_to_check(o);
  json results = json::array();
  bool failed = false;
  std::vector<std::string> files = expand_inputs(o.paths, {".ttnn"});
  if (files.empty()) {
    raise(ErrorCode::kNotFound,
          fmt::format("no .ttnn files found in {}", fmt::join(o.paths, ", ")));
  }
  for (const auto& file : files) {
    for (const System& system : systems) {
      const ClusterDesc& cluster = system.cluster;
      const uint64_t dram = runtime::usable_dram_bytes(cluster.chip);
      json entry = {{"file_path", file},
                    {"log_file", o.common.log_file},
                    {"artifacts", o.common.artifact_dir},
                    {"system_desc", system.name}};
      std::vector<std::string> problems;
      try {
        binary::LoadOptions lo;
        lo.ignore_version = o.ignore_version;
        binary::Binary bin = verify::load_verified(read_file_bytes(file), file, lo);
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
                fmt::format("program '{}' needs a {} mesh ({} chips); system '{}' has {}", p.name,
                            p.mesh_shape.to_string(), p.mesh_shape.volume(), cluster.name,
                            cluster.mesh.volume()));
          }
          if (!fits_dram) {
            problems.push_back(fmt::format(
                "program '{}' needs {} bytes of DRAM per chip; a chip has {}", p.name, peak, dram));
          }
        }
        entry["meshrt"] = {{"cluster", cluster.name}, {"programs", programs}};
        if (o.common.save_artifacts) {
          fs::path dir = fs::path(o.common.artifact_dir) / fs::path(file).filename();
          fs::create_directories(dir);
          fs::copy_file(file, dir / fs::path(file).filename(),
                        fs::copy_options::overwrite_existing);
        }
      } catch (const Error& e) {
        problems.push_back(e.what());
      }
      entry["result"] = problems.empty() ? "pass" : "error";
      entry["exception"] = fmt::format("{}", fmt::join(problems, "; "));
      if (!problems.empty()) {
        failed = true;
        std::cerr << "error: " << file << " on " << system.name << ": "
                  << entry["exception"].get<std::string>() << "\n";
      } else {
        std::cout << "pass: " << file << " on " << system.name << "\n";
      }
      results.push_back(entry);
    }
  }
  write_json_file(o.common.result_file, results);
  return failed ? kExitError : kExitOk;
}

}  // namespace meshrt::cli
