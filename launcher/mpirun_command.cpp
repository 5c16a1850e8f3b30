#include "launcher/mpirun_command.hpp"

#include "launcher/host_network.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "meshrt/common/error.hpp"
#include "meshrt/common/timeouts.hpp"

#ifndef MESHRT_MPIRUN
#define MESHRT_MPIRUN "mpirun"
#endif

namespace meshrt::launcher {

namespace {

namespace fs = std::filesystem;

bool mentions(const std::vector<std::string>& args, const std::string& word) {
  return std::find(args.begin(), args.end(), word) != args.end();
}

bool all_hosts_local(const std::vector<std::string>& hosts, const LaunchHost& host) {
  return std::all_of(hosts.begin(), hosts.end(),
                     [&](const std::string& h) { return mentions(host.local_names, h); });
}

void add_env(std::vector<std::string>& argv, const std::string& name, const std::string& value) {
  argv.push_back("-x");
  argv.push_back(name + "=" + value);
}

}  // namespace

LaunchCommand build_mpirun_command(const LaunchOptions& options,
                                   const std::optional<RankBindingConfig>& binding,
                                   const LaunchHost& host) {
  std::vector<std::string> hosts = options.hosts.empty() ? host.hostfile_hosts : options.hosts;
  int ranks = 1;
  if (binding) {
    ranks = static_cast<int>(binding->ranks.size());
    if (options.np && *options.np != ranks) {
      raise(ErrorCode::kInvalidArgument,
            fmt::format("tt-run: --np {} does not match the {} ranks of {}", *options.np, ranks,
                        binding->path));
    }
  } else if (options.np) {
    ranks = *options.np;
  } else if (!hosts.empty()) {
    ranks = static_cast<int>(hosts.size());
  }
  std::string cluster = binding ? binding->cluster_path : "";
  if (!options.cluster.empty()) {
    if (!fs::is_regular_file(options.cluster)) {
      raise(ErrorCode::kNotFound,
            fmt::format("tt-run: --cluster: file {} does not exist", options.cluster));
    }
    cluster = fs::absolute(options.cluster).lexically_normal().string();
  }

  LaunchCommand cmd;
  cmd.ranks = ranks;
  const int host_count = std::max<int>(1, static_cast<int>(hosts.size()));
  cmd.ranks_per_host = (ranks + host_count - 1) / host_count;
  cmd.binding = choose_binding(options.bind_to, cmd.ranks_per_host, host.topology);

  std::vector<std::string>& argv = cmd.argv;
  if (host.as_root) {
    argv = {"env", "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"};
  }
  argv.push_back(host.mpirun);
  if (!hosts.empty()) {
    // Block distribution: the first ranks_per_host ranks on the first host, and so on (a
    // hostfile's hosts in its order).
    std::string list;
    for (int h = 0; h < host_count; ++h) {
      int on_host = std::clamp(ranks - h * cmd.ranks_per_host, 0, cmd.ranks_per_host);
      if (on_host == 0) continue;
      cmd.rank_hosts.insert(cmd.rank_hosts.end(), static_cast<size_t>(on_host),
                            hosts[static_cast<size_t>(h)]);
      list +=
          fmt::format("{}{}:{}", list.empty() ? "" : ",", hosts[static_cast<size_t>(h)], on_host);
    }
    argv.insert(argv.end(), {"--host", list});
  }
  if (!options.hostfile.empty()) argv.insert(argv.end(), {"--hostfile", options.hostfile});
  if (cmd.ranks_per_host > host.topology.cores && !mentions(options.mpi_args, "--oversubscribe")) {
    argv.push_back("--oversubscribe");
  }
  auto sets = [&](const std::string& param) { return mentions(options.mpi_args, param); };
  auto mca = [&](const std::string& param, const std::string& value) {
    if (!sets(param)) argv.insert(argv.end(), {"--mca", param, value});
  };
  if (all_hosts_local(hosts, host)) {
    mca("btl", "self,vader");
    mca("oob_tcp_if_include", "lo");
  } else {
    // Ranks on other hosts talk over TCP, on the networks that reach those hosts (without
    // them Open MPI would try every interface, loopback's and containers' included).
    mca("btl", "self,vader,tcp");
    if (!host.networks.empty()) {
      std::string nets;
      for (const auto& n : host.networks) nets += (nets.empty() ? "" : ",") + n;
      mca("btl_tcp_if_include", nets);
      mca("oob_tcp_if_include", nets);
    }
    // A host whose link goes down is noticed by mpirun in seconds (TCP keepalive on its daemons'
    // connections), not after the kernel's default of hours.
    const Timeouts& t = Timeouts::get();
    mca("oob_tcp_keepalive_time", std::to_string(t.keepalive_time_s));
    mca("oob_tcp_keepalive_intvl", std::to_string(t.keepalive_interval_s));
    mca("oob_tcp_keepalive_probes", std::to_string(t.keepalive_probes));
  }
  argv.insert(argv.end(), cmd.binding.mpirun_args.begin(), cmd.binding.mpirun_args.end());
  argv.insert(argv.end(), options.mpi_args.begin(), options.mpi_args.end());

  // One app context per rank: mpirun -np 1 -x ... prog args : -np 1 -x ... prog args
  for (int r = 0; r < ranks; ++r) {
    if (r > 0) argv.push_back(":");
    argv.insert(argv.end(), {"-np", "1"});
    int mesh_id = binding ? binding->ranks[static_cast<size_t>(r)].mesh_id : 0;
    int host_rank = binding ? binding->ranks[static_cast<size_t>(r)].mesh_host_rank : r;
    add_env(argv, "TT_MESH_ID", std::to_string(mesh_id));
    add_env(argv, "TT_MESH_HOST_RANK", std::to_string(host_rank));
    if (!cluster.empty()) add_env(argv, "TT_CLUSTER", cluster);
    if (binding) {
      for (const auto& [k, v] : binding->global_env) add_env(argv, k, v);
      for (const auto& [k, v] : binding->ranks[static_cast<size_t>(r)].env_overrides) {
        add_env(argv, k, v);
      }
    }
    argv.insert(argv.end(), options.program.begin(), options.program.end());
  }
  return cmd;
}

std::vector<std::string> read_hostfile_hosts(const std::string& path) {
  std::ifstream in(path);
  if (!in) raise(ErrorCode::kNotFound, fmt::format("tt-run: --hostfile: cannot read {}", path));
  std::vector<std::string> hosts;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    size_t end = line.find_first_of(" \t", start);
    hosts.push_back(line.substr(start, end == std::string::npos ? end : end - start));
  }
  if (hosts.empty()) {
    raise(ErrorCode::kInvalidArgument, fmt::format("tt-run: --hostfile: {} lists no hosts", path));
  }
  return hosts;
}

LaunchCommand prepare_launch(const LaunchOptions& options) {
  std::optional<RankBindingConfig> binding;
  if (!options.rank_binding.empty()) binding = load_rank_binding(options.rank_binding);
  LaunchHost host;
  host.mpirun = MESHRT_MPIRUN;
  host.as_root = geteuid() == 0;
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) == 0 && name[0]) {
    std::string full = name;
    host.local_names.push_back(full);
    host.local_names.push_back(full.substr(0, full.find('.')));
  }
  if (!options.hostfile.empty()) host.hostfile_hosts = read_hostfile_hosts(options.hostfile);
  const std::vector<Ipv4Interface> interfaces = local_interfaces();
  for (const auto& h : options.hosts.empty() ? host.hostfile_hosts : options.hosts) {
    if (mentions(host.local_names, h)) continue;
    std::vector<uint32_t> addresses = resolve_ipv4(h);
    if (std::any_of(addresses.begin(), addresses.end(),
                    [&](uint32_t a) { return is_own_address(a, interfaces); })) {
      host.local_names.push_back(h);  // another name of this machine
      continue;
    }
    for (uint32_t a : addresses) {
      auto net = network_reaching(a, interfaces);
      if (net && !mentions(host.networks, *net)) host.networks.push_back(*net);
    }
  }
  host.topology = detect_host_topology();
  return build_mpirun_command(options, binding, host);
}

std::string describe_placement(const LaunchCommand& command) {
  std::string text;
  const auto& hosts = command.rank_hosts;
  for (size_t first = 0; first < hosts.size();) {
    size_t last = first;
    while (last + 1 < hosts.size() && hosts[last + 1] == hosts[first]) ++last;
    text += fmt::format("{}{}: {}", text.empty() ? "" : "; ", hosts[first],
                        first == last ? fmt::format("rank {}", first)
                                      : fmt::format("ranks {}-{}", first, last));
    first = last + 1;
  }
  return text;
}

std::string shell_quote(const std::string& word) {
  if (!word.empty() &&
      word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "_-./=:,+@%") == std::string::npos) {
    return word;
  }
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& w : argv) line += (line.empty() ? "" : " ") + shell_quote(w);
  return line;
}

}  // namespace meshrt::launcher
