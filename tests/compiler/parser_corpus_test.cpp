// Parses and verifies every TTIR file of the conformance corpus (MESHRT_CORPUS_DIR) and prints
// the failures by reason plus the most wanted missing ops.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "meshrt/common/error.hpp"
#include "meshrt/compiler/parser.hpp"
#include "meshrt/verify/verify.hpp"

namespace meshrt::compiler {

using namespace meshrt::verify;
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// CI sets MESHRT_REQUIRE_CORPUS: a missing corpus is then a failure, not a skip.
bool corpus_required() {
  const char* v = std::getenv("MESHRT_REQUIRE_CORPUS");
  return v && *v && std::string(v) != "0";
}

// The program text without `//` comment lines.
std::string code_lines(const std::string& text) {
  std::stringstream in(text), out;
  std::string line;
  while (std::getline(in, line)) {
    size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line.compare(first, 2, "//") == 0) continue;
    out << line << '\n';
  }
  return out.str();
}

std::set<std::string> ttir_ops_in(const std::string& code) {
  static const std::regex op_re("\"ttir\\.([a-z_0-9]+)\"");
  std::set<std::string> ops;
  for (auto it = std::sregex_iterator(code.begin(), code.end(), op_re);
       it != std::sregex_iterator(); ++it) {
    ops.insert((*it)[1]);
  }
  return ops;
}

bool is_multi_device(const std::set<std::string>& ops) {
  for (const char* name : {"mesh_shard", "all_gather", "reduce_scatter", "all_reduce"}) {
    if (ops.count(name)) return true;
  }
  return false;
}

// "path:1:2: unsupported op 'ttir.foo'" -> "unsupported op 'ttir.foo'"; other messages are cut
// to their first clause so that similar failures group together.
std::string reason_of(const Error& e) {
  std::string m = e.what();
  static const std::regex prefix_re("^[^:]*:[0-9]+:[0-9]+: ");
  m = std::regex_replace(m, prefix_re, "");
  static const std::regex loc_re("at loc '[^']*': ");
  m = std::regex_replace(m, loc_re, "");
  if (m.rfind("unsupported element type", 0) == 0) return "unsupported element type";
  if (m.size() > 90) m = m.substr(0, 90) + "...";
  return std::string(to_string(e.code())) + ": " + m;
}

TEST(ParserCorpus, ParsesAndVerifiesTheCorpus) {
  fs::path root(MESHRT_CORPUS_DIR);
  if (!fs::is_directory(root)) {
    if (corpus_required()) FAIL() << "corpus not found at " << root << " (MESHRT_REQUIRE_CORPUS)";
    GTEST_SKIP() << "corpus not found at " << root;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".mlir")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 200u);

  size_t passed = 0;
  std::vector<std::string> multi_device_failures;
  size_t multi_device = 0;
  std::map<std::string, std::vector<std::string>> failures_by_reason;
  std::map<std::string, size_t> missing_ops;  // op -> number of files using it
  for (const fs::path& file : files) {
    std::string rel = fs::relative(file, root).string();
    std::string text = read_text(file);
    std::set<std::string> ops = ttir_ops_in(code_lines(text));
    for (const std::string& op : ops) {
      if (!supported_ops().count(op)) ++missing_ops[op];
    }
    bool multi = is_multi_device(ops);
    multi_device += multi ? 1 : 0;
    try {
      ParseOptions options{rel, mesh_shape_hint(text)};
      binary::Binary b = parse_mlir(text, options);
      verify_and_annotate(b, rel);
      ++passed;
    } catch (const Error& e) {
      failures_by_reason[reason_of(e)].push_back(rel);
      if (multi) multi_device_failures.push_back(rel + ": " + e.what());
    }
  }

  std::vector<std::pair<std::string, std::vector<std::string>>> reasons(failures_by_reason.begin(),
                                                                        failures_by_reason.end());
  std::sort(reasons.begin(), reasons.end(),
            [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  std::printf("\nCorpus: %zu / %zu files parse and verify (%.1f%%); multi-device: %zu files\n",
              passed, files.size(),
              100.0 * static_cast<double>(passed) / static_cast<double>(files.size()),
              multi_device);
  std::printf("%-6s %s\n", "files", "failure reason (example)");
  for (const auto& [reason, list] : reasons)
    std::printf("%-6zu %s  (%s)\n", list.size(), reason.c_str(), list[0].c_str());
  std::vector<std::pair<std::string, size_t>> wanted(missing_ops.begin(), missing_ops.end());
  std::sort(wanted.begin(), wanted.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  std::printf("Most wanted missing ops (files using them):");
  for (const auto& [op, count] : wanted) std::printf(" %s=%zu", op.c_str(), count);
  std::printf("\n");

  EXPECT_GE(multi_device, 14u);
  EXPECT_TRUE(multi_device_failures.empty()) << [&] {
    std::string all;
    for (const auto& f : multi_device_failures) all += f + "\n";
    return all;
  }();
  EXPECT_GE(static_cast<double>(passed), 0.6 * static_cast<double>(files.size()));
}

TEST(ParserCorpus, ModelsCarryMeshAndPreshardedArguments) {
  fs::path file = fs::path(MESHRT_CORPUS_DIR) /
                  "models/single_blocks_and_layers/llama_3_1_70b_tp_decode_layer.mlir";
  if (!fs::exists(file)) {
    if (corpus_required()) FAIL() << "corpus not found at " << file << " (MESHRT_REQUIRE_CORPUS)";
    GTEST_SKIP() << "corpus not found";
  }
  std::string text = read_text(file);
  binary::Binary b = parse_mlir(text, ParseOptions{"llama70b.mlir", std::nullopt});
  verify_and_annotate(b, "llama70b.mlir");
  ASSERT_FALSE(b.programs.empty());
  const binary::Program& p = b.programs[0];
  EXPECT_EQ(p.mesh_shape, (MeshShape{2, 4}));
  ASSERT_FALSE(p.inputs.empty());
  const binary::TensorDesc& arg0 = p.values[p.inputs[0]];
  EXPECT_TRUE(arg0.presharded);
  EXPECT_EQ(arg0.local_shape, (Shape{1}));
  EXPECT_EQ(arg0.argument_type, "input");
  EXPECT_EQ(arg0.name, "arg15_1");
  std::set<std::string> locs;
  for (const binary::Op& op : p.ops)
    EXPECT_TRUE(locs.insert(op.loc).second) << "duplicate loc " << op.loc;
}

}  // namespace
}  // namespace meshrt::compiler
