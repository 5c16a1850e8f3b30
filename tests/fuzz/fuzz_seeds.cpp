// Writes the starting corpora of the fuzzers: fuzz_seeds OUT_DIR SOURCE_DIR [CORPUS_DIR]
//   compile/       examples/mlir and the corpus's small TTIR files (< 16 KiB)
//   binary/        those under 8 KiB compiled, and the loader crash inputs kept in tests/
//   system_desc/   a .ttsys per built-in cluster
//   wire/          one message of every command kind, a response and an op output
//   cluster_json/  configs/clusters and the built-ins as written
//   rank_binding/  configs/rank_bindings
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "meshrt/binary/binary_io.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/compiler/compile.hpp"
#include "meshrt/compiler/parser.hpp"
#include "meshrt/mesh/cluster.hpp"
#include "common/sample_commands.hpp"
#include "wire.hpp"

namespace fs = std::filesystem;
using namespace meshrt;

namespace {

size_t written = 0;

void put(const fs::path& path, const void* data, size_t size) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(static_cast<const char*>(data), size);
  ++written;
}
void put(const fs::path& path, const std::vector<uint8_t>& b) { put(path, b.data(), b.size()); }
void put(const fs::path& path, const std::string& s) { put(path, s.data(), s.size()); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<fs::path> files(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ext) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fuzz_seeds OUT_DIR SOURCE_DIR [CORPUS_DIR]\n");
    return 2;
  }
  const fs::path out = argv[1], src = argv[2];
  fs::remove_all(out);
  std::vector<fs::path> mlir = files(src / "examples/mlir", ".mlir");
  if (argc > 3) {
    for (const fs::path& p : files(argv[3], ".mlir")) {
      if (fs::file_size(p) < 16 * 1024) mlir.push_back(p);
    }
  }
  std::vector<uint8_t> small_binary;
  for (const fs::path& p : mlir) {
    std::string text = slurp(p);
    std::string stem = p.parent_path().filename().string() + "_" + p.stem().string();
    put(out / "compile" / (stem + ".mlir"), text);
    if (text.size() > 8 * 1024) continue;
    compiler::CompileOptions o;
    o.path = p.string();
    o.mesh_override = compiler::mesh_shape_hint(text);
    if (p.stem() == "all_gather_8x4") o.mesh_override = MeshShape{8, 4};
    o.golden_budget_bytes = 64 << 10;
    o.golden_input_limit_bytes = 1 << 20;
    std::vector<std::string> warnings;
    o.warnings = &warnings;
    std::vector<uint8_t> bytes;
    try {
      bytes = binary::serialize(compiler::compile_mlir(text, o));
    } catch (const Error&) {
      continue;  // a corpus file meshrt does not compile is still a seed of the compile fuzzer
    }
    if (small_binary.empty() || bytes.size() < small_binary.size()) small_binary = bytes;
    put(out / "binary" / (stem + ".ttnn"), bytes);
  }
  for (const fs::path& p : files(src / "tests/binary/data/loader_crashes", "")) {
    put(out / "binary" / p.filename(), slurp(p));
  }
  for (const std::string& name : builtin_cluster_names()) {
    binary::SystemDesc d;
    d.version = binary::current_version();
    d.cluster = builtin_cluster(name);
    d.host_cpus.push_back({"host0", 1, 1, 2, 4});
    put(out / "system_desc" / (name + ".ttsys"), binary::serialize_system_desc(d));
    put(out / "cluster_json" / (name + "_builtin.json"), cluster_to_json_text(d.cluster));
  }
  for (const fs::path& p : files(src / "configs/clusters", ".json")) {
    put(out / "cluster_json" / p.filename(), slurp(p));
  }
  for (const fs::path& p : files(src / "configs/rank_bindings", ".yaml")) {
    put(out / "rank_binding" / p.filename(), slurp(p));
  }
  auto message = [&](const std::string& name, uint8_t selector, const std::vector<uint8_t>& b) {
    std::vector<uint8_t> m{selector};
    m.insert(m.end(), b.begin(), b.end());
    put(out / "wire" / name, m);
  };
  for (const runtime::wire::Command& c : meshrt::testing::sample_commands(
           small_binary, cluster_to_json_text(builtin_cluster("t3k")))) {
    message("command_" + std::string(runtime::wire::kind_name(c.kind())), 0,
            runtime::wire::encode(c, nullptr));
  }
  runtime::wire::Response r{5, 1, false, ErrorCode::kOutOfMemory, "rank 1: out of dram", {1, 2}};
  message("response", 1, runtime::wire::encode(r));
  runtime::TensorValue value;
  value.host =
      std::make_shared<HostTensor>(HostTensor::from_doubles({3}, DataType::kInt32, {1, 2, 3}));
  message("value", 2, runtime::wire::encode_value(value));
  std::printf("fuzz_seeds: wrote %zu seeds under %s\n", written, out.c_str());
  return written > 20 ? 0 : 1;
}
