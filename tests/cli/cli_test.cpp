// The CLI as a library: run_ttrt in this process, as `ttrt` would run it, on real binaries in a
// scratch directory; and the functions behind `ttrt read`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/expect_error.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/comm/local.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/compiler/compile.hpp"

namespace fs = std::filesystem;
using meshrt::ErrorCode;
using nlohmann::json;

namespace {

// A fresh directory the test works in; the previous working directory comes back after.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_ = fs::current_path();
    dir_ = fs::temp_directory_path() /
           ("meshrt_cli_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::current_path(dir_);
    comm_ = meshrt::comm::make_single_process();
  }
  void TearDown() override {
    fs::current_path(old_);
    fs::remove_all(dir_);
  }
  int ttrt(std::vector<std::string> args) {
    args.insert(args.begin(), "ttrt");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return meshrt::cli::run_ttrt(static_cast<int>(argv.size()), argv.data(), *comm_);
  }
  static json load(const std::string& path) {
    std::ifstream in(path);
    return json::parse(in);
  }
  std::string example(const std::string& name) {
    return std::string(MESHRT_SOURCE_DIR) + "/examples/mlir/" + name;
  }

  fs::path old_, dir_;
  std::unique_ptr<meshrt::comm::Communicator> comm_;
};

TEST_F(CliTest, CompileThenRunPasses) {
  ASSERT_EQ(ttrt({"compile", example("tp_linear_2x4.mlir"), "-o", "tp.ttnn"}), 0);
  ASSERT_TRUE(fs::exists("tp.ttnn"));
  EXPECT_EQ(ttrt({"run", "tp.ttnn"}), meshrt::cli::kExitOk);
  json r = load("run_results.json");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["result"], "pass") << r.dump();
}

// A planted wrong result is caught at that op (exit 42, the op named); a planted leak by the
// leak check (exit 1).
TEST_F(CliTest, PlantedFaultsAreCaught) {
  ASSERT_EQ(ttrt({"compile", example("tp_linear_2x4.mlir"), "-o", "tp.ttnn"}), 0);
  EXPECT_EQ(ttrt({"run", "tp.ttnn", "--inject-fault", "gelu"}), meshrt::cli::kExitGoldenFailure);
  json r = load("run_results.json");
  EXPECT_EQ(r[0]["result"], "test_error");
  EXPECT_NE(r[0]["exception"].get<std::string>().find("gelu"), std::string::npos) << r.dump();
  EXPECT_EQ(ttrt({"run", "tp.ttnn", "--check-memory-leak", "--debug-leak", "gelu"}),
            meshrt::cli::kExitError);
  EXPECT_EQ(ttrt({"run", "tp.ttnn", "--check-memory-leak"}), meshrt::cli::kExitOk);
}

// Flags that name something the binary does not have, or are malformed, fail the run with a
// message naming the flag; nothing passes silently.
TEST_F(CliTest, BadFlagsAreErrors) {
  ASSERT_EQ(ttrt({"compile", example("tp_linear_2x4.mlir"), "-o", "tp.ttnn"}), 0);
  EXPECT_EQ(ttrt({"run", "tp.ttnn", "--inject-fault", "no_such_op"}), meshrt::cli::kExitError);
  json r = load("run_results.json");
  const std::string why = r[0]["exception"].get<std::string>();
  EXPECT_NE(why.find("--inject-fault"), std::string::npos) << why;
  EXPECT_NE(why.find("no_such_op"), std::string::npos) << why;
  EXPECT_NE(ttrt({"run", "tp.ttnn", "--dirty-tensor-schedule", "0:x"}), meshrt::cli::kExitOk);
  EXPECT_NE(ttrt({"run", "tp.ttnn", "--no-such-flag"}), meshrt::cli::kExitOk);
  EXPECT_NE(ttrt({"run", "missing.ttnn"}), meshrt::cli::kExitOk);
}

TEST_F(CliTest, ReadSectionsOfABinary) {
  meshrt::compiler::CompileOptions co;
  co.path = "two_programs.mlir";
  meshrt::binary::Binary bin =
      meshrt::compiler::compile_mlir(meshrt::read_file_text(example("two_programs.mlir")), co);
  json programs = json::parse(meshrt::cli::read_section_json(bin, "programs"));
  ASSERT_FALSE(programs.empty());
  EXPECT_EQ(programs.dump().find("\"name\"") != std::string::npos, true) << programs.dump();
  json ops = json::parse(meshrt::cli::program_ops_json_text(bin, 0));
  EXPECT_FALSE(ops.empty());
  meshrt::testing::expect_error(
      [&] { meshrt::cli::program_ops_json_text(bin, static_cast<uint32_t>(bin.programs.size())); },
      ErrorCode::kNotFound, "program");
}

TEST(CliCommandLine, OnlyRunHasOneController) {
  std::vector<std::string> run{"ttrt", "run", "x.ttnn"}, read{"ttrt", "read", "x.ttnn"};
  auto argv = [](std::vector<std::string>& v) {
    static std::vector<char*> p;
    p.clear();
    for (auto& a : v) p.push_back(a.data());
    return p.data();
  };
  EXPECT_TRUE(meshrt::cli::is_run_command(3, argv(run)));
  EXPECT_FALSE(meshrt::cli::is_run_command(3, argv(read)));
}

}  // namespace
