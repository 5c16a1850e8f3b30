// Opening every chip of a Galaxy and filling their memory costs metadata only, never the size
// of the simulated DRAM or L1.
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include <unistd.h>

#include "meshrt/device/device.hpp"
#include "meshrt/mesh/cluster.hpp"

namespace meshrt::device {
namespace {

struct ProcessMemory {
  uint64_t virtual_bytes = 0;
  uint64_t resident_bytes = 0;
};

ProcessMemory process_memory() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return {size_pages * page, resident_pages * page};
}

TEST(HostMemory, GalaxyOfDevicesUsesLittleHostMemory) {
  ClusterDesc galaxy = builtin_cluster("galaxy");
  ProcessMemory before = process_memory();
  ASSERT_GT(before.virtual_bytes, 0u) << "/proc/self/statm unreadable";
  std::vector<Device> devices;
  for (uint32_t i = 0; i < galaxy.mesh.volume(); ++i)
    devices.emplace_back(DeviceId{i}, galaxy.chip);
  uint64_t simulated = 0;
  for (Device& device : devices) {
    device.allocate(BufferType::kDram, 11ull << 30, 2048);  // 11 GiB of the 12
    device.allocate(BufferType::kL1, 64ull * 1024 * 1024, 4096);
    for (int i = 0; i < 100; ++i) device.allocate(BufferType::kDram, 1 << 20, 2048);
    simulated += device.memory_view().dram.total_bytes_allocated_per_bank * 12;
  }
  ProcessMemory after = process_memory();
  EXPECT_GT(simulated, 32ull * (11ull << 30));  // the devices really hold that much
  const uint64_t bound = 64ull << 20;           // generous: the metadata is a few MiB at most
  EXPECT_LT(after.resident_bytes - std::min(after.resident_bytes, before.resident_bytes), bound);
  EXPECT_LT(after.virtual_bytes - std::min(after.virtual_bytes, before.virtual_bytes), bound);
}

}  // namespace
}  // namespace meshrt::device
