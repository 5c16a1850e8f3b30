#include "launcher/launch_options.hpp"

#include <fmt/format.h>

#include <charconv>

#include "meshrt/common/error.hpp"

namespace meshrt::launcher {

namespace {

[[noreturn]] void bad(const std::string& option, const std::string& problem) {
  raise(ErrorCode::kInvalidArgument, fmt::format("tt-run: {}: {}", option, problem));
}

int parse_np(const std::string& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) {
    bad("--np", fmt::format("expected a positive integer, got '{}'", text));
  }
  return value;
}

double parse_seconds(const std::string& text) {
  try {
    size_t used = 0;
    double value = std::stod(text, &used);
    if (used == text.size() && value > 0) return value;
  } catch (const std::exception&) {
  }
  bad("--timeout", fmt::format("expected a positive number of seconds, got '{}'", text));
}

std::vector<std::string> split_hosts(const std::string& text) {
  std::vector<std::string> hosts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string host = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (host.empty()) bad("--hosts", fmt::format("empty host name in '{}'", text));
    hosts.push_back(host);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return hosts;
}

}  // namespace

std::vector<std::string> split_shell_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote == '\'') {
      if (c == '\'')
        quote = 0;
      else
        word += c;
    } else if (quote == '"') {
      if (c == '"')
        quote = 0;
      else if (c == '\\' && i + 1 < text.size() &&
               std::string("\"\\$`").find(text[i + 1]) != std::string::npos)
        word += text[++i];
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) bad("--mpi-args", fmt::format("unterminated {} quote in '{}'", quote, text));
  if (in_word) words.push_back(word);
  return words;
}

LaunchOptions parse_launch_args(const std::vector<std::string>& args) {
  LaunchOptions options;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.rfind("-", 0) != 0) break;  // the program starts here
    std::optional<std::string> inline_value;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) bad(arg, "missing value");
      return args[++i];
    };
    auto no_value = [&] {
      if (inline_value) bad(arg, "takes no value");
    };
    if (arg == "-h" || arg == "--help") {
      no_value();
      options.help = true;
    } else if (arg == "--dry-run") {
      no_value();
      options.dry_run = true;
    } else if (arg == "--rank-binding") {
      options.rank_binding = value();
    } else if (arg == "--cluster") {
      options.cluster = value();
    } else if (arg == "--np" || arg == "-np" || arg == "-n") {
      options.np = parse_np(value());
    } else if (arg == "--hosts") {
      options.hosts = split_hosts(value());
    } else if (arg == "--hostfile") {
      options.hostfile = value();
    } else if (arg == "--mpi-args") {
      for (auto& w : split_shell_words(value())) options.mpi_args.push_back(std::move(w));
    } else if (arg == "--bind-to") {
      options.bind_to = parse_bind_to(value());
    } else if (arg == "--timeout") {
      options.timeout_s = parse_seconds(value());
    } else {
      bad(arg, "unknown option (see tt-run --help)");
    }
  }
  options.program.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (!options.hosts.empty() && !options.hostfile.empty()) {
    bad("--hosts", "give either --hosts or --hostfile, not both");
  }
  if (options.program.empty() && !options.help) {
    bad("PROGRAM", "missing: tt-run [options] -- PROGRAM ARGS...");
  }
  return options;
}

std::string launch_help() {
  return R"(tt-run: launch a program on several MPI ranks (one app context per rank).

Usage: tt-run [options] -- PROGRAM ARGS...

Options:
  --rank-binding F   rank-binding YAML (rank_bindings: [{rank, mesh_id, mesh_host_rank,
                     env_overrides}], global_env, mesh_graph_desc_path: cluster JSON)
  --cluster F        cluster JSON (overrides the binding's mesh_graph_desc_path)
  --np N             number of ranks (must equal the binding's rank count if both are given;
                     default: the binding's count, else the number of hosts, else 1)
  --hosts a,b        hosts to run on; ranks are spread in blocks (ranks 0..k-1 on a, ...)
  --hostfile F       an Open MPI hostfile (instead of --hosts)
  --mpi-args "..."   extra mpirun options, split like a shell would
  --bind-to B        none | core | numa | auto (default auto), see Binding below
  --timeout S        kill the whole job after S seconds and exit 124 (like timeout(1))
  --dry-run          print the exact command, one shell-quoted line, and exit 0
  -h, --help         this text

Every rank gets TT_MESH_ID, TT_MESH_HOST_RANK and TT_CLUSTER (when a cluster is known), then
global_env and its own env_overrides. As root, OMPI_ALLOW_RUN_AS_ROOT=1 and
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 are set. When every host is this machine the shared-memory
transports are used (--mca btl self,vader --mca oob_tcp_if_include lo) unless --mpi-args sets
them. With other hosts, ranks talk over TCP (--mca btl self,vader,tcp) on this machine's networks
that reach those hosts (btl_tcp_if_include and oob_tcp_if_include, e.g. 198.18.0.0/24); a
hostfile's hosts get ranks in blocks like --hosts. --oversubscribe is added when a host gets
more ranks than it has cores. Open MPI starts remote ranks through ssh, or through
$OMPI_MCA_plm_rsh_agent (scripts/hosts sets it for its namespace hosts).

Binding (core and NUMA counts come from hwloc on this machine; other hosts are assumed alike):
  auto: one rank per host, or more ranks than cores  -> --bind-to none (a rank may use all
        cores; an oversubscribed host is not bound);
        several ranks per host and at least as many NUMA domains (more than one)
                                                      -> --map-by numa --bind-to numa;
        otherwise                                     -> --bind-to core, each rank getting
        cores/ranks_per_host cores (--map-by slot:PE=k).
  none | core | numa: as requested (core fails when ranks per host exceed the cores).

Exit status: the program's (mpirun's); 124 when --timeout expired; 1 for a bad option or file.
)";
}

}  // namespace meshrt::launcher
