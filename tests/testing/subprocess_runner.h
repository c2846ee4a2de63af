#pragma once
// ChildProcess / RunProcess: start helper programs (Celery workers, the celery CLI, python
// scripts) for the test fixtures, with deadlines. fork + execve; no shell.
//
// ChildProcess owns one running child: the destructor sends SIGKILL and reaps it, so a failing
// test never leaks processes; the child also gets SIGKILL if the thread that started it dies
// (PR_SET_PDEATHSIG), so start children from the test's main thread. Not thread-safe; use from the
// test thread.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace queuemon::testing {

struct ProcessSpec {
  std::vector<std::string> argv;       // argv[0] is an absolute path
  std::vector<std::string> extra_env;  // "KEY=VALUE", added to (and overriding) the environment
  std::string cwd;                     // empty = inherit
  std::string log_path;                // stdout+stderr go here; empty = /dev/null
};

class ChildProcess final {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  // Throws std::runtime_error when fork fails (fixture setup only).
  static ChildProcess Start(const ProcessSpec& spec);

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int sig);
  // Waits for exit up to `timeout`; returns the exit status (as from waitpid) or nullopt.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL; always reaps.
  void Stop(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
};

struct ProcessResult {
  int exit_code = -1;  // -1 if killed by a signal or timed out
  bool timed_out = false;
  std::string output;  // stdout (stderr goes to the spec's log_path or /dev/null)
};

// Runs to completion, killing the child at `timeout`.
ProcessResult RunProcess(const ProcessSpec& spec, std::chrono::milliseconds timeout);

}  // namespace queuemon::testing
