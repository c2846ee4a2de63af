#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "daemon/watchdog.h"
#include "tests/testing/notify_socket.h"
#include "tests/testing/eventually.h"

namespace queuemon::daemon {
namespace {

using namespace std::chrono_literals;
using testing::NotifySocket;

constexpr auto kDeadline = 10s;  // bound of every wait for something that must happen

template <typename Condition>
bool WaitUntil(Condition condition) {
  return queuemon::testing::Eventually(condition, kDeadline);
}

// Sets an environment variable for one test and restores the old value.
class ScopedEnv final {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(SystemdNotifyTest, MessagesArriveInOrder) {
  NotifySocket socket;
  ScopedEnv env("NOTIFY_SOCKET", socket.path().c_str());
  const SystemdNotifier notifier = SystemdNotifier::FromEnvironment();
  ASSERT_TRUE(notifier.enabled());
  EXPECT_FALSE(notifier.Ready("2 workers online"));
  EXPECT_FALSE(notifier.Status("reloading"));
  EXPECT_FALSE(notifier.Watchdog());
  const auto before = MonotonicNow();
  EXPECT_FALSE(notifier.Reloading());
  const auto after = MonotonicNow();
  EXPECT_FALSE(notifier.Ready());
  EXPECT_FALSE(notifier.Stopping("draining"));

  EXPECT_EQ(socket.Receive(kDeadline), "READY=1\nSTATUS=2 workers online");
  EXPECT_EQ(socket.Receive(kDeadline), "STATUS=reloading");
  EXPECT_EQ(socket.Receive(kDeadline), "WATCHDOG=1");
  const auto reloading = socket.Receive(kDeadline);
  ASSERT_TRUE(reloading);
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_EQ(reloading->rfind(prefix, 0), 0u) << *reloading;
  const long long usec = std::stoll(reloading->substr(prefix.size()));
  EXPECT_GE(usec, before.count());
  EXPECT_LE(usec, after.count());
  EXPECT_EQ(socket.Receive(kDeadline), "READY=1");
  EXPECT_EQ(socket.Receive(kDeadline), "STOPPING=1\nSTATUS=draining");
}

TEST(SystemdNotifyTest, AbstractSocketNames) {
  const std::string name = "@queuemon-notify-test-" + std::to_string(::getpid());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data() + 1, name.size() - 1);
  const socklen_t length = offsetof(sockaddr_un, sun_path) + name.size();
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), length), 0);
  EXPECT_FALSE(SystemdNotifier(name).Ready());
  char buffer[64] = {};
  const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);  // already queued: sendto completed
  ::close(fd);
  EXPECT_EQ(std::string(buffer, n > 0 ? n : 0), "READY=1");
}

TEST(SystemdNotifyTest, NoSocketMeansNoOp) {
  ScopedEnv env("NOTIFY_SOCKET", nullptr);
  const SystemdNotifier notifier = SystemdNotifier::FromEnvironment();
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.Ready("x"));
  EXPECT_FALSE(notifier.Stopping("x"));
}

TEST(SystemdNotifyTest, MissingListenerIsAnErrorNotACrash) {
  EXPECT_TRUE(SystemdNotifier("/nonexistent/queuemon/notify.sock").Ready());
}

TEST(SystemdNotifyTest, WatchdogPeriodHonoursWatchdogPid) {
  {
    ScopedEnv usec("WATCHDOG_USEC", nullptr);
    EXPECT_FALSE(WatchdogPeriodFromEnvironment());
  }
  ScopedEnv usec("WATCHDOG_USEC", "30000000");
  {
    ScopedEnv pid("WATCHDOG_PID", nullptr);
    EXPECT_EQ(WatchdogPeriodFromEnvironment(), std::chrono::microseconds(30'000'000));
  }
  {
    ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()).c_str());
    EXPECT_EQ(WatchdogPeriodFromEnvironment(), std::chrono::microseconds(30'000'000));
  }
  {
    ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str());
    EXPECT_FALSE(WatchdogPeriodFromEnvironment()) << "a child must not ping for its parent";
  }
  ScopedEnv garbage("WATCHDOG_USEC", "soon");
  EXPECT_FALSE(WatchdogPeriodFromEnvironment());
}

// One io_context thread that the test can wedge on purpose.
class WedgeableLoop final {
 public:
  WedgeableLoop() : work_(context_.get_executor()), thread_([this] { context_.run(); }) {}
  ~WedgeableLoop() {
    Unwedge();
    work_.reset();
    context_.stop();
    thread_.join();
  }
  boost::asio::io_context& context() { return context_; }

  // Returns once the loop thread is blocked inside a handler.
  void Wedge() {
    std::unique_lock lock(mutex_);
    wedged_ = false;
    released_ = false;
    boost::asio::post(context_, [this] {
      std::unique_lock inner(mutex_);
      wedged_ = true;
      changed_.notify_all();
      changed_.wait(inner, [this] { return released_; });
    });
    changed_.wait(lock, [this] { return wedged_; });
  }
  void Unwedge() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool wedged_ = false;
  bool released_ = true;
  std::thread thread_;
};

TEST(SystemdWatchdogTest, PingsWhileTheLoopRunsAndStopsWhenItIsWedged) {
  NotifySocket socket;
  WedgeableLoop loop;
  constexpr auto kPeriod = 200ms;  // pings every 100 ms
  Watchdog watchdog(loop.context().get_executor(), SystemdNotifier(socket.path()), kPeriod, [] {
    return true;
  });
  watchdog.Start();
  ASSERT_TRUE(socket.WaitFor("WATCHDOG=1", kDeadline));
  ASSERT_TRUE(socket.WaitFor("WATCHDOG=1", kDeadline));

  loop.Wedge();
  socket.Drain();  // a ping may have been sent just before the wedge
  EXPECT_FALSE(socket.Receive(3 * kPeriod)) << "a wedged loop must not ping";
  loop.Unwedge();
  EXPECT_TRUE(socket.WaitFor("WATCHDOG=1", kDeadline)) << "pings resume with the loop";
  watchdog.Stop();
}

TEST(SystemdWatchdogTest, UnhealthyDaemonWithholdsPings) {
  NotifySocket socket;
  WedgeableLoop loop;
  std::atomic<bool> healthy{false};
  Watchdog watchdog(loop.context().get_executor(), SystemdNotifier(socket.path()), 100ms,
                    [&healthy] { return healthy.load(); });
  watchdog.Start();
  ASSERT_TRUE(WaitUntil([&] { return watchdog.pings_withheld() >= 2; }));
  EXPECT_FALSE(socket.Receive(0ms)) << "no ping while unhealthy";
  healthy = true;
  EXPECT_TRUE(socket.WaitFor("WATCHDOG=1", kDeadline));
  EXPECT_TRUE(WaitUntil([&] { return watchdog.pings_sent() >= 1; }));
  watchdog.Stop();
}

}  // namespace
}  // namespace queuemon::daemon
