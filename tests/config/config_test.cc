#include "config/config.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/checks.h"
#include "sources/celery/amqp/options.h"
#include "sources/celery/redis/options.h"
#include "sources/changes.h"
#include "sources/rq/options.h"
#include "sources/sidekiq/options.h"
#include "sources/views.h"

namespace queuemon::config {
namespace {

// The celery options of a configured source (every source these tests configure is one).
const sources::celery::over_redis::CeleryOptions& Celery(const SourceConfig& source) {
  return *source.As<sources::celery::over_redis::CeleryOptions>();
}
sources::celery::over_redis::CeleryOptions& Celery(SourceConfig& source) {
  return *source.As<sources::celery::over_redis::CeleryOptions>();
}

using std::chrono::milliseconds;
using ::testing::HasSubstr;

// Expects ParseConfig(text) to throw a ConfigError whose message contains `fragment`.
std::string RejectionOf(const std::string& text) {
  try {
    ParseConfig(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return {};
}

TEST(DaemonConfigTest, DefaultsFollowTheDesign) {
  const Config c = DefaultConfig();
  EXPECT_EQ(c.http.listen, "127.0.0.1:8080");
  ASSERT_EQ(c.caches.size(), 5u);
  EXPECT_EQ(c.caches.at("task_status").ttl, milliseconds(2000));
  EXPECT_EQ(c.caches.at("task_status").max_entries, 500u);
  EXPECT_EQ(c.caches.at("worker_status").ttl, milliseconds(5000));
  EXPECT_EQ(c.caches.at("queue_status").ttl, milliseconds(3000));
  EXPECT_EQ(c.caches.at("metrics_summary").max_entries, 100u);
  EXPECT_EQ(c.caches.at("health_check").ttl, milliseconds(10000));
  EXPECT_EQ(c.caches.at("health_check").max_entries, 50u);
  EXPECT_EQ(c.caches.at("health_check").EffectiveRefreshAfter(), milliseconds(5000));
  EXPECT_EQ(c.caches.at("queue_status").stale_for, milliseconds(300'000));
  EXPECT_EQ(c.sweep.interval, milliseconds(60'000));
  EXPECT_EQ(c.api.gzip_min_bytes, 1024u);
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].name(), "celery");
  EXPECT_EQ(Celery(c.sources[0]).broker.url, "redis://127.0.0.1:6379/0");
}

TEST(DaemonConfigTest, EmptyObjectGivesDefaults) {
  const Config c = ParseConfig("{}");
  EXPECT_EQ(c.http.listen, DefaultConfig().http.listen);
  EXPECT_EQ(c.caches.size(), 5u);
}

TEST(DaemonConfigTest, CommentsAreAllowed) {
  const Config c = ParseConfig(R"({
    // the address
    "listen": "127.0.0.1:9000", /* block comments too */
    "threads": 2
  })");
  EXPECT_EQ(c.http.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.http.threads, 2);
}

TEST(DaemonConfigTest, EveryKeyIsParsed) {
  const Config c = ParseConfig(R"({
    "listen": "[::1]:0", "threads": 3, "log_level": "debug", "access_log": true,
    "http": {"max_header_bytes": 4096, "max_body_bytes": 1024, "max_connections": 7,
             "max_requests_per_connection": 9, "read_timeout_ms": 11, "idle_timeout_ms": 12,
             "write_timeout_ms": 13, "drain_timeout_ms": 14, "request_timeout_ms": 15,
             "auth_token_file": "/run/token", "gzip_min_bytes": 16},
    "sweep": {"interval_seconds": 1.5, "batch": 17},
    "startup": {"warmup_deadline_ms": 18},
    "caches": {"queue_status": {"ttl_seconds": 4, "refresh_after_seconds": 1, "stale_for_seconds": 0,
                                "max_entries": 19, "max_bytes": 20}},
    "sources": [{"name": "jobs", "broker": "redis://:pw@127.0.0.1:6390/2",
                 "result_backend": "unix:///run/redis.sock?db=3", "queues": ["a", "b"],
                 "global_keyprefix": "p:", "priority_steps": [0, 5], "sep": ":",
                 "pidbox_exchange": "px", "events_exchange": "ev", "inspect_timeout_ms": 21,
                 "connect_timeout_ms": 22, "command_timeout_ms": 23, "reconnect_backoff_max_ms": 250,
                 "purge_offline_after_seconds": 24, "max_reply_bytes": 2048}]
  })");
  EXPECT_EQ(c.http.listen, "[::1]:0");
  EXPECT_EQ(c.http.threads, 3);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_TRUE(c.log.access_log);
  EXPECT_EQ(c.http.max_header_bytes, 4096u);
  EXPECT_EQ(c.http.max_body_bytes, 1024u);
  EXPECT_EQ(c.http.max_connections, 7u);
  EXPECT_EQ(c.http.max_requests_per_connection, 9u);
  EXPECT_EQ(c.http.read_timeout, milliseconds(11));
  EXPECT_EQ(c.http.idle_timeout, milliseconds(12));
  EXPECT_EQ(c.http.write_timeout, milliseconds(13));
  EXPECT_EQ(c.http.drain_timeout, milliseconds(14));
  EXPECT_EQ(c.api.request_timeout, milliseconds(15));
  EXPECT_EQ(c.api.auth_token_file, "/run/token");
  EXPECT_EQ(c.api.gzip_min_bytes, 16u);
  EXPECT_EQ(c.sweep.interval, milliseconds(1500));
  EXPECT_EQ(c.sweep.batch, 17u);
  EXPECT_EQ(c.startup.warmup_deadline, milliseconds(18));
  const auto& q = c.caches.at("queue_status");
  EXPECT_EQ(q.ttl, milliseconds(4000));
  EXPECT_EQ(q.refresh_after, milliseconds(1000));
  EXPECT_EQ(q.stale_for, milliseconds(0));
  EXPECT_EQ(q.max_entries, 19u);
  EXPECT_EQ(q.max_bytes, 20u);
  EXPECT_EQ(c.caches.at("task_status").ttl, milliseconds(2000)) << "untouched caches keep defaults";
  ASSERT_EQ(c.sources.size(), 1u);
  const auto& s = Celery(c.sources[0]);
  EXPECT_EQ(s.name, "jobs");
  EXPECT_EQ(s.broker.url, "redis://:pw@127.0.0.1:6390/2");
  EXPECT_EQ(s.result_backend.url, "unix:///run/redis.sock?db=3");
  EXPECT_EQ(s.queues, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.global_keyprefix, "p:");
  EXPECT_EQ(s.priority_steps, (std::vector<int>{0, 5}));
  EXPECT_EQ(s.sep, ":");
  EXPECT_EQ(s.pidbox_exchange, "px");
  EXPECT_EQ(s.events_exchange, "ev");
  EXPECT_EQ(s.inspect_timeout, milliseconds(21));
  EXPECT_EQ(s.broker.connect_timeout, milliseconds(22));
  EXPECT_EQ(s.result_backend.command_timeout, milliseconds(23));
  EXPECT_EQ(s.broker.backoff_max, milliseconds(250));
  EXPECT_EQ(s.result_backend.backoff_max, milliseconds(250));
  EXPECT_EQ(s.purge_offline_after, milliseconds(24'000));
  EXPECT_EQ(s.max_reply_bytes, 2048u);
}

// Replicas and the state file (issue 17): off by default; every key read; bad values named.
TEST(DaemonConfigTest, ReplicationAndStateKeys) {
  const Config defaults = ParseConfig("{}");
  EXPECT_FALSE(defaults.replication.enabled());
  EXPECT_TRUE(defaults.state.dir.empty());
  const Config c = ParseConfig(R"({
    "state_dir": "/var/lib/queuemon", "snapshot_interval_seconds": 2.5,
    "replication": {"redis": "redis://127.0.0.1:6390/4", "prefix": "qm.prod", "lease_ms": 4000,
                    "replica_id": "pod-7"}})");
  EXPECT_EQ(c.state.dir, "/var/lib/queuemon");
  EXPECT_EQ(c.state.snapshot_interval, milliseconds(2500));
  EXPECT_TRUE(c.replication.enabled());
  EXPECT_EQ(c.replication.redis.url, "redis://127.0.0.1:6390/4");
  EXPECT_EQ(c.replication.prefix, "qm.prod");
  EXPECT_EQ(c.replication.lease, milliseconds(4000));
  EXPECT_EQ(c.replication.replica_id, "pod-7");
  EXPECT_THAT(RejectionOf(R"({"state_dir": "state"})"), HasSubstr("state_dir: must be an absolute path"));
  EXPECT_THAT(RejectionOf(R"({"replication": {}})"), HasSubstr("replication.redis: is required"));
  EXPECT_THAT(RejectionOf(R"({"replication": {"redis": "http://x"}})"), HasSubstr("replication.redis"));
  EXPECT_THAT(RejectionOf(R"({"replication": {"redis": "redis://h", "prefix": "a*"}})"),
              HasSubstr("replication.prefix: must be"));
  EXPECT_THAT(RejectionOf(R"({"replication": {"redis": "redis://h", "replica_id": "a|b"}})"),
              HasSubstr("replication.replica_id: must be"));
  EXPECT_THAT(RejectionOf(R"({"replication": {"redis": "redis://h", "lease_ms": 10}})"),
              HasSubstr("replication.lease_ms"));
  EXPECT_THAT(RejectionOf(R"({"replication": {"redis": "redis://h", "leas_ms": 1000}})"),
              HasSubstr("replication.leas_ms: unknown key"));
}

TEST(DaemonConfigTest, SepEscapesDecode) {
  const Config c = ParseConfig(R"({"sources": [{"sep": "\u0006\u0016"}]})");
  EXPECT_EQ(Celery(c.sources[0]).sep, "\x06\x16");
}

TEST(DaemonConfigTest, UnknownKeysAreRejectedWithTheirPath) {
  EXPECT_THAT(RejectionOf(R"({"listne": "127.0.0.1:1"})"), HasSubstr("listne: unknown key"));
  EXPECT_THAT(RejectionOf(R"({"http": {"read_timeout": 5}})"), HasSubstr("http.read_timeout: unknown key"));
  EXPECT_THAT(RejectionOf(R"({"caches": {"task_status": {"ttl": 1}}})"),
              HasSubstr("caches.task_status.ttl: unknown key"));
  EXPECT_THAT(RejectionOf(R"({"caches": {"tasks": {}}})"), HasSubstr("caches.tasks: unknown key"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{}, {"name": "b", "brokr": "x"}]})"),
              HasSubstr("sources[1].brokr: unknown key"));
}

TEST(DaemonConfigTest, WrongTypesAreRejectedWithTheirPath) {
  EXPECT_THAT(RejectionOf(R"({"threads": "4"})"), HasSubstr("threads: must be an integer"));
  EXPECT_THAT(RejectionOf(R"({"threads": 1.5})"), HasSubstr("threads: must be an integer"));
  EXPECT_THAT(RejectionOf(R"({"access_log": 1})"), HasSubstr("access_log: must be true or false"));
  EXPECT_THAT(RejectionOf(R"({"http": []})"), HasSubstr("http: must be an object"));
  EXPECT_THAT(RejectionOf(R"({"caches": {"health_check": {"ttl_seconds": "5"}}})"),
              HasSubstr("caches.health_check.ttl_seconds: must be a number"));
  EXPECT_THAT(RejectionOf(R"({"sources": {"name": "x"}})"), HasSubstr("sources: must be an array"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"queues": ["a", 1]}]})"),
              HasSubstr("sources[0].queues[1]: must be a string"));
  EXPECT_THAT(RejectionOf("[1, 2]"), HasSubstr("must be an object"));
}

TEST(DaemonConfigTest, OutOfRangeValuesAreRejectedNotClamped) {
  EXPECT_EQ(RejectionOf(R"({"caches": {"task_status": {"ttl_seconds": 0}}})"),
            "caches.task_status.ttl_seconds: must be > 0 (got 0)");
  EXPECT_THAT(RejectionOf(R"({"caches": {"task_status": {"ttl_seconds": -1}}})"), HasSubstr("must be > 0"));
  EXPECT_THAT(RejectionOf(R"({"caches": {"task_status": {"max_entries": 0}}})"),
              HasSubstr("caches.task_status.max_entries: must be > 0 (got 0)"));
  EXPECT_THAT(RejectionOf(R"({"caches": {"task_status": {"ttl_seconds": 2, "refresh_after_seconds": 3}}})"),
              HasSubstr("caches.task_status.refresh_after_seconds: must be <= ttl_seconds"));
  EXPECT_THAT(RejectionOf(R"({"caches": {"task_status": {"ttl_seconds": 0.0001}}})"),
              HasSubstr("1 ms resolution"));
  EXPECT_THAT(RejectionOf(R"({"threads": -1})"), HasSubstr("threads: must be >= 0 (got -1)"));
  EXPECT_THAT(RejectionOf(R"({"threads": 100000})"), HasSubstr("threads: must be <= 1024"));
  EXPECT_THAT(RejectionOf(R"({"http": {"read_timeout_ms": 0}})"), HasSubstr("http.read_timeout_ms: must be > 0"));
  EXPECT_THAT(RejectionOf(R"({"http": {"gzip_min_bytes": -1}})"),
              HasSubstr("http.gzip_min_bytes: must be >= 0 (got -1)"));
  EXPECT_THAT(RejectionOf(R"({"http": {"gzip_min_bytes": 1.5}})"),
              HasSubstr("http.gzip_min_bytes: must be an integer"));
  EXPECT_THAT(RejectionOf(R"({"http": {"gzip_min_bytes": 2000000000}})"),
              HasSubstr("http.gzip_min_bytes: must be <= 1073741824"));
  EXPECT_THAT(RejectionOf(R"({"sweep": {"batch": 0}})"), HasSubstr("sweep.batch: must be > 0"));
  EXPECT_THAT(RejectionOf(R"({"log_level": "loud"})"), HasSubstr("log_level: must be one of"));
  EXPECT_THAT(RejectionOf(R"({"listen": "localhost:80"})"), HasSubstr("listen: must be <IP>:<port>"));
  EXPECT_THAT(RejectionOf(R"({"listen": "127.0.0.1"})"), HasSubstr("listen: must be <IP>:<port>"));
  EXPECT_THAT(RejectionOf(R"({"listen": "127.0.0.1:70000"})"), HasSubstr("listen: port must be"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"priority_steps": [0, 6, 3]}]})"),
              HasSubstr("sources[0].priority_steps: must be strictly ascending"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"priority_steps": [0, 300]}]})"),
              HasSubstr("sources[0].priority_steps[1]: must be <= 255"));
  EXPECT_THAT(RejectionOf(R"({"sources": []})"), HasSubstr("sources: must name at least one source"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"name": "a/b"}]})"), HasSubstr("sources[0].name: must be"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"reconnect_backoff_max_ms": 99}]})"),
              HasSubstr("sources[0].reconnect_backoff_max_ms"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "http://h"}]})"), HasSubstr("sources[0].broker: unsupported URL scheme"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "redis://h/x"}]})"), HasSubstr("path must be /<db>"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "redis://h:0"}]})"), HasSubstr("port must be"));
}

TEST(DaemonConfigTest, FractionalSecondsKeepMilliseconds) {
  const Config c = ParseConfig(
      R"({"caches": {"task_status": {"ttl_seconds": 0.25, "stale_for_seconds": 2.5}}, "sweep": {"interval_seconds": 0.1}})");
  EXPECT_EQ(c.caches.at("task_status").ttl, milliseconds(250));
  EXPECT_EQ(c.caches.at("task_status").EffectiveRefreshAfter(), milliseconds(125));
  EXPECT_EQ(c.caches.at("task_status").stale_for, milliseconds(2500));
  EXPECT_EQ(c.sweep.interval, milliseconds(100));
}

TEST(DaemonConfigTest, SeveralSourcesAndDuplicateNames) {
  const Config c = ParseConfig(
      R"({"sources": [{"name": "a", "broker": "redis://127.0.0.1:1/0"}, {"name": "b"}]})");
  ASSERT_EQ(c.sources.size(), 2u);
  EXPECT_EQ(c.sources[1].name(), "b");
  EXPECT_EQ(Celery(c.sources[1]).broker.url, "redis://127.0.0.1:6379/0");
  EXPECT_THAT(RejectionOf(R"({"sources": [{"name": "a"}, {"name": "a"}]})"),
              HasSubstr("sources[1].name: duplicate source name"));
}

TEST(DaemonConfigTest, RqAndSidekiqSourcesBesideCelery) {
  const Config c = ParseConfig(R"({"sources": [
      {"name": "c"},
      {"name": "jobs", "kind": "rq", "broker": "redis://:pw@127.0.0.1:6380/2", "command_timeout_ms": 250},
      {"name": "web", "kind": "sidekiq", "broker": "unix:///run/redis.sock?db=3",
       "namespace": "app", "max_job_scan": 5000}]})");
  ASSERT_EQ(c.sources.size(), 3u);
  const auto* rq = c.sources[1].As<sources::rq::RqOptions>();
  ASSERT_NE(rq, nullptr);
  EXPECT_EQ(rq->redis.url, "redis://:pw@127.0.0.1:6380/2");
  EXPECT_EQ(rq->redis.command_timeout, std::chrono::milliseconds(250));
  const auto* sidekiq = c.sources[2].As<sources::sidekiq::SidekiqOptions>();
  ASSERT_NE(sidekiq, nullptr);
  EXPECT_EQ(sidekiq->redis.url, "unix:///run/redis.sock?db=3");
  EXPECT_EQ(sidekiq->namespace_, "app");
  EXPECT_EQ(sidekiq->max_job_scan, 5000u);
  EXPECT_EQ(sidekiq->Describe(), "redis unix:///run/redis.sock?db=3 namespace app");
  // Each kind reads only its keys.
  EXPECT_THAT(RejectionOf(R"({"sources": [{"kind": "rq", "namespace": "x"}]})"),
              HasSubstr("sources[0].namespace: unknown key"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"kind": "rq", "queues": ["x"]}]})"),
              HasSubstr("sources[0].queues: unknown key"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"kind": "sidekiq", "broker": "http://h"}]})"),
              HasSubstr("sources[0].broker:"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"kind": "sidekiq", "namespace": "a*"}]})"),
              HasSubstr("sources[0].namespace: must not hold glob characters"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"kind": "sidekiq", "max_job_scan": -1}]})"),
              HasSubstr("sources[0].max_job_scan:"));
}

TEST(DaemonConfigTest, AnAmqpBrokerMakesACeleryOnRabbitMqSource) {
  const Config c = ParseConfig(R"({"sources": [
      {"name": "r", "broker": "redis://127.0.0.1:6379/0"},
      {"name": "a", "broker": "amqps://u:secret@mq.example:5671/prod", "command_timeout_ms": 700,
       "management_url": "http://u:secret@mq.example:15672/api",
       "result_backend": "redis://127.0.0.1:6379/1", "queues": ["q"], "inspect_timeout_ms": 400}]})");
  ASSERT_EQ(c.sources.size(), 2u);
  EXPECT_NE(c.sources[0].As<sources::celery::over_redis::CeleryOptions>(), nullptr);
  const auto* amqp = c.sources[1].As<sources::celery::over_amqp::CeleryAmqpOptions>();
  ASSERT_NE(amqp, nullptr);
  EXPECT_EQ(c.sources[1].kind(), "celery");
  EXPECT_EQ(amqp->broker.url, "amqps://u:secret@mq.example:5671/prod");
  EXPECT_EQ(amqp->broker.command_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(amqp->result_backend.url, "redis://127.0.0.1:6379/1");
  EXPECT_EQ(amqp->result_backend.command_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(amqp->management_url, "http://u:secret@mq.example:15672/api");
  EXPECT_EQ(amqp->queues, std::vector<std::string>{"q"});
  EXPECT_EQ(amqp->inspect_timeout, std::chrono::milliseconds(400));
  EXPECT_EQ(amqp->Describe(),
            "broker amqps://u:***@mq.example:5671/prod, management http://u:***@mq.example:15672/api");
  // Keys of the other transport are unknown keys; bad values name their key, never a password.
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "amqp://h//", "sep": "x"}]})"),
              HasSubstr("sources[0].sep: unknown key"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "redis://h/0", "management_url": "http://h/api"}]})"),
              HasSubstr("sources[0].management_url: unknown key"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "amqp://u:pw@h:0//"}]})"),
              HasSubstr("sources[0].broker: AMQP URL port must be 1..65535"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "amqp://h//", "management_url": "https://u:pw@h/api"}]})"),
              HasSubstr("sources[0].management_url: must be an http:// URL"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "amqp://h//", "result_backend": "amqp://h//"}]})"),
              HasSubstr("sources[0].result_backend:"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "amqp://h//", "queues": ["ok", ")" +
                          std::string(256, 'q') + R"("]}]})"),
              HasSubstr("sources[0].queues[1]: an AMQP queue name is at most 255 bytes"));
}

TEST(DaemonConfigTest, SourcesHaveAKindThatDefaultsToCelery) {
  const Config c = ParseConfig(
      R"({"sources": [{"name": "a"}, {"name": "b", "kind": "celery", "queues": ["x"]}]})");
  ASSERT_EQ(c.sources.size(), 2u);
  EXPECT_EQ(c.sources[0].kind(), "celery");
  EXPECT_EQ(c.sources[1].kind(), "celery");
  EXPECT_EQ(Celery(c.sources[1]).queues, std::vector<std::string>{"x"});
  EXPECT_THAT(RejectionOf(R"({"sources": [{"kind": "bullmq"}]})"),
              HasSubstr("sources[0].kind: unknown kind (known: celery, rq, sidekiq) (got \"bullmq\")"));
  EXPECT_THAT(RejectionOf(R"({"sources": [{"kind": 3}]})"), HasSubstr("sources[0].kind: must be"));
  // A kind's reader reads only its keys: another kind's would be "unknown key".
  EXPECT_THAT(RejectionOf(R"({"sources": [{"kind": "celery", "redis_url": "redis://h"}]})"),
              HasSubstr("sources[0].redis_url: unknown key"));
}

TEST(DaemonConfigTest, ACopiedConfigOwnsItsSources) {
  Config running = ParseConfig(R"({"sources": [{"name": "a"}]})");
  Config next = running;
  Celery(next.sources[0]).broker.url = "redis://127.0.0.1:1/0";
  EXPECT_EQ(Celery(running.sources[0]).broker.url, "redis://127.0.0.1:6379/0");
  EXPECT_EQ(next.sources[0].name(), "a");
}

TEST(DaemonConfigTest, DuplicateKeysAndBadJsonAreRejected) {
  EXPECT_THAT(RejectionOf(R"({"threads": 1, "threads": 2})"), HasSubstr("\"threads\" appears twice"));
  EXPECT_THAT(RejectionOf(R"({"threads": 1,})"), HasSubstr("invalid JSON"));
  EXPECT_THAT(RejectionOf(""), HasSubstr("invalid JSON"));
}

TEST(DaemonConfigTest, BrokerSecretsAreRedactedInMessages) {
  const std::string message =
      RejectionOf(R"({"sources": [{"broker": "redis://user:s3cret@127.0.0.1:6379/x"}]})");
  EXPECT_THAT(message, HasSubstr("sources[0].broker"));
  EXPECT_THAT(message, HasSubstr("redis://user:***@127.0.0.1:6379/x"));
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
  const std::string unparsed = RejectionOf(R"({"sources": [{"broker": "redis://:s3cret@[bad/0"}]})");
  EXPECT_EQ(unparsed.find("s3cret"), std::string::npos) << unparsed;
  EXPECT_THAT(RejectionOf(R"({"sources": [{"broker": "redis://u:pa/ss@127.0.0.1:6379/0"}]})"),
              ::testing::Not(HasSubstr("pa/ss")));
  // What the collectors would refuse at start-up is refused by the check, with the URL redacted.
  const std::string late = RejectionOf(R"({"sources": [{"broker": "redis://:pw@127.0.0.1:6379k90"}]})");
  EXPECT_THAT(late, HasSubstr("sources[0].broker"));
  EXPECT_THAT(late, ::testing::Not(HasSubstr(":pw@")));
}

TEST(DaemonConfigTest, LoadConfigNamesTheFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("queuemon_config_test_" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    out << R"({"caches": {"task_status": {"ttl_seconds": 0}}})";
  }
  try {
    LoadConfig(path.string());
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path.string() + ": caches.task_status.ttl_seconds"));
  }
  std::filesystem::remove(path);
  EXPECT_THROW(LoadConfig(path.string()), ConfigError);
}

// The file installed to /etc/queuemon spells out the defaults: it must parse, and equal them.
TEST(DaemonConfigTest, ShippedConfigFileEqualsTheDefaults) {
  const char* source_dir = std::getenv("QUEUEMON_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr) << "run through ctest";
  const Config shipped = LoadConfig(std::string(source_dir) + "/systemd/queuemond.json");
  const Config defaults = DefaultConfig();
  EXPECT_EQ(shipped.http.listen, defaults.http.listen);
  EXPECT_EQ(shipped.api.request_timeout, defaults.api.request_timeout);
  EXPECT_EQ(shipped.api.gzip_min_bytes, defaults.api.gzip_min_bytes);
  EXPECT_EQ(shipped.http.max_header_bytes, defaults.http.max_header_bytes);
  EXPECT_EQ(shipped.sweep.interval, defaults.sweep.interval);
  for (const auto& category : sources::kCategories) {
    const std::string name(category.name);
    EXPECT_EQ(shipped.caches.at(name).ttl, defaults.caches.at(name).ttl) << name;
    EXPECT_EQ(shipped.caches.at(name).max_entries, defaults.caches.at(name).max_entries) << name;
    EXPECT_EQ(shipped.caches.at(name).EffectiveRefreshAfter(),
              defaults.caches.at(name).EffectiveRefreshAfter()) << name;
  }
  ASSERT_EQ(shipped.sources.size(), 1u);
  EXPECT_EQ(Celery(shipped.sources[0]).broker.url, Celery(defaults.sources[0]).broker.url);
  EXPECT_EQ(Celery(shipped.sources[0]).sep, Celery(defaults.sources[0]).sep);
  EXPECT_EQ(Celery(shipped.sources[0]).priority_steps, Celery(defaults.sources[0]).priority_steps);
  EXPECT_EQ(Celery(shipped.sources[0]).purge_offline_after, Celery(defaults.sources[0]).purge_offline_after);
  EXPECT_EQ(shipped.http.header_timeout, defaults.http.header_timeout);
  EXPECT_EQ(shipped.http.PerAddressLimit(), defaults.http.PerAddressLimit());
  EXPECT_EQ(shipped.http.trusted_proxies, defaults.http.trusted_proxies);
  EXPECT_EQ(Celery(shipped.sources[0]).queue_discovery_interval,
            Celery(defaults.sources[0]).queue_discovery_interval);
  EXPECT_EQ(Celery(shipped.sources[0]).idle_queue_grace, Celery(defaults.sources[0]).idle_queue_grace);
  EXPECT_EQ(shipped.cache_events, defaults.cache_events);
}

// Issue 20: what events do to the caches.
TEST(DaemonConfigTest, CacheEventRulesReplaceTheDefaultsAndNameBadKeys) {
  const Config defaults = DefaultConfig();
  EXPECT_EQ(defaults.cache_events, sources::DefaultChangeRules());
  EXPECT_EQ(defaults.cache_events.refresh.at("worker-offline"),
            (std::vector<std::string>{"worker_status", "metrics_summary"}));
  const Config c = ParseConfig(R"({"cache_events": {
      "min_refresh_interval_ms": 250,
      "refresh": {"task-started": ["task_status"], "worker-offline": []},
      "drop_task": ["task-failed"]}})");
  EXPECT_EQ(c.cache_events.min_refresh_interval, milliseconds(250));
  EXPECT_EQ(c.cache_events.refresh,
            (std::map<std::string, std::vector<std::string>>{{"task-started", {"task_status"}},
                                                              {"worker-offline", {}}}));
  EXPECT_EQ(c.cache_events.drop_task, std::vector<std::string>{"task-failed"});
  EXPECT_THAT(RejectionOf(R"({"cache_events": {"refresh": {"worker-gone": []}}})"),
              HasSubstr("cache_events.refresh.worker-gone: unknown key"));
  EXPECT_THAT(RejectionOf(R"({"cache_events": {"refresh": {"worker-online": ["workers"]}}})"),
              HasSubstr("cache_events.refresh.worker-online: unknown cache 'workers'"));
  EXPECT_THAT(RejectionOf(R"({"cache_events": {"drop_task": ["worker-offline"]}})"),
              HasSubstr("cache_events.drop_task: 'worker-offline' is not a task event"));
  EXPECT_THAT(RejectionOf(R"({"cache_events": {"min_refresh_interval_ms": 0}})"),
              HasSubstr("cache_events.min_refresh_interval_ms"));
  EXPECT_THAT(RejectionOf(R"({"cache_events": {"drop": []}})"),
              HasSubstr("cache_events.drop: unknown key"));
}

// Issue 19: the limits against slow and greedy clients.
TEST(DaemonConfigTest, SlowClientLimitsHaveDerivedDefaultsAndNamedErrors) {
  const Config defaults = ParseConfig(R"({"http": {"max_connections": 100}})");
  EXPECT_EQ(defaults.http.PerAddressLimit(), 25u) << "a quarter of max_connections";
  EXPECT_EQ(defaults.http.header_timeout, milliseconds(5000));
  EXPECT_EQ(ParseConfig(R"({"http": {"max_connections": 2}})").http.PerAddressLimit(), 1u);
  const Config set = ParseConfig(R"({"http": {"max_connections_per_address": 0,
      "trusted_proxies": ["10.0.0.5", "0:0:0:0:0:0:0:1"], "header_timeout_ms": 1500}})");
  EXPECT_EQ(set.http.PerAddressLimit(), 0u) << "0 = no per-address limit";
  EXPECT_EQ(set.http.trusted_proxies, (std::vector<std::string>{"10.0.0.5", "::1"}));
  EXPECT_EQ(set.http.header_timeout, milliseconds(1500));
  EXPECT_THAT(RejectionOf(R"({"http": {"trusted_proxies": ["10.0.0.0/8"]}})"),
              HasSubstr("http.trusted_proxies[0]: must be an IP address"));
  EXPECT_THAT(RejectionOf(R"({"http": {"header_timeout_ms": 0}})"),
              HasSubstr("http.header_timeout_ms"));
  EXPECT_THAT(RejectionOf(R"({"http": {"max_connections_per_address": -1}})"),
              HasSubstr("http.max_connections_per_address"));
}

}  // namespace
}  // namespace queuemon::config
