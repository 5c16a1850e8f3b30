#include "meshrt/binary/system_desc.hpp"

#include <fmt/format.h>
#include <hwloc.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

#include "meshrt/binary/binary_io.hpp"
#include "meshrt/common/error.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/common/untrusted.hpp"
#include "meshrt/schemas/system_desc_generated.h"

namespace meshrt::binary {

namespace fbs = ::meshrt::fb;

HostCpu discover_host_cpu() {
  HostCpu cpu;
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) == 0) cpu.hostname = name;
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0) {
    raise(ErrorCode::kInternal, "hwloc could not load this host's topology");
  }
  auto count = [&](hwloc_obj_type_t t) {
    int n = hwloc_get_nbobjs_by_type(topo, t);
    return n < 0 ? 0u : static_cast<uint32_t>(n);
  };
  cpu.packages = count(HWLOC_OBJ_PACKAGE);
  cpu.numa_nodes = count(HWLOC_OBJ_NUMANODE);
  cpu.cores = count(HWLOC_OBJ_CORE);
  cpu.pus = count(HWLOC_OBJ_PU);
  hwloc_topology_destroy(topo);
  return cpu;
}

std::vector<uint8_t> serialize_system_desc(const SystemDesc& d) {
  flatbuffers::FlatBufferBuilder b;
  const ChipDesc& c = d.cluster.chip;
  auto chip = fbs::CreateChipDescFb(
      b, b.CreateString(c.arch), c.grid_x, c.grid_y, c.l1_bytes_per_core, c.dram_channels,
      c.dram_bytes_per_channel, c.l1_small_bytes, c.trace_region_bytes, c.clock_ghz,
      c.dram_bandwidth_gbs, c.eth_bandwidth_gbs, c.eth_hop_latency_ns, c.matmul_tflops_bf16,
      c.ccl_links);
  std::vector<flatbuffers::Offset<fbs::EthLinkFb>> links;
  for (const auto& l : d.cluster.links) {
    links.push_back(fbs::CreateEthLinkFb(b, l.a.value, l.b.value, l.count));
  }
  std::vector<flatbuffers::Offset<fbs::HostFb>> hosts;
  for (size_t i = 0; i < d.cluster.hosts.size(); ++i) {
    const auto& h = d.cluster.hosts[i];
    flatbuffers::Offset<fbs::HostCpuFb> cpu = 0;
    if (i < d.host_cpus.size()) {
      const auto& hc = d.host_cpus[i];
      cpu = fbs::CreateHostCpuFb(b, b.CreateString(hc.hostname), hc.packages, hc.numa_nodes,
                                 hc.cores, hc.pus);
    }
    hosts.push_back(fbs::CreateHostFb(b, b.CreateString(h.name), h.box.offset.row, h.box.offset.col,
                                      h.box.shape.rows, h.box.shape.cols, cpu));
  }
  fbs::SysVersion v(d.version.major, d.version.minor, d.version.patch);
  auto root = fbs::CreateSystemDesc(b, &v, b.CreateString(current_schema_hash()),
                                    b.CreateString(d.cluster.name), d.cluster.mesh.rows,
                                    d.cluster.mesh.cols, chip, b.CreateVector(links),
                                    b.CreateVector(hosts), d.cluster.host_bandwidth_gbs);
  fbs::FinishSizePrefixedSystemDescBuffer(b, root);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

bool looks_like_system_desc(std::span<const uint8_t> bytes) {
  return bytes.size() >= 12 && std::memcmp(bytes.data() + 8, "MRTS", 4) == 0;
}

SystemDesc deserialize_system_desc(std::span<const uint8_t> given, const std::string& name) {
  std::vector<uint8_t> storage;
  std::span<const uint8_t> bytes = aligned(given, storage);
  if (!looks_like_system_desc(bytes)) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}: not a meshrt system description (identifier 'MRTS' missing)", name));
  }
  uint32_t prefix = flatbuffers::ReadScalar<uint32_t>(bytes.data());
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (static_cast<uint64_t>(prefix) + 4 != bytes.size() ||
      !fbs::VerifySizePrefixedSystemDescBuffer(verifier)) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}: truncated or corrupted system description", name));
  }
  const auto* root = fbs::GetSizePrefixedSystemDesc(bytes.data());
  auto text = [&](const flatbuffers::String* s, const char* what) {
    return s ? utf8_text(s->str(), ErrorCode::kInvalidArgument, name, what) : std::string();
  };
  SystemDesc d;
  if (root->version()) {
    d.version = {root->version()->major(), root->version()->minor(), root->version()->patch()};
  }
  d.cluster.name = text(root->cluster_name(), "the cluster name");
  d.cluster.mesh = MeshShape{root->mesh_rows(), root->mesh_cols()};
  if (const auto* c = root->chip()) {
    ChipDesc& chip = d.cluster.chip;
    chip.arch = text(c->arch(), "the chip arch");
    chip.grid_x = c->grid_x();
    chip.grid_y = c->grid_y();
    chip.l1_bytes_per_core = c->l1_bytes_per_core();
    chip.dram_channels = c->dram_channels();
    chip.dram_bytes_per_channel = c->dram_bytes_per_channel();
    chip.l1_small_bytes = c->l1_small_bytes();
    chip.trace_region_bytes = c->trace_region_bytes();
    chip.clock_ghz = c->clock_ghz();
    chip.dram_bandwidth_gbs = c->dram_bandwidth_gbs();
    chip.eth_bandwidth_gbs = c->eth_bandwidth_gbs();
    // + 0.0 turns a -0.0 latency into 0.0: flatbuffers omits a field equal to its default (0),
    // so -0.0 would not survive a round trip (found by fuzz_system_desc).
    chip.eth_hop_latency_ns = c->eth_hop_latency_ns() + 0.0;
    chip.matmul_tflops_bf16 = c->matmul_tflops_bf16();
    chip.ccl_links = c->ccl_links();
  }
  if (root->links()) {
    for (const auto* l : *root->links()) {
      d.cluster.links.push_back({DeviceId{l->a()}, DeviceId{l->b()}, l->count()});
    }
  }
  if (root->hosts()) {
    for (const auto* h : *root->hosts()) {
      d.cluster.hosts.push_back(
          {text(h->name(), "a host name"),
           MeshBox{{h->box_row(), h->box_col()}, MeshShape{h->box_rows(), h->box_cols()}}});
      if (const auto* cpu = h->cpu()) {
        d.host_cpus.push_back({text(cpu->hostname(), "a hostname"), cpu->packages(),
                               cpu->numa_nodes(), cpu->cores(), cpu->pus()});
      }
    }
  }
  d.cluster.host_bandwidth_gbs = root->host_bandwidth_gbs();
  try {
    validate_cluster(d.cluster);
  } catch (const Error& e) {
    raise(ErrorCode::kInvalidArgument, fmt::format("{}: {}", name, e.what()));
  }
  return d;
}

ClusterDesc cluster_from_bytes(std::span<const uint8_t> bytes, const std::string& name) {
  if (looks_like_system_desc(bytes)) return deserialize_system_desc(bytes, name).cluster;
  if (looks_like_binary(bytes)) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}: a meshrt program binary (.ttnn), not a cluster description (a cluster "
                      "JSON or a .ttsys system description)",
                      name));
  }
  size_t first = 0;
  while (first < bytes.size() && std::isspace(bytes[first])) ++first;
  if (first == bytes.size() || bytes[first] != '{') {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{}: not a cluster description: neither a .ttsys system description nor a "
                      "cluster JSON object",
                      name));
  }
  return cluster_from_json_text(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), name);
}

ClusterDesc load_cluster_file(const std::string& path) {
  return cluster_from_bytes(read_file_bytes(path), path);
}

SystemDesc load_system_desc_file(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  return deserialize_system_desc(bytes, path);
}

}  // namespace meshrt::binary
