#include "tests/testing/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/url/url.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/testing/free_port.h"

namespace queuemon::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStartDeadline = std::chrono::seconds(10);
constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr int kPortAttempts = 5;

std::string FindBinary() {
  if (const char* env = std::getenv("QUEUEMON_REDIS_SERVER"); env && *env) return env;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = dir + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error("RedisServer: redis-server not found on PATH");
}

// True once something on 127.0.0.1:port answers a PING (+PONG, or -NOAUTH when a password is
// required): the server is ready for clients.
bool AnswersPing(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ready = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6) {
    pollfd pfd{fd, POLLIN, 0};
    char byte = 0;
    ready =
        ::poll(&pfd, 1, 500) == 1 && ::recv(fd, &byte, 1, 0) == 1 && (byte == '+' || byte == '-');
  }
  ::close(fd);
  return ready;
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options)
    : options_(std::move(options)), binary_(FindBinary()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "queuemon-redis-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("RedisServer: mkdtemp");
  dir_ = pattern;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    port_ = PickFreeLoopbackPort();
    if (TryStart()) return;
  }
  const std::string output = log();
  std::filesystem::remove_all(dir_);
  throw std::runtime_error("RedisServer: could not start redis-server:\n" + output);
}

RedisServer::~RedisServer() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::vector<std::string> RedisServer::Args() const {
  std::vector<std::string> args = {binary_,
                                   "--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--daemonize",
                                   "no",
                                   "--dir",
                                   dir_,
                                   "--logfile",
                                   ""};
  if (!options_.requirepass.empty()) {
    args.insert(args.end(), {"--requirepass", options_.requirepass});
  }
  for (const auto& user : options_.acl_users) {
    args.push_back("--user");
    args.insert(args.end(), user.begin(), user.end());
  }
  if (options_.unix_socket) {
    args.insert(args.end(), {"--unixsocket", socket_path(), "--unixsocketperm", "700"});
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  return args;
}

bool RedisServer::TryStart() {
  const std::vector<std::string> args = Args();
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const std::string log_path = dir_ + "/redis.log";
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) throw std::runtime_error("RedisServer: cannot open " + log_path);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {  // child: async-signal-safe calls only
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) throw std::runtime_error("RedisServer: fork failed");
  pid_ = pid;
  const auto deadline = Clock::now() + kStartDeadline;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: port taken or bad arguments
      pid_ = -1;
      if (log().find("Address already in use") != std::string::npos) return false;
      throw std::runtime_error("RedisServer: redis-server exited at startup:\n" + log());
    }
    if (AnswersPing(port_)) return true;
    std::this_thread::sleep_for(kPollInterval);  // poll interval, bounded by the deadline
  }
  Kill();
  throw std::runtime_error("RedisServer: redis-server did not answer PING in time:\n" + log());
}

void RedisServer::WaitForExit(int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::kill(pid_, SIGCONT);  // a paused server must run to act on SIGTERM
  WaitForExit(5000);
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitForExit(5000);
}

void RedisServer::Pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::Resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void RedisServer::Restart() {
  Stop();
  // Same port: a stranger may have taken it meanwhile, which is worth a clear failure.
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    if (TryStart()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("RedisServer: could not restart on port " + std::to_string(port_) +
                           ":\n" + log());
}

std::string RedisServer::url(int db) const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

std::string RedisServer::url_with_auth(const std::string& user, const std::string& password,
                                       int db) const {
  boost::urls::url u(url(db));
  u.set_user(user);  // percent-encodes as needed
  u.set_password(password);
  return std::string(u.buffer());
}

std::string RedisServer::unix_url(int db) const {
  return "unix://" + socket_path() + "?db=" + std::to_string(db);
}

std::string RedisServer::log() const {
  std::ifstream in(dir_ + "/redis.log");
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace queuemon::testing
