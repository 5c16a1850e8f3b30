#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include <iostream>
#include <map>
#include <type_traits>
#include <variant>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/mesh/cluster.hpp"

namespace meshrt::cli {

namespace fs = std::filesystem;

namespace {

json tensor_json(const binary::TensorDesc& d) {
  json j = {{"shape", d.shape},
            {"dtype", std::string(mlir_name(d.dtype))},
            {"layout", d.layout == binary::Layout::kTile
                           ? "tile"
                           : (d.layout == binary::Layout::kRowMajor ? "row_major" : "conv_weight")},
            {"memory", d.buffer == binary::BufferType::kL1 ? "l1" : "dram"},
            {"memory_layout",
             d.memory_layout == binary::MemoryLayout::kSharded ? "sharded" : "interleaved"}};
  if (d.presharded) {
    j["shard_status"] = "presharded";
    j["local_shape"] = d.local_shape;
  }
  if (!d.name.empty()) j["name"] = d.name;
  if (!d.argument_type.empty()) j["argument_type"] = d.argument_type;
  return j;
}

json per_program(const binary::Binary& bin, const std::function<json(const binary::Program&)>& f) {
  json out = json::array();
  for (const auto& p : bin.programs) out.push_back({{"program", p.name}, {"value", f(p)}});
  return out;
}

json binary_section(const binary::Binary& bin, const std::string& section) {
  if (section == "version") {
    return {{"version", bin.version.to_string()},
            {"schema_hash", bin.schema_hash},
            {"source", bin.source_path}};
  }
  if (section == "system_desc") {
    // A binary carries no system description; it records the mesh each program needs.
    return per_program(bin, [](const binary::Program& p) -> json {
      return {{"mesh_shape", p.mesh_shape.to_string()}, {"chips", p.mesh_shape.volume()}};
    });
  }
  if (section == "mlir") return {{"source", bin.mlir_source}};
  if (section == "inputs" || section == "outputs") {
    return per_program(bin, [&](const binary::Program& p) {
      json list = json::array();
      for (uint32_t id : section == "inputs" ? p.inputs : p.outputs) {
        list.push_back(tensor_json(p.values[id]));
      }
      return list;
    });
  }
  if (section == "op_stats") {
    return per_program(bin, [](const binary::Program& p) {
      std::map<std::string, int> counts;
      for (const auto& op : p.ops) counts[op.name]++;
      return json(counts);
    });
  }
  if (section == "mesh_shape") {
    return per_program(bin,
                       [](const binary::Program& p) { return json(p.mesh_shape.to_string()); });
  }
  if (section == "programs") {
    json list = json::array();
    for (size_t i = 0; i < bin.programs.size(); ++i) {
      const auto& p = bin.programs[i];
      size_t goldens = i < bin.goldens.size() ? bin.goldens[i].goldens.size() : 0;
      list.push_back({{"index", i},
                      {"name", p.name},
                      {"private", p.is_private},
                      {"mesh_shape", p.mesh_shape.to_string()},
                      {"num_inputs", p.inputs.size()},
                      {"num_outputs", p.outputs.size()},
                      {"num_ops", p.ops.size()},
                      {"num_goldens", goldens}});
    }
    return list;
  }
  json all;
  for (const char* s : {"version", "programs", "mesh_shape", "inputs", "outputs", "op_stats",
                        "system_desc", "mlir"}) {
    all[s] = binary_section(bin, s);
  }
  return all;
}

}  // namespace

json system_desc_json(const binary::SystemDesc& d) {
  json j = json::parse(cluster_to_json_text(d.cluster));
  json cpus = json::array();
  for (const auto& c : d.host_cpus) {
    cpus.push_back({{"hostname", c.hostname},
                    {"packages", c.packages},
                    {"numa_nodes", c.numa_nodes},
                    {"cores", c.cores},
                    {"pus", c.pus}});
  }
  return {{"version", d.version.to_string()}, {"cluster", j}, {"host_cpus", cpus}};
}

namespace {

json attr_json(const binary::AttrValue& v) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, binary::DenseElements>) {
          return {{"shape", x.shape}, {"dtype", std::string(mlir_name(x.dtype))},
                  {"values", x.values}};
        } else {
          return json(x);
        }
      },
      v);
}

}  // namespace

json program_ops_json(const binary::Program& p) {
  json ops = json::array();
  for (const auto& op : p.ops) {
    json attrs = json::object();
    for (const auto& [k, v] : op.attrs) attrs[k] = attr_json(v);
    json operands = json::array(), results = json::array();
    for (uint32_t id : op.operands) operands.push_back(tensor_json(p.values[id]));
    for (uint32_t id : op.results) results.push_back(tensor_json(p.values[id]));
    ops.push_back({{"name", op.name},
                   {"loc", op.loc},
                   {"debug_str", op.debug_str},
                   {"attributes", attrs},
                   {"operands", operands},
                   {"results", results}});
  }
  return ops;
}

std::string read_section_json(const binary::Binary& bin, const std::string& section) {
  return binary_section(bin, section).dump(2);
}

std::string system_desc_json_text(const binary::SystemDesc& desc) {
  return system_desc_json(desc).dump(2);
}

std::string program_ops_json_text(const binary::Binary& bin, uint32_t program_index) {
  if (program_index >= bin.programs.size()) {
    raise(ErrorCode::kNotFound, fmt::format("program {} does not exist ({} programs)",
                                            program_index, bin.programs.size()));
  }
  return program_ops_json(bin.programs[program_index]).dump(2);
}

int cmd_read(const ReadOptions& o, comm::Communicator& comm) {
  if (comm.rank() != 0) return kExitOk;
  if (o.common.clean_artifacts) {
    std::error_code ec;
    fs::remove_all(o.common.artifact_dir, ec);
  }
  json results = json::array();
  json sections = json::array();
  bool failed = false;
  std::vector<std::string> files = expand_inputs(o.paths, {".ttnn", ".ttsys"});
  if (files.empty()) {
    results.push_back({{"file_path", fmt::format("{}", fmt::join(o.paths, " "))},
                       {"result", "error"},
                       {"exception", "no binaries found at the given path"},
                       {"log_file", o.common.log_file},
                       {"artifacts", o.common.artifact_dir}});
    write_json_file(o.common.result_file, results);
    raise(ErrorCode::kNotFound,
          fmt::format("no .ttnn or .ttsys files found in {}", fmt::join(o.paths, ", ")));
  }
  for (const auto& file : files) {
    json entry = {
        {"file_path", file}, {"log_file", o.common.log_file}, {"artifacts", o.common.artifact_dir}};
    spdlog::info("reading section={} from binary={}", o.section, file);
    try {
      std::vector<uint8_t> bytes = read_file_bytes(file);
      json content;
      if (binary::looks_like_system_desc(bytes)) {
        content = system_desc_json(binary::deserialize_system_desc(bytes, file));
      } else {
        binary::LoadOptions lo;
        lo.ignore_version = o.ignore_version;
        content = binary_section(binary::deserialize(bytes, file, lo), o.section);
      }
      if (!o.quiet) {
        if (o.section == "mlir" && content.contains("source")) {
          std::cout << "// " << file << "\n" << content["source"].get<std::string>() << "\n";
        } else {
          std::cout << json{{"file_path", file}, {o.section, content}}.dump(2) << "\n";
        }
      }
      sections.push_back({{"file_path", file}, {o.section, content}});
      if (o.common.save_artifacts) {
        fs::path dir = fs::path(o.common.artifact_dir) / fs::path(file).filename();
        fs::create_directories(dir);
        fs::copy_file(file, dir / fs::path(file).filename(), fs::copy_options::overwrite_existing);
      }
      entry["result"] = "pass";
      entry["exception"] = "";
    } catch (const Error& e) {
      failed = true;
      entry["result"] = "error";
      entry["exception"] = e.what();
      std::cerr << "error: " << e.what() << "\n";
    } catch (const fs::filesystem_error& e) {
      failed = true;
      entry["result"] = "error";
      entry["exception"] = fmt::format("saving the artifacts of {}: {}", file, e.what());
      std::cerr << "error: " << entry["exception"].get<std::string>() << "\n";
    }
    results.push_back(entry);
  }
  if (!o.read_file.empty()) write_json_file(o.read_file, sections);
  write_json_file(o.common.result_file, results);
  return failed ? kExitError : kExitOk;
}

}  // namespace meshrt::cli
