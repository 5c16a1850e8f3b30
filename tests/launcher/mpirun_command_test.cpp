#include "launcher/mpirun_command.hpp"

#include <gtest/gtest.h>

#include "common/expect_error.hpp"

#include "meshrt/common/error.hpp"

namespace meshrt::launcher {
namespace {

const std::string kBindings = std::string(MESHRT_SOURCE_DIR) + "/configs/rank_bindings/";
const std::string kClusters = std::string(MESHRT_SOURCE_DIR) + "/configs/clusters/";

LaunchHost test_host(int cores = 16, int numa = 1, bool root = true) {
  LaunchHost h;
  h.mpirun = "mpirun";
  h.as_root = root;
  h.local_names.push_back("box");
  h.topology = {cores, numa};
  return h;
}

std::string line(const std::vector<std::string>& args, const LaunchHost& host,
                 bool with_binding = true) {
  LaunchOptions o = parse_launch_args(args);
  std::optional<RankBindingConfig> b;
  if (with_binding && !o.rank_binding.empty()) b = load_rank_binding(o.rank_binding);
  return shell_join(build_mpirun_command(o, b, host).argv);
}

TEST(MpirunCommand, PlainNpOnLocalHost) {
  EXPECT_EQ(line({"--np", "2", "--", "/bin/true"}, test_host()),
            "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --mca btl "
            "self,vader --mca oob_tcp_if_include lo --map-by slot:PE=8 --bind-to core -np 1 -x "
            "TT_MESH_ID=0 -x TT_MESH_HOST_RANK=0 /bin/true : -np 1 -x TT_MESH_ID=0 -x "
            "TT_MESH_HOST_RANK=1 /bin/true");
}

TEST(MpirunCommand, N300BindingForwardsEnvAndCluster) {
  std::string l = line({"--rank-binding", kBindings + "n300_2proc.yaml", "--bind-to", "none", "--",
                        "ttrt", "run", "my model.ttnn"},
                       test_host(16, 1, false));
  EXPECT_EQ(l,
            "mpirun --mca btl self,vader --mca oob_tcp_if_include lo --bind-to none -np 1 -x "
            "TT_MESH_ID=0 -x TT_MESH_HOST_RANK=0 -x TT_CLUSTER=" +
                kClusters +
                "n300.json -x TT_VISIBLE_DEVICES=0 ttrt run 'my model.ttnn' : -np 1 -x "
                "TT_MESH_ID=0 -x TT_MESH_HOST_RANK=1 -x TT_CLUSTER=" +
                kClusters + "n300.json -x TT_VISIBLE_DEVICES=1 ttrt run 'my model.ttnn'");
}

TEST(MpirunCommand, DualGalaxyOverTwoRemoteHosts) {
  std::string l = line({"--rank-binding", kBindings + "dual_galaxy_2host.yaml", "--hosts",
                        "gx0,gx1", "--mpi-args", "--mca btl tcp,self", "--", "ttrt", "query"},
                       test_host(16, 2, false));
  EXPECT_EQ(l,
            "mpirun --host gx0:1,gx1:1 --mca oob_tcp_keepalive_time 2 --mca "
            "oob_tcp_keepalive_intvl 1 --mca oob_tcp_keepalive_probes 3 --bind-to none --mca btl "
            "tcp,self -np 1 -x TT_MESH_ID=0 "
            "-x TT_MESH_HOST_RANK=0 -x TT_CLUSTER=" +
                kClusters +
                "dual_galaxy.json ttrt query : -np 1 -x TT_MESH_ID=0 -x TT_MESH_HOST_RANK=1 -x "
                "TT_CLUSTER=" +
                kClusters + "dual_galaxy.json ttrt query");
}

TEST(MpirunCommand, T3kGlobalEnvAndNumaBinding) {
  std::string l = line({"--rank-binding", kBindings + "t3k_2proc.yaml", "--", "a.out"},
                       test_host(16, 2, false));
  EXPECT_NE(l.find("--map-by numa --bind-to numa"), std::string::npos) << l;
  EXPECT_NE(l.find("-x TTRT_LOGGER_LEVEL=INFO a.out : "), std::string::npos) << l;
}

TEST(MpirunCommand, OversubscribesWhenRanksExceedCores) {
  std::string l = line({"--np", "4", "--", "x"}, test_host(2, 1, false));
  EXPECT_NE(l.find("mpirun --oversubscribe --mca btl self,vader"), std::string::npos) << l;
  EXPECT_NE(l.find("--bind-to none"), std::string::npos) << l;
  EXPECT_EQ(l.find("OMPI_ALLOW_RUN_AS_ROOT"), std::string::npos) << l;
}

TEST(MpirunCommand, BlockDistributionOverHosts) {
  std::string l = line({"--np", "5", "--hosts", "a,b", "--", "x"}, test_host());
  EXPECT_NE(l.find("--host a:3,b:2"), std::string::npos) << l;
  LaunchOptions o = parse_launch_args({"--np", "5", "--hosts", "a,b", "--", "x"});
  EXPECT_EQ(describe_placement(build_mpirun_command(o, std::nullopt, test_host())),
            "a: ranks 0-2; b: ranks 3-4");
  // Remote hosts: TCP between hosts, shared memory within one; no loopback-only default.
  EXPECT_NE(l.find("--mca btl self,vader,tcp"), std::string::npos) << l;
  EXPECT_EQ(l.find("oob_tcp_if_include"), std::string::npos) << l;  // no network known
}

TEST(MpirunCommand, HostfileHostsGetBlocksAndTheNetworkReachingThem) {
  LaunchHost h = test_host(2, 1, false);
  h.hostfile_hosts = {"box", "n1", "n2"};
  h.networks = {"198.18.0.0/24"};
  std::string l = line({"--np", "3", "--hostfile", "hf", "--bind-to", "none", "--", "x"}, h);
  EXPECT_EQ(l,
            "mpirun --host box:1,n1:1,n2:1 --hostfile hf --mca btl self,vader,tcp --mca "
            "btl_tcp_if_include 198.18.0.0/24 --mca oob_tcp_if_include 198.18.0.0/24 --mca "
            "oob_tcp_keepalive_time 2 --mca oob_tcp_keepalive_intvl 1 --mca "
            "oob_tcp_keepalive_probes 3 --bind-to none -np 1 -x TT_MESH_ID=0 -x TT_MESH_HOST_RANK=0 x : -np 1 -x TT_MESH_ID=0 -x "
            "TT_MESH_HOST_RANK=1 x : -np 1 -x TT_MESH_ID=0 -x TT_MESH_HOST_RANK=2 x");
  // What the user sets wins.
  l = line({"--np", "2", "--hostfile", "hf", "--mpi-args", "--mca oob_tcp_if_include eth9", "--",
            "x"},
           h);
  EXPECT_EQ(l.find("oob_tcp_if_include 198.18"), std::string::npos) << l;
  EXPECT_NE(l.find("--mca oob_tcp_if_include eth9"), std::string::npos) << l;
  EXPECT_NE(l.find("--host box:1,n1:1 "), std::string::npos) << l;
}

// The mpirun line of `args` is refused with `code` and `needle`.
void expect_error(ErrorCode code, const std::string& needle, const std::vector<std::string>& args,
                  LaunchHost host = test_host()) {
  testing::expect_error([&] { line(args, host); }, code, std::vector<std::string>{needle});
}

TEST(MpirunCommand, Errors) {
  expect_error(ErrorCode::kInvalidArgument, "--np 3 does not match the 2 ranks of",
               {"--np", "3", "--rank-binding", kBindings + "t3k_2proc.yaml", "--", "x"});
  expect_error(ErrorCode::kNotFound, "--cluster: file /no/such.json does not exist",
               {"--np", "1", "--cluster", "/no/such.json", "--", "x"});
  expect_error(ErrorCode::kInvalidArgument, "--bind-to core: 4 ranks per host do not fit on 2",
               {"--np", "4", "--bind-to", "core", "--", "x"}, test_host(2));
  expect_error(ErrorCode::kInvalidArgument, "tt-run: --np: expected a positive integer, got '0'",
               {"--np", "0", "--", "x"});
  expect_error(ErrorCode::kInvalidArgument, "tt-run: --frobnicate: unknown option",
               {"--frobnicate", "--", "x"});
  expect_error(ErrorCode::kInvalidArgument, "tt-run: PROGRAM: missing", {"--np", "2"});
  expect_error(ErrorCode::kInvalidArgument, "--timeout: expected a positive number",
               {"--timeout", "soon", "--", "x"});
  expect_error(ErrorCode::kInvalidArgument, "--bind-to: expected none, core, numa or auto",
               {"--bind-to", "socket", "--", "x"});
  expect_error(ErrorCode::kInvalidArgument, "give either --hosts or --hostfile",
               {"--hosts", "a", "--hostfile", "h", "--", "x"});
  expect_error(ErrorCode::kInvalidArgument, "--mpi-args: unterminated",
               {"--mpi-args", "--mca 'btl", "--", "x"});
}

TEST(MpirunCommand, ClusterOptionOverridesBinding) {
  std::string l = line({"--rank-binding", kBindings + "t3k_2proc.yaml", "--cluster",
                        kClusters + "galaxy.json", "--", "x"},
                       test_host());
  EXPECT_NE(l.find("TT_CLUSTER=" + kClusters + "galaxy.json"), std::string::npos) << l;
  EXPECT_EQ(l.find("t3k.json"), std::string::npos) << l;
}

TEST(LaunchOptions, ParsesForms) {
  LaunchOptions o = parse_launch_args(
      {"--np=3", "--timeout", "2.5", "--dry-run", "--mpi-args", "-x 'A=b c' --tag", "prog", "-v"});
  EXPECT_EQ(o.np, 3);
  EXPECT_DOUBLE_EQ(*o.timeout_s, 2.5);
  EXPECT_TRUE(o.dry_run);
  EXPECT_EQ(o.mpi_args, (std::vector<std::string>{"-x", "A=b c", "--tag"}));
  EXPECT_EQ(o.program, (std::vector<std::string>{"prog", "-v"}));
  EXPECT_TRUE(parse_launch_args({"--help"}).help);
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

}  // namespace
}  // namespace meshrt::launcher
