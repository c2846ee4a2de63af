#include "config/cli.h"
#include "sources/celery/amqp/options.h"
#include "sources/celery/redis/options.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace queuemon::config {
namespace {

// The celery options of a configured source (every source these tests configure is one).
const sources::celery::over_redis::CeleryOptions& Celery(const SourceConfig& source) {
  return *source.As<sources::celery::over_redis::CeleryOptions>();
}

using ::testing::HasSubstr;

CommandLine Parse(std::vector<std::string_view> args) { return ParseCommandLine(args); }

// Runs DecideStartup and keeps what it printed.
struct Outcome {
  StartupDecision decision;
  std::string out, err;
};
Outcome Decide(std::vector<std::string_view> args) {
  std::ostringstream out, err;
  Outcome outcome{DecideStartup(args, out, err), {}, {}};
  outcome.out = out.str();
  outcome.err = err.str();
  return outcome;
}

// A config file in the temp dir, removed at the end of the test.
class TempConfig final {
 public:
  explicit TempConfig(const std::string& text)
      : path_((std::filesystem::temp_directory_path() /
               ("queuemon_cli_test_" + std::to_string(::getpid()) + "_" +
                std::to_string(counter_++) + ".json"))
                  .string()) {
    std::ofstream(path_) << text;
  }
  ~TempConfig() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(DaemonCliTest, ParsesEveryFlagInBothSpellings) {
  const CommandLine a = Parse({"--config", "/etc/q.json", "--listen", "127.0.0.1:1", "--broker",
                               "redis://h:1/0", "--check-config"});
  EXPECT_EQ(a.config_path, "/etc/q.json");
  EXPECT_EQ(a.listen, "127.0.0.1:1");
  EXPECT_EQ(a.broker, "redis://h:1/0");
  EXPECT_TRUE(a.check_config);
  const CommandLine b = Parse({"--config=/x.json", "--listen=[::1]:2", "--version", "--help"});
  EXPECT_EQ(b.config_path, "/x.json");
  EXPECT_EQ(b.listen, "[::1]:2");
  EXPECT_TRUE(b.show_version);
  EXPECT_TRUE(b.show_help);
  EXPECT_FALSE(Parse({}).check_config);
}

TEST(DaemonCliTest, BadFlagsAreUsageErrors) {
  EXPECT_THROW(Parse({"--bogus"}), UsageError);
  EXPECT_THROW(Parse({"--config"}), UsageError);
  EXPECT_THROW(Parse({"--config="}), UsageError);
  EXPECT_THROW(Parse({"extra"}), UsageError);
  EXPECT_THROW(Parse({"--version=1"}), UsageError);
  const Outcome o = Decide({"--bogus"});
  EXPECT_EQ(o.decision.exit_code, kExitUsage);
  EXPECT_THAT(o.err, HasSubstr("unknown option '--bogus'"));
}

TEST(DaemonCliTest, HelpAndVersionExitZero) {
  const Outcome help = Decide({"--help"});
  EXPECT_EQ(help.decision.exit_code, kExitOk);
  EXPECT_THAT(help.out, HasSubstr("--check-config"));
  const Outcome version = Decide({"--version"});
  EXPECT_EQ(version.decision.exit_code, kExitOk);
  EXPECT_EQ(version.out, std::string("queuemond ") + QUEUEMON_VERSION + "\n");
}

TEST(DaemonCliTest, CheckConfigPrintsOkOrTheKeyPath) {
  TempConfig good(R"({"listen": "127.0.0.1:9999"})");
  const Outcome ok = Decide({"--config", good.path(), "--check-config"});
  EXPECT_EQ(ok.decision.exit_code, kExitOk);
  EXPECT_EQ(ok.out, "OK\n");
  TempConfig bad(R"({"caches": {"task_status": {"ttl_seconds": 0}}})");
  const Outcome rejected = Decide({"--config", bad.path(), "--check-config"});
  EXPECT_EQ(rejected.decision.exit_code, kExitUsage);
  EXPECT_THAT(rejected.err, HasSubstr("caches.task_status.ttl_seconds: must be > 0 (got 0)"));
  const Outcome missing = Decide({"--config", "/nonexistent/queuemond.json"});
  EXPECT_EQ(missing.decision.exit_code, kExitUsage);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/queuemond.json: cannot read"));
}

TEST(DaemonCliTest, FlagsOverrideTheFile) {
  TempConfig file(R"({"listen": "127.0.0.1:9999",
                      "sources": [{"name": "a"}, {"name": "b", "broker": "redis://127.0.0.1:2/0"}]})");
  const Outcome o =
      Decide({"--config", file.path(), "--listen", "127.0.0.1:7", "--broker", "redis://:pw@127.0.0.1:1/3"});
  EXPECT_FALSE(o.decision.exit_code);
  EXPECT_EQ(o.decision.config.http.listen, "127.0.0.1:7");
  EXPECT_EQ(Celery(o.decision.config.sources[0]).broker.url, "redis://:pw@127.0.0.1:1/3");
  EXPECT_EQ(Celery(o.decision.config.sources[1]).broker.url, "redis://127.0.0.1:2/0");
}

TEST(DaemonCliTest, BadFlagValuesNameTheFlagAndHideSecrets) {
  const Outcome listen = Decide({"--listen", "everywhere"});
  EXPECT_EQ(listen.decision.exit_code, kExitUsage);
  EXPECT_THAT(listen.err, HasSubstr("--listen: must be <IP>:<port>"));
  const Outcome broker = Decide({"--broker", "mongodb://guest:hunter2@h/"});
  EXPECT_EQ(broker.decision.exit_code, kExitUsage);
  EXPECT_THAT(broker.err, HasSubstr("--broker: unsupported URL scheme"));
  EXPECT_THAT(broker.err, ::testing::Not(HasSubstr("hunter2")));
  const Outcome amqp = Decide({"--broker", "amqp://guest:hunter2@h:99999//"});
  EXPECT_EQ(amqp.decision.exit_code, kExitUsage);
  EXPECT_THAT(amqp.err, HasSubstr("--broker: AMQP URL port must be 1..65535"));
  EXPECT_THAT(amqp.err, ::testing::Not(HasSubstr("hunter2")));
}

TEST(DaemonCliTest, AnAmqpBrokerFlagMakesTheSourceCeleryOnRabbitMq) {
  TempConfig file(R"({"sources": [{"name": "a", "queues": ["q1"], "inspect_timeout_ms": 300}]})");
  const Outcome o = Decide({"--config", file.path(), "--broker", "amqp://u:p@127.0.0.1:5672/vh"});
  ASSERT_FALSE(o.decision.exit_code) << o.err;
  const auto* amqp =
      o.decision.config.sources[0].As<sources::celery::over_amqp::CeleryAmqpOptions>();
  ASSERT_NE(amqp, nullptr);
  EXPECT_EQ(amqp->broker.url, "amqp://u:p@127.0.0.1:5672/vh");
  EXPECT_EQ(amqp->name, "a");  // the transport-neutral options are kept
  EXPECT_EQ(amqp->queues, std::vector<std::string>{"q1"});
  EXPECT_EQ(amqp->inspect_timeout, std::chrono::milliseconds(300));
  EXPECT_EQ(o.decision.config.sources[0].kind(), "celery");
}

TEST(DaemonCliTest, SystemdCredentialBecomesTheTokenFile) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("queuemon_cli_creds_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "auth-token") << "secret\n";
  ::setenv("CREDENTIALS_DIRECTORY", dir.c_str(), 1);
  EXPECT_EQ(BuildConfig(CommandLine{}).api.auth_token_file, (dir / "auth-token").string());
  TempConfig file(R"({"http": {"auth_token_file": "/etc/explicit"}})");
  CommandLine with_file;
  with_file.config_path = file.path();
  EXPECT_EQ(BuildConfig(with_file).api.auth_token_file, "/etc/explicit") << "the file wins";
  ::unsetenv("CREDENTIALS_DIRECTORY");
  std::filesystem::remove_all(dir);
  EXPECT_EQ(BuildConfig(CommandLine{}).api.auth_token_file, "");
}

}  // namespace
}  // namespace queuemon::config
