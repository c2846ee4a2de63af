#include "daemon/sweeper.h"

#include <csignal>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "daemon/periodic_task.h"
#include "daemon/signals.h"
#include "tests/testing/eventually.h"

namespace queuemon::daemon {
namespace {

using namespace std::chrono_literals;

constexpr auto kDeadline = 10s;

template <typename Condition>
bool WaitUntil(Condition condition) {
  return queuemon::testing::Eventually(condition, kDeadline);
}

// An io_context run by one background thread for the duration of a test.
class RunningLoop final {
 public:
  RunningLoop() : work_(context_.get_executor()), thread_([this] { context_.run(); }) {}
  ~RunningLoop() {
    work_.reset();
    context_.stop();
    thread_.join();
  }
  boost::asio::any_io_executor executor() { return context_.get_executor(); }

 private:
  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

TEST(PeriodicTaskTest, TicksUntilStopped) {
  RunningLoop loop;
  std::atomic<int> ticks{0};
  PeriodicTask task(loop.executor(), 5ms, [&ticks] { ++ticks; });
  task.Start(/*tick_now=*/true);
  ASSERT_TRUE(WaitUntil([&] { return ticks >= 3; }));
  task.Stop();
  // A tick that was already running may still finish; after that, the count stays put.
  std::atomic<bool> flushed{false};
  PeriodicTask marker(loop.executor(), 20ms, [&flushed] { flushed = true; });
  marker.Start(false);
  ASSERT_TRUE(WaitUntil([&] { return flushed.load(); }));
  const int after_stop = ticks;
  flushed = false;
  ASSERT_TRUE(WaitUntil([&] { return flushed.load(); }));
  EXPECT_EQ(ticks, after_stop);
}

TEST(PeriodicTaskTest, ThrowingTickDoesNotStopTheLoop) {
  RunningLoop loop;
  std::atomic<int> ticks{0};
  PeriodicTask task(loop.executor(), 1ms, [&ticks] {
    ++ticks;
    throw std::runtime_error("callback failure");
  });
  task.Start(true);
  EXPECT_TRUE(WaitUntil([&] { return ticks >= 3; }));
}

TEST(SweeperTest, SweepsEveryTargetWithTheBatch) {
  RunningLoop loop;
  std::mutex mutex;
  std::vector<std::size_t> batches_a, batches_b;
  std::vector<Sweeper::Target> targets = {
      [&](std::size_t batch) { std::lock_guard l(mutex); batches_a.push_back(batch); return std::size_t{2}; },
      [&](std::size_t batch) { std::lock_guard l(mutex); batches_b.push_back(batch); return std::size_t{1}; }};
  const auto constructed = std::chrono::steady_clock::now();
  Sweeper sweeper(loop.executor(), config::SweepOptions{5ms, 7}, std::move(targets));
  sweeper.Start();
  ASSERT_TRUE(WaitUntil([&] { return sweeper.sweeps() >= 2; }));
  EXPECT_GE(sweeper.removed(), 6u);
  EXPECT_GT(sweeper.last_tick(), constructed);
  sweeper.SetOptions(config::SweepOptions{5ms, 3});
  ASSERT_TRUE(WaitUntil([&] { std::lock_guard l(mutex); return !batches_b.empty() && batches_b.back() == 3; }));
  sweeper.Stop();
  std::lock_guard l(mutex);
  EXPECT_EQ(batches_a.front(), 7u);
}

TEST(SignalHandlerTest, HupReloadsTermAndIntStop) {
  RunningLoop loop;
  std::atomic<int> stops{0}, reloads{0};
  SignalHandler handler(loop.executor(), [&] { ++stops; }, [&] { ++reloads; });
  handler.Start();
  ::raise(SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return reloads == 1; }));
  ::raise(SIGTERM);
  ASSERT_TRUE(WaitUntil([&] { return stops == 1; }));
  ::raise(SIGINT);
  ASSERT_TRUE(WaitUntil([&] { return stops == 2; }));
  EXPECT_EQ(reloads, 1);
  handler.Cancel();
}

// Regression: Stop() cancels the handler from inside its own callback; the handler must not
// re-arm afterwards, or the io_context never runs out of work and shutdown hangs.
TEST(SignalHandlerTest, CancelFromTheCallbackLeavesNoWork) {
  boost::asio::io_context context;
  std::unique_ptr<SignalHandler> handler;
  handler = std::make_unique<SignalHandler>(
      context.get_executor(), [&] { handler->Cancel(); }, [] {});
  handler->Start();
  ::raise(SIGTERM);
  context.run_for(kDeadline);
  EXPECT_TRUE(context.stopped()) << "run_for ended by its deadline: work was left behind";
}

}  // namespace
}  // namespace queuemon::daemon
