// Secrets stay secret (SECURITY.md): the real queuemond binary, with broker and result-backend
// URLs that carry passwords (the broker is a closed loopback port, so every collection fails
// and every error path runs) and a bearer token, at log level debug. Neither the passwords nor
// the token may appear in its output (stdout + stderr), in /metrics, or in any API answer.
// --check-config with a broken URL must not echo the password either. Label e2e.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/testing/eventually.h"
#include "tests/testing/free_port.h"
#include "tests/testing/numbered.h"
#include "tests/testing/queuemond_process.h"
#include "tests/testing/subprocess_runner.h"

namespace queuemon::daemon {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::ProcessSpec;
using testing::QueuemondProcess;

constexpr char kBrokerPassword[] = "Br0kerPassw0rdXYZ";
constexpr char kBackendPassword[] = "Backend-Passw0rd-QQQ";
constexpr char kToken[] = "T0ken-0f-the-0perator-777";

std::string Binary() { return QueuemondProcess::Binary(); }

// Polls every 10 ms (each check may be an HTTP request or a log read).
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds within = 15s) {
  return testing::Eventually(condition, within, 10ms);
}

class HostileSecretsTest : public ::testing::Test {
 protected:
  HostileSecretsTest()
      : dir_(std::filesystem::temp_directory_path() /
             (testing::Numbered("queuemond-secrets-", ::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~HostileSecretsTest() override { std::filesystem::remove_all(dir_); }

  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(Binary()))
        << Binary() << " not found; run through ctest (it sets QUEUEMON_BINARY_DIR)";
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  static void ExpectNoSecret(const std::string& where, const std::string& text) {
    for (const char* secret : {kBrokerPassword, kBackendPassword, kToken}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << where << " leaks " << secret << ":\n"
                                                      << text;
    }
  }

  std::filesystem::path dir_;
};

TEST_F(HostileSecretsTest, PasswordsAndTokenAppearNowhere) {
  const std::string closed = std::to_string(testing::PickFreeLoopbackPort());
  std::ofstream(Path("token")) << kToken << "\n";
  testing::QueuemondConfig config;
  config.broker_url =
      std::string("redis://queuemon:") + kBrokerPassword + "@127.0.0.1:" + closed + "/0";
  config.warmup_deadline = 500ms;
  config.top_extra_json =
      "\"log_level\": \"debug\", \"http\": {\"auth_token_file\": \"" + Path("token") + "\"}";
  config.source_extra_json = std::string("\"result_backend\": \"redis://:") + kBackendPassword +
                             "@127.0.0.1:" + closed + "/1\"";
  QueuemondProcess daemon(config);

  std::string answers;
  for (const char* target :
       {"/metrics", "/readyz", "/healthz", "/", "/api/v1/celery/health",
        "/api/v1/celery/workers/status", "/api/v1/celery/queues/status?use_cache=false",
        "/api/v1/celery/tasks/status", "/api/v1/celery/tasks/abc", "/api/v1/celery/metrics/summary",
        "/api/v1/celery/cache/stats"}) {
    auto response = daemon.Get(target);
    ASSERT_TRUE(response) << target;
    for (const auto& [name, value] : response->headers) answers += name + ": " + value + "\n";
    answers += response->body + "\n";
  }
  // A wrong token, then the right one: neither is echoed or logged.
  auto denied = daemon.Request("POST", "/api/v1/celery/cache/invalidate",
                               {{"Authorization", std::string("Bearer ") + kToken + "x"}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  answers += denied->body;
  auto allowed = daemon.Request("POST", "/api/v1/celery/cache/invalidate",
                                {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  answers += allowed->body;
  // The daemon did try the broker (so the connect-failure paths ran), and says so.
  EXPECT_NE(answers.find("queuemon_up"), std::string::npos);
  ExpectNoSecret("HTTP answers", answers);

  // The connect failures were logged, redacted, as a broker-link state change.
  ASSERT_TRUE(Eventually([&] {
    return daemon.log().find("broker link down: celery[celery] broker redis://queuemon:***@") !=
           std::string::npos;
  })) << daemon.log();
  daemon.Signal(SIGHUP);  // reload re-reads the config and the token file
  ASSERT_TRUE(Eventually([&] { return daemon.log().find("reload") != std::string::npos; }))
      << daemon.log();
  EXPECT_EQ(daemon.Stop(), 0) << daemon.log();
  ExpectNoSecret("daemon output", daemon.log());
  // It logged the broker, redacted.
  EXPECT_NE(daemon.log().find("redis://queuemon:***@127.0.0.1:" + closed), std::string::npos)
      << daemon.log();
}

TEST_F(HostileSecretsTest, CheckConfigErrorsDoNotEchoThePassword) {
  for (const std::string& broker : {
           std::string("redis://queuemon:") + kBrokerPassword + "@127.0.0.1:99999/0",
           std::string("redis://queuemon:") + kBrokerPassword + "@127.0.0.1:6379/notadb",
           std::string("rediss://queuemon:") + kBrokerPassword + "@127.0.0.1:6379/0",
           std::string("redis://queuemon:") + kBrokerPassword + "@127.0.0.1:6379/0?ssl=1",
           std::string("redis://:") + kBrokerPassword + "@/0",
       }) {
    SCOPED_TRACE(broker);
    std::ofstream(Path("bad.json")) << "{\"sources\": [{\"broker\": \"" << broker << "\"}]}\n";
    const auto result = testing::RunProcess(
        ProcessSpec{{Binary(), "--check-config", "--config", Path("bad.json")}, {}, "",
                    Path("check.log")},
        15s);
    EXPECT_NE(result.exit_code, 0);
    std::ifstream in(Path("check.log"));
    std::ostringstream err;
    err << in.rdbuf();
    EXPECT_NE((result.output + err.str()).find("sources[0].broker"), std::string::npos)
        << result.output << err.str();
    ExpectNoSecret("--check-config output", result.output + err.str());
  }
}

// A password with an unencoded '/' (common in generated passwords) splits the authority, so
// Boost.URL sees no password; the error must still not echo it (RedactRedisUrl's fallback).
TEST_F(HostileSecretsTest, CheckConfigDoesNotEchoAPasswordContainingASlash) {
  const std::string broker = "redis://queuemon:Br0ker/Passw0rdXYZ@127.0.0.1:6379/0";
  std::ofstream(Path("slash.json")) << "{\"sources\": [{\"broker\": \"" << broker << "\"}]}\n";
  const auto result = testing::RunProcess(
      ProcessSpec{{Binary(), "--check-config", "--config", Path("slash.json")}, {}, "",
                  Path("slash.log")},
      15s);
  std::ifstream in(Path("slash.log"));
  std::ostringstream err;
  err << in.rdbuf();
  const std::string output = result.output + err.str();
  EXPECT_EQ(output.find("Passw0rdXYZ"), std::string::npos) << output;
}

// Found by fuzz_redis_url: --check-config accepts "redis://:pw@127.0.0.1:6379k90" (no db path),
// but the collector's ParseRedisUrl rejects it, and start-up then fails with
// "celery: bad broker url (db): <raw URL>" (sources/celery/redis/celery_source.cc DbOrThrow).
TEST_F(HostileSecretsTest, StartupErrorForAUrlTheCheckAcceptsDoesNotEchoThePassword) {
  const std::string broker = std::string("redis://:") + kBrokerPassword + "@127.0.0.1:6379k90";
  std::ofstream(Path("odd.json")) << "{\"listen\": \"127.0.0.1:0\", \"startup\": "
                                  << "{\"warmup_deadline_ms\": 200}, \"sources\": [{\"broker\": \""
                                  << broker << "\"}]}\n";
  const auto check = testing::RunProcess(
      ProcessSpec{{Binary(), "--check-config", "--config", Path("odd.json")}, {}, "",
                  Path("odd-check.log")},
      15s);
  ChildProcess daemon = ChildProcess::Start(
      ProcessSpec{{Binary(), "--config", Path("odd.json")}, {}, "", Path("odd-run.log")});
  const auto status = daemon.Wait(3s);  // exits at once if start-up fails
  if (!status) daemon.Stop(5s);
  const std::string text = check.output + ReadFile(Path("odd-check.log")) + ReadFile(Path("odd-run.log"));
  ExpectNoSecret("start-up output", text);
  // --check-config and start-up must agree about the URL.
  EXPECT_EQ(check.exit_code == 0, !status || *status == 0) << text;
}

}  // namespace
}  // namespace queuemon::daemon
