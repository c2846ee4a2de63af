// Fault test (issue "Reliability and security"): the real queuemond binary polled steadily while
// its real redis-server is killed (SIGKILL) and restarted three times. Every request completes
// within the client's deadline (no hang), cached views are served STALE while the broker is
// gone (within stale_for), uncached ones fail fast with a JSON 503/504, and fresh data comes
// back after each restart. Label e2e.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/http_client.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/subprocess_runner.h"
#include "tests/testing/numbered.h"
#include "tests/testing/eventually.h"

namespace queuemon::daemon {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::HttpClient;
using testing::ProcessSpec;

constexpr auto kClientDeadline = 5s;  // 10 x request_timeout_ms below: a hang, not slowness
constexpr auto kDeadline = 20s;

std::string Binary() {
  const char* dir = std::getenv("QUEUEMON_BINARY_DIR");
  return std::string(dir ? dir : ".") + "/daemon/queuemond";
}

// Polls every 10 ms (each check may be an HTTP request or a log read).
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds within) {
  return testing::Eventually(condition, within, 10ms);
}

class HostileBrokerRestartTest : public ::testing::Test {
 protected:
  HostileBrokerRestartTest()
      : dir_(std::filesystem::temp_directory_path() /
             (testing::Numbered("queuemond-restart-", ::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~HostileBrokerRestartTest() override {
    daemon_.Stop(5s);
    std::filesystem::remove_all(dir_);
  }

  void StartDaemon() {
    ASSERT_TRUE(std::filesystem::exists(Binary())) << Binary();
    std::ofstream(Path("queuemond.json"))
        << "{\"listen\": \"127.0.0.1:0\", \"startup\": {\"warmup_deadline_ms\": 1000},\n"
        << " \"http\": {\"request_timeout_ms\": 500},\n"
        << " \"caches\": {\"queue_status\": {\"ttl_seconds\": 0.3, \"stale_for_seconds\": 300}},\n"
        << " \"sources\": [{\"broker\": \"" << redis_.url(0) << "\", \"queues\": [\"jobs\"],\n"
        << "   \"connect_timeout_ms\": 200, \"command_timeout_ms\": 200,"
        << " \"inspect_timeout_ms\": 200}]}\n";
    daemon_ = ChildProcess::Start(ProcessSpec{
        {Binary(), "--config", Path("queuemond.json")}, {}, "", Path("queuemond.log")});
    ASSERT_TRUE(Eventually([&] { return Port() != 0; }, kDeadline)) << Log();
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Log() const {
    std::ifstream in(Path("queuemond.log"));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::uint16_t Port() const {
    std::smatch match;
    const std::string log = Log();
    if (!std::regex_search(log, match, std::regex(R"(\(port (\d+)\))"))) return 0;
    return static_cast<std::uint16_t>(std::stoi(match[1]));
  }

  // Makes the "jobs" list hold exactly `n` messages (redis-cli; the test's only Redis client).
  void SetQueueLength(int n) {
    std::vector<std::string> argv = {"/usr/bin/redis-cli", "-p", std::to_string(redis_.port())};
    auto del = argv;
    del.insert(del.end(), {"DEL", "jobs"});
    ASSERT_EQ(testing::RunProcess(ProcessSpec{del, {}, "", ""}, kDeadline).exit_code, 0);
    if (n == 0) return;
    argv.insert(argv.end(), {"RPUSH", "jobs"});
    for (int i = 0; i < n; ++i) argv.push_back(testing::Numbered("m", i));
    ASSERT_EQ(testing::RunProcess(ProcessSpec{argv, {}, "", ""}, kDeadline).exit_code, 0);
  }

  // One GET on a new connection; fails the test if it does not complete within the deadline.
  std::optional<testing::HttpResponse> Get(const std::string& target) {
    HttpClient client(Port(), kClientDeadline);
    auto response = client.Request("GET", target);
    EXPECT_TRUE(response) << target << ": no answer within " << kClientDeadline.count() << " s";
    return response;
  }

  static std::optional<std::int64_t> TotalMessages(const testing::HttpResponse& response) {
    if (response.status != 200) return std::nullopt;
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_object() || !body.contains("total_messages")) return std::nullopt;
    return body["total_messages"].get<std::int64_t>();
  }

  std::filesystem::path dir_;
  testing::RedisServer redis_;
  ChildProcess daemon_;
};

TEST_F(HostileBrokerRestartTest, NoHangStaleWhileDownFreshAfterEachRestart) {
  StartDaemon();
  for (int round = 1; round <= 3; ++round) {
    SCOPED_TRACE(testing::Numbered("round ", round));
    // Broker up: fresh data shows the current queue length.
    SetQueueLength(round);
    ASSERT_TRUE(Eventually(
        [&] {
          auto r = Get("/api/v1/celery/queues/status?use_cache=false");
          return r && TotalMessages(*r) == round;
        },
        kDeadline))
        << Log();

    redis_.Kill();
    // Broker gone: past the 0.3 s ttl the cached view is served STALE with the last value.
    bool saw_stale = false;
    ASSERT_TRUE(Eventually(
        [&] {
          auto r = Get("/api/v1/celery/queues/status");
          if (!r) return true;  // already failed; stop polling
          EXPECT_EQ(r->status, 200) << r->body;
          EXPECT_EQ(TotalMessages(*r), round) << r->body;
          saw_stale = r->Header("X-Cache") == "STALE";
          return saw_stale;
        },
        kDeadline));
    EXPECT_TRUE(saw_stale);
    // Fresh data is asked for explicitly: a JSON error, fast, never stale data.
    auto fresh = Get("/api/v1/celery/queues/status?use_cache=false");
    ASSERT_TRUE(fresh);
    EXPECT_TRUE(fresh->status == 503 || fresh->status == 504) << fresh->status << fresh->body;
    EXPECT_TRUE(nlohmann::json::parse(fresh->body, nullptr, false).contains("error"));
    EXPECT_TRUE(fresh->HasHeader("Retry-After"));
    auto health = Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);

    redis_.Restart();  // empty again (no persistence); the next round sets a new length
  }
  SetQueueLength(7);
  EXPECT_TRUE(Eventually(
      [&] {
        auto r = Get("/api/v1/celery/queues/status");  // the cache catches up by itself
        return r && TotalMessages(*r) == 7;
      },
      kDeadline))
      << Log();
}

}  // namespace
}  // namespace queuemon::daemon
