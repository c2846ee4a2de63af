// The real queuemond binary under a stand-in for systemd: $NOTIFY_SOCKET is a datagram socket
// of the test, the broker is a closed loopback port (so no Redis is needed, and start-up must
// cope with a broker that is down). Daemons that serve run as tests/testing/QueuemondProcess;
// the cases that must not serve (start-up failure, --check-config) run the binary directly.
// Label e2e.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/celery_workers.h"
#include "tests/testing/eventually.h"
#include "tests/testing/free_port.h"
#include "tests/testing/notify_socket.h"
#include "tests/testing/queuemond_process.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/subprocess_runner.h"

namespace queuemon::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::ChildProcess;
using testing::NotifySocket;
using testing::ProcessSpec;

constexpr auto kDeadline = 15s;

class QueuemondProcessTest : public ::testing::Test {
 protected:
  QueuemondProcessTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("queuemond-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))),
        broker_("redis://127.0.0.1:" + std::to_string(testing::PickFreeLoopbackPort()) + "/0") {
    std::filesystem::create_directories(dir_);
  }
  ~QueuemondProcessTest() override { std::filesystem::remove_all(dir_); }

  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::QueuemondProcess::Binary()))
        << testing::QueuemondProcess::Binary()
        << " not found; run through ctest (it sets QUEUEMON_BINARY_DIR)";
  }

  // A serving daemon's config: the test's broker, `caches` spliced in as is, and the notify
  // socket (plus `env`) in its environment.
  testing::QueuemondConfig Config(const std::string& caches = "{}",
                                  std::vector<std::string> env = {}) const {
    testing::QueuemondConfig config;
    config.broker_url = broker_;
    config.caches_json = caches;
    config.warmup_deadline = 1000ms;
    config.env = std::move(env);
    config.env.push_back("NOTIFY_SOCKET=" + notify_.path());
    return config;
  }

  // For the cases that must not serve: a config file of their own, run without the fixture.
  std::string ConfigPath() const { return (dir_ / "queuemond.json").string(); }
  std::string LogPath() const { return (dir_ / "queuemond.log").string(); }
  void WriteConfig(const std::string& caches = "{}", const std::string& listen = "127.0.0.1:0") {
    std::ofstream(ConfigPath()) << "// e2e config\n{\"listen\": \"" << listen
                                << "\", \"startup\": {\"warmup_deadline_ms\": 1000},\n"
                                << " \"caches\": " << caches << ",\n"
                                << " \"sources\": [{\"broker\": \"" << broker_ << "\"}]}\n";
  }
  std::string Log() const {
    std::ifstream in(LogPath());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  testing::ProcessResult RunCli(std::vector<std::string> args) {
    args.insert(args.begin(), testing::QueuemondProcess::Binary());
    return testing::RunProcess(ProcessSpec{args, {}, "", LogPath()}, kDeadline);
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::string broker_;
  NotifySocket notify_;
};

TEST_F(QueuemondProcessTest, StartsNotReadyWithTheBrokerDownPingsAndStopsCleanly) {
  testing::QueuemondProcess daemon(Config("{}", {"WATCHDOG_USEC=1000000"}));
  const auto ready = notify_.WaitFor("READY=1", kDeadline);
  ASSERT_TRUE(ready) << daemon.log();
  EXPECT_THAT(*ready, HasSubstr("STATUS=not ready"));
  EXPECT_TRUE(notify_.WaitFor("WATCHDOG=1", kDeadline));

  const auto readyz = daemon.Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 503);
  const auto healthz = daemon.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);

  EXPECT_EQ(daemon.Stop(kDeadline), 0) << daemon.log();  // SIGTERM
  EXPECT_TRUE(notify_.WaitFor("STOPPING=1", kDeadline));
}

TEST_F(QueuemondProcessTest, ReloadAppliesGoodConfigsAndRefusesBadOnes) {
  testing::QueuemondProcess daemon(Config());
  ASSERT_TRUE(notify_.WaitFor("READY=1", kDeadline)) << daemon.log();

  daemon.RewriteConfig(Config(R"({"task_status": {"ttl_seconds": 1.5}})"));
  daemon.Signal(SIGHUP);
  const auto reloading = notify_.WaitFor("RELOADING=1", kDeadline);
  ASSERT_TRUE(reloading);
  EXPECT_THAT(*reloading, HasSubstr("\nMONOTONIC_USEC="));
  ASSERT_TRUE(notify_.WaitFor("READY=1", kDeadline));
  EXPECT_THAT(daemon.log(), HasSubstr("configuration reloaded"));

  daemon.RewriteConfig(Config(R"({"task_status": {"ttl_seconds": 0}})"));
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(notify_.WaitFor("RELOADING=1", kDeadline));
  ASSERT_TRUE(notify_.WaitFor("READY=1", kDeadline));
  EXPECT_THAT(daemon.log(), HasSubstr("reload rejected"));
  EXPECT_THAT(daemon.log(), HasSubstr("caches.task_status.ttl_seconds: must be > 0 (got 0)"));

  testing::QueuemondConfig restart_only = Config();
  restart_only.top_extra_json = R"("http": {"max_connections": 77})";
  daemon.RewriteConfig(restart_only);
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(notify_.WaitFor("RELOADING=1", kDeadline));
  ASSERT_TRUE(notify_.WaitFor("READY=1", kDeadline));
  EXPECT_THAT(daemon.log(),
              HasSubstr("http.max_connections: changed, but it applies only at start-up"));
  EXPECT_TRUE(daemon.running()) << "a refused reload keeps the daemon serving";

  EXPECT_EQ(daemon.Stop(kDeadline), 0) << daemon.log();
}

TEST_F(QueuemondProcessTest, StartupFailureExitsNonZeroBeforeReady) {
  // Occupy a port, then ask queuemond to listen on it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  WriteConfig("{}", "127.0.0.1:" + std::to_string(ntohs(address.sin_port)));
  ChildProcess daemon = ChildProcess::Start(ProcessSpec{
      {testing::QueuemondProcess::Binary(), "--config", ConfigPath()},
      {"NOTIFY_SOCKET=" + notify_.path()}, "", LogPath()});
  const auto status = daemon.Wait(kDeadline);
  ::close(fd);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_THAT(Log(), HasSubstr("start-up failed"));
  for (const auto& message : notify_.history()) EXPECT_THAT(message, ::testing::Not(HasSubstr("READY=1")));
  EXPECT_FALSE(notify_.WaitFor("READY=1", 0ms));
}

TEST_F(QueuemondProcessTest, CheckConfigAndVersion) {
  WriteConfig();
  const auto good = RunCli({"--config", ConfigPath(), "--check-config"});
  EXPECT_EQ(good.exit_code, 0);
  EXPECT_EQ(good.output, "OK\n");

  WriteConfig(R"({"worker_status": {"max_entries": -3}})");
  const auto bad = RunCli({"--config", ConfigPath(), "--check-config"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(Log(), HasSubstr("caches.worker_status.max_entries: must be > 0 (got -3)"));

  const auto version = RunCli({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, ::testing::StartsWith("queuemond "));
  EXPECT_EQ(RunCli({"--no-such-flag"}).exit_code, 2);
}

// Polls GET /readyz (one connection per try: the server may close idle ones) until `status`.
bool ReadyzBecomes(const testing::QueuemondProcess& daemon, int status) {
  return testing::Eventually(
      [&] {
        const auto response = daemon.Get("/readyz");
        return response && response->status == status;
      },
      kDeadline, 50ms);
}

// With a real redis-server: ready at start; readiness follows the broker going away and coming
// back without any client polling /health (the daemon refreshes its health view itself).
TEST_F(QueuemondProcessTest, ReadinessFollowsARealBroker) {
  testing::RedisServer redis;
  broker_ = redis.url();
  testing::QueuemondProcess daemon(Config(R"({"health_check": {"ttl_seconds": 0.5}})"));
  const auto ready = notify_.WaitFor("READY=1", kDeadline);
  ASSERT_TRUE(ready) << daemon.log();
  EXPECT_THAT(*ready, HasSubstr("STATUS=ready:"));
  EXPECT_TRUE(ReadyzBecomes(daemon, 200));

  redis.Stop();
  EXPECT_TRUE(ReadyzBecomes(daemon, 503)) << daemon.log();
  redis.Restart();
  EXPECT_TRUE(ReadyzBecomes(daemon, 200)) << daemon.log();

  EXPECT_EQ(daemon.Stop(kDeadline), 0) << daemon.log();
}

// Issue 11: STATUS= and the first answers after READY=1 name the workers that are online (the
// warm-up's inspect replies prove them alive before any heartbeat reached the daemon).
TEST_F(QueuemondProcessTest, StatusNamesTheOnlineWorkersRightAfterStart) {
  testing::RedisServer redis;
  broker_ = redis.url();
  testing::CeleryWorkers workers(redis.url(0), (dir_ / "workers").string());
  testing::CeleryWorkerSpec w1, w2;
  w1.name = "w1";
  w2.name = "w2";
  workers.Start({w1, w2});
  testing::QueuemondProcess daemon(Config());
  const auto ready = notify_.WaitFor("READY=1", kDeadline);
  ASSERT_TRUE(ready) << daemon.log();
  EXPECT_THAT(*ready, HasSubstr("STATUS=ready: 2 workers online")) << *ready;
  const auto status = daemon.Get("/api/v1/celery/workers/status");
  ASSERT_TRUE(status);
  const auto body = nlohmann::json::parse(status->body, nullptr, false);
  EXPECT_EQ(body.value("online", -1), 2) << status->body;
  EXPECT_EQ(body.value("unknown", -1), 0) << status->body;
  EXPECT_EQ(daemon.Get("/readyz")->status, 200);
  EXPECT_EQ(daemon.Stop(kDeadline), 0) << daemon.log();
}

}  // namespace
}  // namespace queuemon::daemon
