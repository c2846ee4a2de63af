#include "daemon/prometheus.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/asio/io_context.hpp>

#include "cache/clock.h"
#include "tests/daemon/run_coroutine.h"
#include "tests/testing/fake_collector.h"

namespace queuemon::daemon {
namespace {

class PrometheusTest : public ::testing::Test {
 protected:
  std::string Render() {
    test::RunToCompletion(ioc_, service_.Get(collectors::View::kWorkers, "", true));
    test::RunToCompletion(ioc_, service_.Get(collectors::View::kQueues, "", true));
    test::RunToCompletion(ioc_, service_.Get(collectors::View::kQueues, "", true));
    http_.Record(200, 0.0003);
    http_.Record(503, 0.2);
    return RenderPrometheus({&service_}, http_);
  }

  boost::asio::io_context ioc_;
  cache::ManualClock clock_;
  testing::FakeCollector collector_;
  ViewService service_{ioc_.get_executor(), collector_, {}, clock_, std::chrono::seconds(1)};
  HttpMetrics http_;
};

TEST(EscapeLabelValueTest, EscapesBackslashQuoteAndNewline) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
}

TEST_F(PrometheusTest, ExposesExporterCompatibleAndOwnSeries) {
  const std::string text = Render();
  EXPECT_NE(text.find("celery_worker_up{source=\"celery\",hostname=\"w1@host\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("celery_worker_tasks_active{source=\"celery\",hostname=\"w1@host\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("celery_queue_length{source=\"celery\",queue_name=\"odd\\\"queue\\\\name\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("queuemon_cache_hits_total{source=\"celery\",cache=\"queue_status\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("queuemon_cache_requests_total{source=\"celery\",cache=\"queue_status\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("queuemon_up{source=\"celery\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("queuemon_collector_broadcasts_total{source=\"celery\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("queuemon_collector_malformed_replies_total{source=\"celery\"} 0\n"), std::string::npos);
  for (const char* family : {"queuemon_broker_connect_failures_total", "queuemon_broker_disconnects_total",
                             "queuemon_broker_reconnects_total", "queuemon_broker_backoff_seconds"}) {
    EXPECT_NE(text.find(std::string(family) + "{source=\"celery\"} 0\n"), std::string::npos) << family;
  }
  EXPECT_NE(text.find("queuemon_http_requests_total{code=\"2xx\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("queuemon_http_requests_total{code=\"5xx\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("queuemon_http_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("queuemon_http_request_duration_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("Cached"), std::string::npos);  // HELP says the values are cached
}

TEST_F(PrometheusTest, EveryFamilyHasOneHelpAndTypeLine) {
  std::istringstream lines(Render());
  std::set<std::string> helps;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(helps.insert(name).second) << "duplicate HELP for " << name;
    }
  }
  EXPECT_GT(helps.size(), 15u);
}

TEST_F(PrometheusTest, PromtoolAcceptsTheExposition) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package 'prometheus')";
  }
  const std::string path = ::testing::TempDir() + "queuemon_metrics.txt";
  std::ofstream(path) << Render();
  const std::string command = "promtool check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) output += buf;
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output;
}

}  // namespace
}  // namespace queuemon::daemon
