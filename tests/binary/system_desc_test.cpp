#include "common/expect_error.hpp"
#include "meshrt/binary/system_desc.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "meshrt/common/error.hpp"

namespace meshrt::binary {
namespace {

TEST(SystemDesc, RoundTripKeepsClusterAndHosts) {
  SystemDesc d;
  d.version = Version{0, 1, 0};
  d.cluster = builtin_cluster("dual_galaxy");
  d.host_cpus = {{"host-a", 1, 1, 16, 32}, {"host-b", 2, 2, 32, 64}};
  std::vector<uint8_t> bytes = serialize_system_desc(d);
  ASSERT_TRUE(looks_like_system_desc(bytes));
  SystemDesc back = deserialize_system_desc(bytes, "mem.ttsys");
  EXPECT_EQ(back.cluster, d.cluster);
  ASSERT_EQ(back.host_cpus.size(), 2u);
  EXPECT_EQ(back.host_cpus[1].hostname, "host-b");
  EXPECT_EQ(back.host_cpus[1].cores, 32u);
  EXPECT_EQ(back.version, d.version);
}

TEST(SystemDesc, NegativeZeroLatencyRoundTripsAsZero) {
  SystemDesc d;
  d.cluster = builtin_cluster("t3k");
  d.cluster.chip.eth_hop_latency_ns = -0.0;
  SystemDesc once = deserialize_system_desc(serialize_system_desc(d), "once.ttsys");
  SystemDesc twice = deserialize_system_desc(serialize_system_desc(once), "twice.ttsys");
  EXPECT_FALSE(std::signbit(once.cluster.chip.eth_hop_latency_ns));
  EXPECT_EQ(cluster_to_json_text(twice.cluster), cluster_to_json_text(once.cluster));
}

TEST(SystemDesc, HwlocSeesThisHost) {
  HostCpu cpu = discover_host_cpu();
  EXPECT_FALSE(cpu.hostname.empty());
  EXPECT_GE(cpu.pus, 1u);
  EXPECT_GE(cpu.cores, 1u);
  EXPECT_GE(cpu.pus, cpu.cores);
}

TEST(SystemDesc, BadBytesAreRejected) {
  SystemDesc d;
  d.cluster = builtin_cluster("n300");
  std::vector<uint8_t> bytes = serialize_system_desc(d);
  std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + bytes.size() / 2);
  meshrt::testing::expect_error([&] { deserialize_system_desc(cut, "cut.ttsys"); },
                                ErrorCode::kInvalidArgument, "cut.ttsys");
  std::vector<uint8_t> junk(64, 0x5a);
  EXPECT_THROW(deserialize_system_desc(junk, "junk"), Error);
}

}  // namespace
}  // namespace meshrt::binary
