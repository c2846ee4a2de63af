// BrokerLinkMonitor: counters, the backoff gauge, and that it logs state changes (not every
// failure), at most one "still down" line per kStillDownEvery, and never the URL's password.
// The monitor's clock is a test-owned time point; the log goes to an ostream sink.
#include "redis/link_monitor.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace queuemon::redis {
namespace {

using namespace std::chrono_literals;

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class BrokerLinkMonitorTest : public ::testing::Test {
 protected:
  BrokerLinkMonitorTest() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_st>(log_));
    logger->set_pattern("%l %v");
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~BrokerLinkMonitorTest() override { spdlog::set_default_logger(previous_); }

  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream log_;
  BrokerLinkMonitor::Clock::time_point now_{};
  BrokerLinkMonitor monitor_{"celery[prod] broker", "redis://queuemon:S3cret@127.0.0.1:6390/0",
                             [this] { return now_; }};
};

TEST_F(BrokerLinkMonitorTest, CountsAndLogsStateChangesOnly) {
  monitor_.LinkAnswered(false);  // the first link is not a reconnect
  monitor_.Answered();           // up already: nothing to say
  EXPECT_EQ(log_.str(), "");

  monitor_.Disconnected("End of file", 0ms);
  for (int i = 0; i < 50; ++i) {
    now_ += 100ms;
    monitor_.ConnectFailed("Connection refused", 1500ms);
  }
  BrokerLinkStats stats = monitor_.Stats();
  EXPECT_EQ(stats.disconnects, 1u);
  EXPECT_EQ(stats.connect_failures, 50u);
  EXPECT_EQ(stats.reconnects, 0u);
  EXPECT_DOUBLE_EQ(stats.backoff_seconds, 1.5);
  EXPECT_TRUE(stats.down);

  monitor_.LinkAnswered(true);
  monitor_.Answered();
  monitor_.Answered();
  stats = monitor_.Stats();
  EXPECT_EQ(stats.reconnects, 1u);
  EXPECT_DOUBLE_EQ(stats.backoff_seconds, 0);
  EXPECT_FALSE(stats.down);

  const std::string log = log_.str();
  EXPECT_EQ(Count(log, "\n"), 2u) << log;
  EXPECT_EQ(Count(log, "warning broker link down: celery[prod] broker "
                       "redis://queuemon:***@127.0.0.1:6390/0: connection lost: End of file; "
                       "reconnecting on next use"),
            1u)
      << log;
  EXPECT_EQ(Count(log, "info broker link up again: celery[prod] broker "
                       "redis://queuemon:***@127.0.0.1:6390/0 after 5.0 s (51 failures)"),
            1u)
      << log;
  EXPECT_EQ(log.find("S3cret"), std::string::npos) << log;
}

// A link that was up keeps answering after another link of the same endpoint was lost (only the
// event subscription dropped, say): every good reply ends the down state, not just a link's first.
TEST_F(BrokerLinkMonitorTest, AnyLaterReplyEndsTheDownState) {
  monitor_.LinkAnswered(false);
  monitor_.Disconnected("End of file", 100ms);
  EXPECT_TRUE(monitor_.Stats().down);
  now_ += 2s;
  monitor_.Answered();
  const BrokerLinkStats stats = monitor_.Stats();
  EXPECT_FALSE(stats.down);
  EXPECT_DOUBLE_EQ(stats.backoff_seconds, 0);
  EXPECT_EQ(stats.reconnects, 0u);  // no link came back: the one that answered never left
  EXPECT_EQ(Count(log_.str(), "info broker link up again: celery[prod] broker "
                              "redis://queuemon:***@127.0.0.1:6390/0 after 2.0 s (1 failures)"),
            1u)
      << log_.str();
}

TEST_F(BrokerLinkMonitorTest, ALongOutageLogsOneStillDownLinePerInterval) {
  monitor_.ConnectFailed("Connection refused", 100ms);
  // Ten minutes of a retry every 5 s (the default backoff_max).
  for (auto elapsed = 0s; elapsed < 10min; elapsed += 5s) {
    now_ += 5s;
    monitor_.ConnectFailed("Connection refused", 5000ms);
  }
  const std::string log = log_.str();
  EXPECT_EQ(Count(log, "broker link down:"), 1u) << log;
  EXPECT_EQ(Count(log, "broker link still down:"),
            static_cast<std::size_t>(10min / BrokerLinkMonitor::kStillDownEvery))
      << log;
  EXPECT_NE(log.find("13 failures in 60 s, last connect failed: Connection refused; "
                     "retrying in 5.000 s"),
            std::string::npos)
      << log;
  EXPECT_EQ(monitor_.Stats().connect_failures, 121u);
}

TEST_F(BrokerLinkMonitorTest, AnsweringLinksAreCountedAndListenersToldUntilRemoved) {
  int first = 0;
  int second = 0;
  const auto id = monitor_.AddAnswerListener([&] { ++first; });
  monitor_.AddAnswerListener([&] { ++second; });
  EXPECT_EQ(monitor_.answered_links(), 0u);
  monitor_.ConnectFailed("Connection refused", 5000ms);
  monitor_.Disconnected("no reply within the command deadline", 0ms);
  monitor_.Answered();  // a later reply on an old link: up, but no new link is news
  EXPECT_EQ(monitor_.answered_links(), 0u);  // failures are no news for links in backoff
  EXPECT_EQ(first + second, 0);
  EXPECT_FALSE(monitor_.Stats().down);
  monitor_.LinkAnswered(/*after_failure=*/true);
  EXPECT_EQ(monitor_.answered_links(), 1u);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  monitor_.RemoveAnswerListener(id);
  monitor_.LinkAnswered(/*after_failure=*/false);
  EXPECT_EQ(monitor_.answered_links(), 2u);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 2);
  EXPECT_EQ(monitor_.Stats().reconnects, 1u);
}

}  // namespace
}  // namespace queuemon::redis
