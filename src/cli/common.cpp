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

#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;

std::vector<std::string> expand_inputs(const std::vector<std::string>& paths,
                                       const std::string& extension) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == extension) {
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
  if (comm.size() > 1) comm.broadcast(bytes, 0, comm::Deadline::after(std::chrono::seconds(60)));
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

ClusterDesc choose_cluster(comm::Communicator& comm, const std::string& cluster_path,
                           const MeshShape& mesh) {
  if (!cluster_path.empty()) {
    std::vector<uint8_t> bytes = read_file_everywhere(comm, cluster_path);
    return cluster_from_json_text(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), cluster_path);
  }
  ClusterDesc def = builtin_cluster("default");
  if (mesh.volume() <= def.mesh.volume() && mesh.rows <= std::max(def.mesh.rows, def.mesh.cols) &&
      mesh.cols <= std::max(def.mesh.rows, def.mesh.cols)) {
    return def;
  }
  return builtin_cluster("dual_galaxy");
}

void setup_logging(int rank, const std::string& log_file) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!log_file.empty()) {
    std::string file = rank == 0 ? log_file : fmt::format("{}.rank{}", log_file, rank);
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file, true));
  }
  auto logger = std::make_shared<spdlog::logger>("ttrt", sinks.begin(), sinks.end());
  logger->set_pattern(fmt::format("%Y-%m-%d %H:%M:%S.%e [rank {}] %^%l%$ %v", rank));
  spdlog::level::level_enum level = spdlog::level::warn;
  if (const char* env = std::getenv("TTRT_LOGGER_LEVEL")) {
    std::string v = env;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "warning") v = "warn";
    if (v == "critical" || v == "fatal") v = "critical";
    level = spdlog::level::from_str(v);
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::string json_file_name(const std::string& result_file, const std::string& fallback) {
  return result_file.empty() ? fallback : result_file;
}

}  // namespace meshrt::cli
