#include "launcher/host_network.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <bit>

#include <fmt/format.h>

namespace meshrt::launcher {

std::optional<uint32_t> parse_ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string format_ipv4(uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 255, (address >> 8) & 255,
                     address & 255);
}

namespace {
bool is_loopback(uint32_t address) { return (address >> 24) == 127; }
}  // namespace

std::optional<std::string> network_reaching(uint32_t address,
                                            const std::vector<Ipv4Interface>& interfaces) {
  for (const auto& i : interfaces) {
    if (is_loopback(i.address) || i.netmask == 0) continue;
    if ((address & i.netmask) == (i.address & i.netmask)) {
      return fmt::format("{}/{}", format_ipv4(i.address & i.netmask), std::popcount(i.netmask));
    }
  }
  return std::nullopt;
}

bool is_own_address(uint32_t address, const std::vector<Ipv4Interface>& interfaces) {
  return is_loopback(address) ||
         std::any_of(interfaces.begin(), interfaces.end(),
                     [&](const Ipv4Interface& i) { return i.address == address; });
}

std::vector<Ipv4Interface> local_interfaces() {
  std::vector<Ipv4Interface> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask) continue;
    if (!(i->ifa_flags & IFF_UP)) continue;
    Ipv4Interface iface;
    iface.name = i->ifa_name;
    iface.address = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
    iface.netmask = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr.s_addr);
    out.push_back(iface);
  }
  freeifaddrs(list);
  return out;
}

std::vector<uint32_t> resolve_ipv4(const std::string& host) {
  if (auto a = parse_ipv4(host)) return {*a};
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::vector<uint32_t> out;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return out;
  for (addrinfo* r = res; r; r = r->ai_next) {
    uint32_t a = ntohl(reinterpret_cast<sockaddr_in*>(r->ai_addr)->sin_addr.s_addr);
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  freeaddrinfo(res);
  return out;
}

}  // namespace meshrt::launcher
