#include "tests/testing/fake_collector.h"

#include <algorithm>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace queuemon::testing {

namespace asio = boost::asio;
using collectors::View;

boost::asio::awaitable<boost::system::result<collectors::Snapshot>> FakeCollector::Collect(
    collectors::ViewRequest request) {
  const std::uint64_t n = ++calls_;
  // Held calls poll the flag: a timer cancelled from another thread could race with the wait's
  // initiation on a multi-threaded io_context, and 1 ms polling inside a fake is harmless.
  asio::steady_timer gate(co_await asio::this_coro::executor);
  if (held()) {
    ++waiting_;
    while (held()) {
      gate.expires_after(std::chrono::milliseconds(1));
      co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    --waiting_;
  }
  std::optional<collectors::Errc> fail;
  {
    std::lock_guard lock(mu_);
    fail = fail_;
  }
  if (fail) {
    ++errors_;
    co_return collectors::MakeErrorCode(*fail);
  }
  co_return MakeSnapshot(request, n);
}

collectors::Snapshot FakeCollector::MakeSnapshot(const collectors::ViewRequest& request,
                                                 std::uint64_t n) const {
  collectors::Snapshot snapshot;
  snapshot.body = "{\"view\":\"" + collectors::ViewKey(request.view, request.task_id) +
                  "\",\"call\":" + std::to_string(n);
  if (const std::size_t padding = padding_.load()) {
    snapshot.body += ",\"pad\":\"" + std::string(padding, 'x') + "\"";
  }
  snapshot.body += "}";
  if (call_is_timestamp_.load()) {
    snapshot.identity = "{\"view\":\"" + collectors::ViewKey(request.view, request.task_id) + "\"}";
  }
  if (request.view == View::kWorkers) {
    collectors::WorkersView workers;
    collectors::WorkerInfo w;
    w.hostname = "w1@host";
    w.status = "online";
    w.active = 2;
    workers.workers.push_back(w);
    snapshot.data = workers;
  } else if (request.view == View::kQueues) {
    collectors::QueuesView queues;
    collectors::QueueInfo q;
    q.name = "odd\"queue\\name";
    q.messages = queue_depth_.load();
    queues.queues.push_back(q);
    snapshot.data = queues;
  }
  return snapshot;
}

collectors::CollectorStats FakeCollector::Stats() const {
  collectors::CollectorStats stats;
  stats.collections = calls_.load() - errors_.load();
  stats.errors = errors_.load();
  stats.up = true;
  return stats;
}

void FakeCollector::Hold() {
  std::lock_guard lock(mu_);
  held_ = true;
}

void FakeCollector::Release() {
  std::lock_guard lock(mu_);
  held_ = false;
}

bool FakeCollector::held() const {
  std::lock_guard lock(mu_);
  return held_;
}

void FakeCollector::Fail(std::optional<collectors::Errc> errc) {
  std::lock_guard lock(mu_);
  fail_ = errc;
}

}  // namespace queuemon::testing
