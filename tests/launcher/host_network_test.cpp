#include "launcher/host_network.hpp"

#include <gtest/gtest.h>

namespace meshrt::launcher {
namespace {

std::vector<Ipv4Interface> interfaces() {
  return {{"lo", *parse_ipv4("127.0.0.1"), *parse_ipv4("255.0.0.0")},
          {"eth0", *parse_ipv4("198.18.0.10"), *parse_ipv4("255.255.255.0")},
          {"ib0", *parse_ipv4("10.1.0.5"), *parse_ipv4("255.255.0.0")}};
}

TEST(HostNetwork, ParsesAndFormatsDottedQuads) {
  EXPECT_EQ(parse_ipv4("198.18.0.10"), 0xC612000Au);
  EXPECT_EQ(format_ipv4(0xC612000Au), "198.18.0.10");
  EXPECT_FALSE(parse_ipv4("mrt1").has_value());
  EXPECT_FALSE(parse_ipv4("198.18.0.300").has_value());
}

TEST(HostNetwork, FindsTheSubnetHoldingAHost) {
  EXPECT_EQ(network_reaching(*parse_ipv4("198.18.0.11"), interfaces()), "198.18.0.0/24");
  EXPECT_EQ(network_reaching(*parse_ipv4("10.1.200.9"), interfaces()), "10.1.0.0/16");
  // Behind a router, or loopback: no interface to name.
  EXPECT_FALSE(network_reaching(*parse_ipv4("198.18.1.11"), interfaces()).has_value());
  EXPECT_FALSE(network_reaching(*parse_ipv4("127.0.0.2"), interfaces()).has_value());
}

TEST(HostNetwork, KnowsItsOwnAddresses) {
  EXPECT_TRUE(is_own_address(*parse_ipv4("198.18.0.10"), interfaces()));
  EXPECT_TRUE(is_own_address(*parse_ipv4("127.0.1.1"), interfaces()));
  EXPECT_FALSE(is_own_address(*parse_ipv4("198.18.0.11"), interfaces()));
}

TEST(HostNetwork, ResolvesNamesAndQuads) {
  EXPECT_EQ(resolve_ipv4("198.18.0.12"), std::vector<uint32_t>{0xC612000Cu});
  std::vector<uint32_t> local = resolve_ipv4("localhost");
  ASSERT_FALSE(local.empty());
  EXPECT_EQ(local[0] >> 24, 127u);
  EXPECT_TRUE(resolve_ipv4("no-such-host.invalid").empty());
  // This machine's interfaces include loopback.
  std::vector<Ipv4Interface> mine = local_interfaces();
  EXPECT_TRUE(std::any_of(mine.begin(), mine.end(),
                          [](const Ipv4Interface& i) { return (i.address >> 24) == 127; }));
}

}  // namespace
}  // namespace meshrt::launcher
