#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "meshrt/binary/binary_io.hpp"
#include "meshrt/binary/system_desc.hpp"
#include "meshrt/cli/cli.hpp"
#include "meshrt/common/file_io.hpp"
#include "meshrt/runtime/mesh_context.hpp"

namespace meshrt::cli {

int cmd_query(const QueryOptions& o, comm::Communicator& comm) {
  ClusterDesc cluster = o.cluster.empty() ? builtin_cluster("default")
                                          : choose_cluster(comm, o.cluster, MeshShape{1, 1});
  // Every rank reports its host; rank 0 assembles the global picture.
  binary::HostCpu mine = binary::discover_host_cpu();
  std::string text = json{{"hostname", mine.hostname}, {"packages", mine.packages},
                          {"numa_nodes", mine.numa_nodes}, {"cores", mine.cores},
                          {"pus", mine.pus}}
                         .dump();
  std::vector<comm::Bytes> all =
      comm.allgather(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()),
                                              text.size()),
                     comm::Deadline::after(std::chrono::seconds(30)));
  if (comm.rank() != 0) return kExitOk;

  std::vector<MeshBox> boxes = runtime::place_mesh(cluster, cluster.mesh, comm.size());
  binary::SystemDesc desc;
  desc.version = binary::current_version();
  desc.cluster = cluster;
  json ranks = json::array();
  for (int r = 0; r < comm.size(); ++r) {
    json host = json::parse(all[static_cast<size_t>(r)].begin(), all[static_cast<size_t>(r)].end());
    json chips = json::array();
    for (uint32_t d = 0; d < cluster.mesh.volume(); ++d) {
      MeshCoordinate c = cluster.mesh.coord_of(DeviceId{d});
      if (boxes[static_cast<size_t>(r)].contains(c)) {
        chips.push_back({{"device_id", d}, {"coord", {c.row, c.col}}});
      }
    }
    ranks.push_back({{"rank", r}, {"host", host}, {"box", boxes[static_cast<size_t>(r)].to_string()},
                     {"chips", chips}});
    desc.host_cpus.push_back({host["hostname"], host["packages"], host["numa_nodes"],
                              host["cores"], host["pus"]});
  }
  json result = {{"system", json::parse(cluster_to_json_text(cluster))},
                 {"num_ranks", comm.size()},
                 {"ranks", ranks}};
  if (o.save_artifacts) {
    std::string path = (std::filesystem::path(o.artifact_dir) / "system_desc.ttsys").string();
    // The .ttsys keeps one host entry per rank when the ranks split the mesh.
    if (desc.cluster.hosts.size() != static_cast<size_t>(comm.size())) {
      desc.cluster.hosts.clear();
      for (int r = 0; r < comm.size(); ++r) {
        desc.cluster.hosts.push_back({desc.host_cpus[static_cast<size_t>(r)].hostname,
                                      boxes[static_cast<size_t>(r)]});
      }
    }
    std::vector<uint8_t> bytes = binary::serialize_system_desc(desc);
    write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    result["system_desc_path"] = path;
  }
  write_json_file(o.result_file, result);
  if (!o.quiet) std::cout << result.dump(2) << "\n";
  return kExitOk;
}

}  // namespace meshrt::cli
