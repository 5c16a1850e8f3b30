// Which of this machine's IPv4 networks reach the hosts of a launch, so that tt-run can tell
// Open MPI which interfaces to use (btl_tcp_if_include / oob_tcp_if_include). The matching is a
// pure function over plain values; local_interfaces() and resolve_ipv4() ask the machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshrt::launcher {

struct Ipv4Interface {
  std::string name;
  uint32_t address = 0;  // host byte order
  uint32_t netmask = 0;  // host byte order
};

// "198.18.0.10" -> 0xC612000A; nullopt when not a dotted quad.
std::optional<uint32_t> parse_ipv4(const std::string& text);
std::string format_ipv4(uint32_t address);

// The network ("198.18.0.0/24") of the interface whose subnet holds `address`, excluding
// loopback; nullopt when no interface does (the host is reached through a router).
std::optional<std::string> network_reaching(uint32_t address,
                                            const std::vector<Ipv4Interface>& interfaces);

// True when `address` is one of the interfaces' own addresses (or in 127.0.0.0/8).
bool is_own_address(uint32_t address, const std::vector<Ipv4Interface>& interfaces);

// This machine's IPv4 interfaces that are up (getifaddrs).
std::vector<Ipv4Interface> local_interfaces();

// The IPv4 addresses a host name resolves to (getaddrinfo; a dotted quad is itself); empty
// when it does not resolve.
std::vector<uint32_t> resolve_ipv4(const std::string& host);

}  // namespace meshrt::launcher
