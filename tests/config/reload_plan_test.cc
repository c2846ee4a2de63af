#include "config/reload_plan.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "config/auth_token_file.h"
#include "config/config.h"
#include "sources/celery/amqp/options.h"
#include "sources/celery/redis/options.h"

namespace queuemon::config {
namespace {

// The celery options of a configured source (every source these tests configure is one).
sources::celery::over_redis::CeleryOptions& Celery(SourceConfig& source) {
  return *source.As<sources::celery::over_redis::CeleryOptions>();
}

using std::chrono::milliseconds;

TEST(ReloadPlanTest, CacheLogSweepAndTimeoutChangesApplyInPlace) {
  const Config running = DefaultConfig();
  Config next = running;
  EXPECT_EQ(RestartOnlyChange(running, next), std::nullopt);
  next.caches.at("task_status").ttl = milliseconds(9000);
  next.caches.at("worker_status").max_entries = 7;
  next.log.level = "debug";
  next.log.access_log = true;
  next.sweep.interval = milliseconds(5);
  next.api.request_timeout = milliseconds(50);
  next.api.auth_token_file = "/etc/token";
  next.api.gzip_min_bytes = 0;
  next.cache_events.min_refresh_interval = milliseconds(100);
  next.cache_events.drop_task.clear();
  EXPECT_EQ(RestartOnlyChange(running, next), std::nullopt);
}

TEST(ReloadPlanTest, ListenBrokerAndSourcesNeedARestart) {
  const Config running = DefaultConfig();
  Config next = running;
  next.http.listen = "127.0.0.1:9";
  EXPECT_EQ(RestartOnlyChange(running, next), "listen");
  next = running;
  Celery(next.sources[0]).broker.url = "redis://127.0.0.1:1/0";
  EXPECT_EQ(RestartOnlyChange(running, next), "sources[0].broker");
  next = running;
  Celery(next.sources[0]).broker.command_timeout = milliseconds(3);
  EXPECT_EQ(RestartOnlyChange(running, next), "sources[0].command_timeout_ms");
  next = running;
  Celery(next.sources[0]).name = "renamed";
  EXPECT_EQ(RestartOnlyChange(running, next), "sources[0].name");
  next = running;
  next.sources.push_back(next.sources[0]);
  EXPECT_EQ(RestartOnlyChange(running, next), "sources");
  next = running;
  next.http.threads = 9;
  EXPECT_EQ(RestartOnlyChange(running, next), "threads");
  next = running;
  next.http.max_connections = 1;
  EXPECT_EQ(RestartOnlyChange(running, next), "http.max_connections");
}

TEST(ReloadPlanTest, ReplicationAndTheStateFileNeedARestart) {
  const Config running = ParseConfig("{}");
  EXPECT_EQ(RestartOnlyChange(running, ParseConfig(R"({"state_dir": "/s"})")), "state_dir");
  EXPECT_EQ(RestartOnlyChange(running, ParseConfig(R"({"replication": {"redis": "redis://h"}})")),
            "replication");
}

TEST(ReloadPlanTest, MovingACelerySourceToRabbitMqNeedsARestart) {
  const Config running = ParseConfig(R"({"sources": [{"broker": "amqp://h//"}]})");
  Config next = running;
  EXPECT_EQ(RestartOnlyChange(running, next), std::nullopt);
  next.sources[0].As<sources::celery::over_amqp::CeleryAmqpOptions>()->management_url =
      "http://h/api";
  EXPECT_EQ(RestartOnlyChange(running, next), "sources[0].management_url");
  EXPECT_EQ(RestartOnlyChange(DefaultConfig(), running), "sources[0].broker");  // Redis -> AMQP
}

TEST(AuthTokenFileTest, ReadsTrimsAndRejects) {
  EXPECT_EQ(LoadAuthToken(""), "");
  const auto path = std::filesystem::temp_directory_path() /
                    ("queuemon_token_test_" + std::to_string(::getpid()));
  std::ofstream(path) << "s3cret-token\n";
  EXPECT_EQ(LoadAuthToken(path.string()), "s3cret-token");
  std::ofstream(path) << " \n";
  EXPECT_THROW(LoadAuthToken(path.string()), ConfigError);
  std::filesystem::remove(path);
  try {
    LoadAuthToken(path.string());
    ADD_FAILURE() << "missing file accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("http.auth_token_file"), std::string::npos);
  }
}

}  // namespace
}  // namespace queuemon::config
