// fork/execve helpers for the fixtures.
#include "tests/testing/subprocess_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace queuemon::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> MergedEnv(const std::vector<std::string>& extra) {
  std::vector<std::string> env(extra);
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('=') + 1);
    bool overridden = false;
    for (const auto& x : extra) overridden = overridden || x.rfind(key, 0) == 0;
    if (!overridden) env.push_back(entry);
  }
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Forks and execs; `stdout_fd` (if >= 0) becomes the child's stdout. Only async-signal-safe
// calls after fork.
pid_t Spawn(const ProcessSpec& spec, int stdout_fd) {
  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> env = MergedEnv(spec.extra_env);
  std::vector<char*> argv_p = Pointers(argv), env_p = Pointers(env);
  const std::string log = spec.log_path.empty() ? "/dev/null" : spec.log_path;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);  // own process group: Kill reaches the prefork pool children too
    // A crashed test binary must not leave workers behind: die with the starting thread.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);  // the parent is already gone
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    if (log_fd >= 0) dup2(log_fd, 2);
    dup2(stdout_fd >= 0 ? stdout_fd : log_fd, 1);
    if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) _exit(126);
    execve(argv_p[0], argv_p.data(), env_p.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = other.pid_;
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess ChildProcess::Start(const ProcessSpec& spec) {
  ChildProcess child;
  child.pid_ = Spawn(spec, -1);
  return child;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  return !Wait(std::chrono::milliseconds(0)).has_value();
}

void ChildProcess::Signal(int sig) {
  // The whole group: a SIGKILLed prefork parent would otherwise leave its pool processes.
  if (pid_ > 0) kill(-pid_, sig);
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return 0;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      kill(-pid_, SIGKILL);  // leftovers of the group, if any
      pid_ = -1;
      return status;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling waitpid, bounded
  }
}

void ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (Wait(grace)) return;
  Signal(SIGKILL);
  Wait(std::chrono::milliseconds(5000));
}

ProcessResult RunProcess(const ProcessSpec& spec, std::chrono::milliseconds timeout) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t pid = Spawn(spec, fds[1]);
  close(fds[1]);
  ProcessResult result;
  const auto deadline = Clock::now() + timeout;
  char buf[65536];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the child closed stdout (exited)
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  if (result.timed_out) kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace queuemon::testing
