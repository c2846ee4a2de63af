#pragma once
// RedisServer: a real redis-server child process for integration tests, listening on a free
// loopback port (and optionally a Unix socket) with no persistence. The constructor returns once
// the server answers PING (polled with a deadline), or throws std::runtime_error with the
// server's log. Stop()/Kill()/Restart() let tests take the broker away and bring it back on the
// same port. The destructor kills the server and removes its temp dir.
//
//   queuemon::testing::RedisServer redis;                       // plain
//   queuemon::testing::RedisServer secured({.requirepass = "s3cret"});
//   options.url = redis.url(/*db=*/2);                           // "redis://127.0.0.1:PORT/2"
//
// The binary is $QUEUEMON_REDIS_SERVER or redis-server from PATH. The child gets SIGKILL if the
// thread that started it dies (PR_SET_PDEATHSIG), so construct servers on the test's thread.
// Thread-safety: none; one test thread owns it.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace queuemon::testing {

struct RedisServerOptions {
  std::string requirepass;  // --requirepass (the default user's password)
  // ACL users, one directive each, e.g. {"alice", "on", ">pw", "~*", "&*", "+@all"}.
  std::vector<std::vector<std::string>> acl_users;
  bool unix_socket = false;             // also listen on socket_path()
  std::vector<std::string> extra_args;  // more redis-server arguments, e.g. {"--databases", "4"}
};

class RedisServer final {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  void Stop();     // SIGTERM and wait for exit (SIGKILL after a deadline). No-op if stopped.
  void Kill();     // SIGKILL and wait for exit. No-op if stopped.
  void Restart();  // Stop() if running, then start again on the same port/socket; waits for PING.
  // SIGSTOP / SIGCONT: a frozen server keeps its sockets (connects still complete in the kernel)
  // but answers nothing, like a blackholed broker. REQUIRES: running().
  void Pause();
  void Resume();
  bool running() const { return pid_ > 0; }

  std::uint16_t port() const { return port_; }
  // "redis://127.0.0.1:PORT/DB"; with credentials "redis://user:password@127.0.0.1:PORT/DB"
  // (user may be empty: "redis://:password@..."). Credentials are percent-encoded.
  std::string url(int db = 0) const;
  std::string url_with_auth(const std::string& user, const std::string& password, int db = 0) const;
  // "unix:///tmp/.../redis.sock?db=DB". REQUIRES: options.unix_socket.
  std::string unix_url(int db = 0) const;
  std::string socket_path() const { return dir_ + "/redis.sock"; }
  std::string log() const;  // the server's stdout/stderr so far

 private:
  bool TryStart();  // false if the port was taken (the caller picks another)
  void WaitForExit(int timeout_ms);
  std::vector<std::string> Args() const;

  RedisServerOptions options_;
  std::string binary_;
  std::string dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace queuemon::testing
