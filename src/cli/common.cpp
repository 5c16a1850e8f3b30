#include "common.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <unistd.h>
#include <cerrno>

#include "meshrt/common/timeouts.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;

std::vector<std::string> expand_inputs(const std::vector<std::string>& paths,
                                       const std::vector<std::string>& extensions) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        const std::string ext = it->path().extension().string();
        if (it->is_regular_file(ec) &&
            std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) {
          found.push_back(it->path().string());
        }
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

void write_json_file(const std::string& path, const json& value) {
  write_file_atomic(path, value.dump(2) + "\n");
}

void write_npy(const std::string& path, const HostTensor& t) {
  DataType dtype = t.dtype();
  std::string descr;
  switch (dtype) {
    case DataType::kFloat32:
    case DataType::kBFloat16:
      descr = "<f4";
      break;
    case DataType::kFloat16:
      descr = "<f2";
      break;
    case DataType::kFloat64:
      descr = "<f8";
      break;
    case DataType::kInt32:
      descr = "<i4";
      break;
    case DataType::kUInt32:
      descr = "<u4";
      break;
    case DataType::kUInt16:
      descr = "<u2";
      break;
    case DataType::kUInt8:
      descr = "|u1";
      break;
    case DataType::kInt64:
      descr = "<i8";
      break;
    case DataType::kBool:
      descr = "|b1";
      break;
    case DataType::kInt16:
      descr = "<i2";
      break;
  }
  std::string shape;
  for (int64_t d : t.shape()) shape += std::to_string(d) + ",";
  if (t.shape().size() > 1) shape.pop_back();
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, shape);
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>(len >> 8));
  out += header;
  if (dtype == DataType::kBFloat16) {
    std::vector<float> f(static_cast<size_t>(t.volume()));
    for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(t.at(static_cast<int64_t>(i)));
    out.append(reinterpret_cast<const char*>(f.data()), f.size() * 4);
  } else {
    out.append(reinterpret_cast<const char*>(t.data()), t.size_bytes());
  }
  write_file_atomic(path, out);
}

std::vector<uint8_t> read_file_everywhere(comm::Communicator& comm, const std::string& path) {
  comm::Bytes bytes;
  if (comm.rank() == 0) {
    std::string error;
    ErrorCode code = ErrorCode::kInternal;
    try {
      bytes = read_file_bytes(path);
      bytes.push_back(1);  // status: ok
    } catch (const Error& e) {
      error = e.what();
      code = e.code();
      bytes.assign(error.begin(), error.end());
      bytes.push_back(static_cast<uint8_t>(code));
      bytes.push_back(0);  // status: error
    }
  }
  if (comm.size() > 1) {
    // Rank 0 knows the size; the others wait as long as the largest file could take.
    const Timeouts& t = Timeouts::get();
    comm.broadcast(bytes, 0,
                   comm::Deadline::after(comm.rank() == 0 ? t.data(bytes.size()) : t.file_broadcast));
  }
  if (bytes.empty()) raise(ErrorCode::kRankFailed, "empty file broadcast from rank 0");
  uint8_t status = bytes.back();
  bytes.pop_back();
  if (status == 0) {
    auto code = static_cast<ErrorCode>(bytes.back());
    bytes.pop_back();
    raise(code, std::string(bytes.begin(), bytes.end()));
  }
  return bytes;
}

std::string launch_cluster_path(const std::string& cluster_path) {
  if (!cluster_path.empty()) return cluster_path;
  const char* env = std::getenv("TT_CLUSTER");
  return env && *env ? env : "";
}

ClusterDesc choose_cluster(comm::Communicator& comm, const std::string& cluster_path,
                           const MeshShape& mesh) {
  const std::string path = launch_cluster_path(cluster_path);
  if (!path.empty()) {
    std::vector<uint8_t> bytes = read_file_everywhere(comm, path);
    return binary::cluster_from_bytes(bytes, path);
  }
  ClusterDesc def = builtin_cluster("default");
  if (mesh.volume() <= def.mesh.volume() && mesh.rows <= std::max(def.mesh.rows, def.mesh.cols) &&
      mesh.cols <= std::max(def.mesh.rows, def.mesh.cols)) {
    return def;
  }
  return builtin_cluster("dual_galaxy");
}

namespace {
bool g_log_file_append = false;
}  // namespace

void set_log_file_append(bool append) { g_log_file_append = append; }

void setup_logging(int rank, const std::string& log_file) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  const char* env = std::getenv("TTRT_LOGGER_LEVEL");
  if (!env || !*env) env = std::getenv("LOGGER_LEVEL");
  spdlog::level::level_enum level = spdlog::level::warn;
  if (env && *env) {
    std::string v = env;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "warning") v = "warn";
    if (v == "fatal") v = "critical";
    level = spdlog::level::from_str(v);
  } else if (!log_file.empty()) {
    level = spdlog::level::info;  // a log file asked for: what ttrt logs by default
  }
  // The terminal keeps warnings and worse unless the level asks for more; the file gets all.
  sinks[0]->set_level(std::max(level, env && *env ? level : spdlog::level::warn));
  if (!log_file.empty()) {
    std::string file = rank == 0 ? log_file : fmt::format("{}.rank{}", log_file, rank);
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file, !g_log_file_append));
    } catch (const spdlog::spdlog_ex& e) {
      if (rank == 0) {
        raise(ErrorCode::kInvalidArgument,
              fmt::format("--log-file {}: cannot open it: {}", file, e.what()));
      }
      std::fprintf(stderr, "warning: rank %d: --log-file %s: %s; logging to stderr only\n", rank,
                   file.c_str(), e.what());
    }
  }
  const std::string pattern = fmt::format("%Y-%m-%d %H:%M:%S.%e [rank {}] %^%l%$ %v", rank);
  auto logger = std::make_shared<spdlog::logger>("ttrt", sinks.begin(), sinks.end());
  logger->set_pattern(pattern);
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  // The same file without the terminal, for messages the terminal gets as plain text.
  spdlog::drop("ttrt-file");
  auto file_only = std::make_shared<spdlog::logger>("ttrt-file", sinks.begin() + 1, sinks.end());
  file_only->set_pattern(pattern);
  file_only->set_level(level);
  file_only->flush_on(spdlog::level::info);
  spdlog::register_logger(file_only);
}

void report_error(int rank, const std::string& message) {
  if (auto file = spdlog::get("ttrt-file")) file->error("{}", message);
  if (rank == 0) std::cerr << "error: " << message << "\n";
}

std::string default_artifact_dir() {
  const char* home = std::getenv("TT_MLIR_HOME");
  fs::path root = home && *home ? fs::path(home) : fs::current_path();
  return (root / "ttrt-artifacts").lexically_normal().string();
}

namespace {

// Creates and removes a file in `dir`: the one check of writability that holds for root and
// for read-only mounts alike. Returns the error text, "" when it worked.
std::string probe_write(const fs::path& dir) {
  fs::path probe = dir / fmt::format(".ttrt-write-check.{}", getpid());
  FILE* f = std::fopen(probe.c_str(), "w");
  if (!f) return std::strerror(errno);
  std::fclose(f);
  std::remove(probe.c_str());
  return "";
}

void check_file(const std::string& flag, const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    raise(ErrorCode::kInvalidArgument, fmt::format("{} {}: is a directory", flag, path));
  }
  fs::path dir = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(dir, ec)) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{} {}: directory {} does not exist", flag, path, dir.string()));
  }
  if (std::string why = probe_write(dir); !why.empty()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{} {}: cannot write in {}: {}", flag, path, dir.string(), why));
  }
}

}  // namespace

void preflight_paths(const CommonOptions& o, bool writes_artifacts) {
  check_file("--result-file", o.result_file);
  check_file("--log-file", o.log_file);
  std::error_code ec;
  const std::string& dir = o.artifact_dir;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("--artifact-dir {}: exists and is not a directory", dir));
  }
  if (!writes_artifacts) return;
  fs::create_directories(dir, ec);
  if (ec) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("--artifact-dir {}: cannot create it: {}", dir, ec.message()));
  }
  if (std::string why = probe_write(dir); !why.empty()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("--artifact-dir {}: cannot write in it: {}", dir, why));
  }
}

std::map<uint32_t, std::vector<uint32_t>> parse_dirty_tensor_schedule(const std::string& text) {
  std::map<uint32_t, std::vector<uint32_t>> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string entry = text.substr(start, end - start);
    auto bad = [&](const std::string& why) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("--dirty-tensor-schedule: entry '{}' {} (expected 'index:iterations,...')",
                        entry, why));
    };
    size_t colon = entry.find(':');
    if (colon == std::string::npos) bad("has no ':'");
    if (entry.find(':', colon + 1) != std::string::npos) bad("has more than one ':'");
    auto number = [&](const std::string& s) -> uint32_t {
      if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9) {
        bad("needs two non-negative integers");
      }
      return static_cast<uint32_t>(std::stoul(s));
    };
    uint32_t index = number(entry.substr(0, colon));
    uint32_t iterations = number(entry.substr(colon + 1));
    out[iterations].push_back(index);
    start = end + 1;
  }
  return out;
}

std::string json_file_name(const std::string& result_file, const std::string& fallback) {
  return result_file.empty() ? fallback : result_file;
}

}  // namespace meshrt::cli
