// tt-run: parses the command line and dispatches (help, dry run, exec, exec with timeout).
#include <cstdio>

#include "launcher/mpirun_command.hpp"
#include "launcher/process_runner.hpp"
#include "meshrt/common/error.hpp"

int main(int argc, char** argv) {
  using namespace meshrt::launcher;
  try {
    LaunchOptions options = parse_launch_args(std::vector<std::string>(argv + 1, argv + argc));
    if (options.help) {
      std::fputs(launch_help().c_str(), stdout);
      return 0;
    }
    LaunchCommand command = prepare_launch(options);
    if (options.dry_run) {
      std::printf("%s\n", shell_join(command.argv).c_str());
      return 0;
    }
    std::fflush(stdout);
    if (command.rank_hosts.empty()) {
      if (options.timeout_s) return run_with_timeout(command.argv, *options.timeout_s);
      exec_command(command.argv);
    }
    // Over hosts, tt-run stays to say which ranks ran where when the job fails (mpirun's own
    // messages name hosts or ranks, not always both).
    const int status = run_with_timeout(command.argv, options.timeout_s.value_or(1e9));
    if (status != 0) {
      std::fprintf(stderr, "tt-run: the job failed (exit status %d); ranks by host: %s\n", status,
                   describe_placement(command).c_str());
    }
    return status;
  } catch (const meshrt::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
