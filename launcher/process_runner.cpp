#include "launcher/process_runner.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "meshrt/common/error.hpp"

namespace meshrt::launcher {

namespace {

std::atomic<int> g_forward_signal{0};

void remember_signal(int sig) { g_forward_signal = sig; }

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

int exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// Polls for the child's exit until `until`; true (and *status set) when it exited.
bool wait_until(pid_t pid, std::chrono::steady_clock::time_point until, int* status) {
  while (true) {
    pid_t done = waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    if (int sig = g_forward_signal.exchange(0)) kill(-pid, sig);
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

void exec_command(const std::vector<std::string>& argv) {
  auto args = c_argv(argv);
  execvp(args[0], args.data());
  raise(ErrorCode::kNotFound,
        fmt::format("tt-run: cannot run {}: {}", argv.at(0), std::strerror(errno)));
}

int run_with_timeout(const std::vector<std::string>& argv, double timeout_s) {
  int report[2];  // the child writes errno here if exec fails; closed on a successful exec
  if (pipe2(report, O_CLOEXEC) != 0) {
    raise(ErrorCode::kInternal, fmt::format("tt-run: pipe: {}", std::strerror(errno)));
  }
  auto args = c_argv(argv);
  pid_t pid = fork();
  if (pid < 0) raise(ErrorCode::kInternal, fmt::format("tt-run: fork: {}", std::strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    close(report[0]);
    execvp(args[0], args.data());
    int err = errno;
    ssize_t ignored = write(report[1], &err, sizeof(err));
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent, so the group exists before any kill
  close(report[1]);
  int exec_errno = 0;
  ssize_t got = read(report[0], &exec_errno, sizeof(exec_errno));
  close(report[0]);
  if (got == static_cast<ssize_t>(sizeof(exec_errno))) {
    waitpid(pid, nullptr, 0);
    raise(ErrorCode::kNotFound,
          fmt::format("tt-run: cannot run {}: {}", argv.at(0), std::strerror(exec_errno)));
  }
  struct sigaction forward {};
  forward.sa_handler = remember_signal;
  sigemptyset(&forward.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &forward, &old_int);
  sigaction(SIGTERM, &forward, &old_term);

  using namespace std::chrono;
  int status = 0;
  auto deadline =
      steady_clock::now() + duration_cast<steady_clock::duration>(duration<double>(timeout_s));
  int result = 0;
  if (wait_until(pid, deadline, &status)) {
    result = exit_status(status);
  } else {
    std::fprintf(stderr, "tt-run: timed out after %gs, killing the job\n", timeout_s);
    kill(-pid, SIGTERM);  // mpirun tears its ranks down on SIGTERM
    if (!wait_until(pid, steady_clock::now() + seconds(5), &status)) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    kill(-pid, SIGKILL);  // anything left in the group
    result = 124;
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return result;
}

}  // namespace meshrt::launcher
