// CelerySource against a blackholed broker (accepts TCP, never answers): every view comes
// back with an error (or, for health, an "unhealthy" snapshot) within its deadlines.
#include <gtest/gtest.h>

#include "sources/celery/redis/celery_source.h"
#include "redis/errors.h"
#include "sources/errors.h"
#include "tests/testing/blackhole_listener.h"
#include "tests/testing/io_context_threads.h"

namespace queuemon::sources::celery::over_redis {
namespace {

TEST(CeleryBlackholeTest, ViewsFailWithinTheDeadline) {
  testing::BlackholeListener blackhole;
  testing::IoContextThreads io(1);
  base::SteadyClock clock;
  CeleryOptions options;
  options.broker.url = blackhole.url();
  options.broker.connect_timeout = std::chrono::milliseconds(300);
  options.broker.command_timeout = std::chrono::milliseconds(300);
  options.inspect_timeout = std::chrono::milliseconds(300);
  {
    CelerySource collector(io.executor(), options, clock);
    collector.Start();
    for (View view : {View::kWorkers, View::kQueues, View::kTasks, View::kSummary}) {
      // Await's limit bounds the call: it throws (test failure) if the collector hangs.
      auto result = io.Await(collector.Collect({view, ""}), std::chrono::seconds(5));
      ASSERT_FALSE(result) << ViewKey(view);
      EXPECT_TRUE(result.error() == redis::MakeErrorCode(redis::Errc::kTimeout) ||
                  result.error() == redis::MakeErrorCode(redis::Errc::kUnavailable))
          << result.error().message();
    }
    auto task = io.Await(collector.Collect({View::kTask, "abc"}), std::chrono::seconds(5));
    EXPECT_FALSE(task);
    auto health = io.Await(collector.Collect({View::kHealth, ""}), std::chrono::seconds(5));
    ASSERT_TRUE(health);
    EXPECT_EQ(std::get<HealthView>(health->data).status, "unhealthy");
    EXPECT_FALSE(collector.Stats().up);
    EXPECT_GE(collector.Stats().errors, 5u);
    // The deadlines dropped the links; the collector's stats (and so /metrics) say so.
    EXPECT_GT(collector.Stats().broker_disconnects + collector.Stats().broker_connect_failures, 0u);
    collector.Stop();
    auto stopped = io.Await(collector.Collect({View::kWorkers, ""}), std::chrono::seconds(5));
    ASSERT_FALSE(stopped);
    EXPECT_EQ(stopped.error(), sources::MakeErrorCode(sources::Errc::kShuttingDown));
  }
}

}  // namespace
}  // namespace queuemon::sources::celery::over_redis
