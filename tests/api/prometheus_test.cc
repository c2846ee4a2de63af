#include "api/prometheus.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/asio/io_context.hpp>

#include "base/clock.h"
#include "sources/errors.h"
#include "tests/testing/promtool.h"
#include "tests/testing/run_coroutine.h"
#include "sources/fake/fake_source.h"

namespace queuemon::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// worker_status and queue_status: ttl 3 s, refresh after 1 s, stale for 5 s.
std::map<std::string, cache::CacheOptions> ShortCaches() {
  cache::CacheOptions options;
  options.ttl = seconds(3);
  options.refresh_after = seconds(1);
  options.stale_for = seconds(5);
  return {{"worker_status", options}, {"queue_status", options}};
}

class PrometheusTest : public ::testing::Test {
 protected:
  // One client read of the queues view, then one scrape (which reads workers and queues).
  std::string Render() {
    testing::RunToCompletion(ioc_, service_.Get(sources::View::kQueues, "", true));
    http_.Record(200, 0.0003);
    http_.Record(503, 0.2);
    return Scrape();
  }
  std::string Scrape() {
    const auto views = testing::RunToCompletion(ioc_, ReadSourceViews({&service_}, cache::Reader::kClient));
    return RenderPrometheus(views, http_);
  }
  static bool Has(const std::string& text, const std::string& line) {
    return text.find(line) != std::string::npos;
  }

  boost::asio::io_context ioc_;
  base::ManualClock clock_;
  sources::fake::FakeSource source_;
  ViewService service_{ioc_.get_executor(), source_, ShortCaches(), clock_, seconds(1)};
  http::HttpMetrics http_;
};

TEST(EscapeLabelValueTest, EscapesBackslashQuoteAndNewline) {
  EXPECT_EQ(sources::EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(sources::EscapeLabelValue("plain"), "plain");
}

TEST_F(PrometheusTest, ExposesExporterCompatibleAndOwnSeries) {
  const std::string text = Render();
  EXPECT_NE(text.find("celery_worker_up{source=\"celery\",hostname=\"host\"} 1\n"), std::string::npos);
  // w1@host (online, 2 active) and w2@host (offline, 3 active) share the host's series.
  EXPECT_NE(text.find("celery_worker_tasks_active{source=\"celery\",hostname=\"host\"} 5\n"), std::string::npos);
  // Only the online worker's 4 processes consume the queue.
  EXPECT_NE(text.find("celery_active_process_count{source=\"celery\",queue_name=\"odd\\\"queue\\\\name\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("celery_active_worker_count{source=\"celery\",queue_name=\"odd\\\"queue\\\\name\"} 1\n"), std::string::npos);
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
  EXPECT_NE(text.find("at most ttl old"), std::string::npos);  // HELP says how fresh
}

// Issue 12: the job-queue families are named by each source's kind, one family per kind, so a
// second kind gets its own names and the celery-exporter names stay exactly as they were.
TEST_F(PrometheusTest, JobQueueFamiliesAreNamedByKind) {
  sources::fake::FakeSource rq("jobs", "rq");
  ViewService rq_service{ioc_.get_executor(), rq, ShortCaches(), clock_, seconds(1)};
  const auto views =
      testing::RunToCompletion(ioc_, ReadSourceViews({&service_, &rq_service}, cache::Reader::kClient));
  const std::string text = RenderPrometheus(views, http_);
  EXPECT_TRUE(Has(text, "celery_worker_up{source=\"celery\",hostname=\"host\"} 1\n"));
  EXPECT_TRUE(Has(text, "rq_worker_up{source=\"jobs\",hostname=\"host\"} 1\n"));
  EXPECT_TRUE(Has(text, "rq_queue_length{source=\"jobs\",queue_name=\"odd\\\"queue\\\\name\"} 7\n"));
  EXPECT_FALSE(Has(text, "celery_worker_up{source=\"jobs\""));
  EXPECT_FALSE(Has(text, "rq_worker_up{source=\"celery\""));
  std::size_t type_lines = 0;
  for (std::size_t at = text.find("# TYPE celery_worker_up "); at != std::string::npos;
       at = text.find("# TYPE celery_worker_up ", at + 1)) {
    ++type_lines;
  }
  EXPECT_EQ(type_lines, 1u);
  EXPECT_TRUE(Has(text, "queuemon_snapshot_age_seconds{source=\"jobs\",view=\"workers\"} 0\n"));
}

// Issue 11: a daemon that only Prometheus scrapes follows the broker within the ttl.
TEST_F(PrometheusTest, AnUnpolledDaemonsScrapeFollowsTheDataWithinTheTtl) {
  const std::string queue = "celery_queue_length{source=\"celery\",queue_name=\"odd\\\"queue\\\\name\"} ";
  EXPECT_TRUE(Has(Scrape(), queue + "7\n"));
  source_.SetQueueDepth(20);
  clock_.Advance(milliseconds(500));
  EXPECT_TRUE(Has(Scrape(), queue + "7\n")) << "fresh: the cached value";
  clock_.Advance(seconds(1));  // past refresh_after: this scrape starts the background refresh
  Scrape();
  EXPECT_TRUE(Has(Scrape(), queue + "20\n"));
  source_.SetQueueDepth(13);
  clock_.Advance(seconds(4));  // past the ttl: the scrape waits for the load
  const std::string text = Scrape();
  EXPECT_TRUE(Has(text, queue + "13\n")) << text;
  EXPECT_TRUE(Has(text, "queuemon_snapshot_age_seconds{source=\"celery\",view=\"queues\"} 0\n"));
  EXPECT_EQ(source_.calls(), 6u) << "workers and queues: first load, refresh, reload";
}

// Issue 11: data older than ttl + stale_for is not exported as if current.
TEST_F(PrometheusTest, ASeriesPastTtlPlusStaleForIsDropped) {
  Scrape();
  source_.Fail(sources::Errc::kUnavailable);
  clock_.Advance(seconds(4));  // expired, within stale_for: served stale with its age
  std::string text = Scrape();
  EXPECT_TRUE(Has(text, "celery_worker_up{source=\"celery\",hostname=\"host\"} 1\n"));
  EXPECT_TRUE(Has(text, "queuemon_snapshot_age_seconds{source=\"celery\",view=\"workers\"} 4\n"));
  clock_.Advance(seconds(5));  // 9 s > ttl + stale_for = 8 s
  text = Scrape();
  EXPECT_FALSE(Has(text, "celery_worker_up{")) << text;
  EXPECT_FALSE(Has(text, "celery_queue_length{"));
  EXPECT_FALSE(Has(text, "queuemon_snapshot_age_seconds{"));
  EXPECT_TRUE(Has(text, "# TYPE celery_queue_length gauge\n")) << "the family stays declared";
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
  EXPECT_EQ(testing::PromtoolProblems(Render()), "");
}

}  // namespace
}  // namespace queuemon::api
