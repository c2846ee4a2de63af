#include "sources/fake/fake_source.h"

#include "sources/fake/fake_options.h"
#include "sources/celery/view_families.h"

#include <algorithm>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace queuemon::sources::fake {

namespace asio = boost::asio;
using sources::View;

bool FakeSource::EmitChange(std::string_view name, std::string_view task_id,
                            std::string_view hostname) const {
  if (!listener_) return false;
  listener_(StateChange{ChangeIndex(name).value(), hostname, task_id});
  return true;
}

boost::asio::awaitable<boost::system::result<Collected>> FakeSource::Collect(
    ViewRequest request) {
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
  std::optional<boost::system::error_code> fail;
  {
    base::MutexLock lock(mu_);
    fail = fail_;
  }
  if (fail) {
    ++errors_;
    co_return *fail;
  }
  co_return MakeCollected(request, n);
}

Collected FakeSource::MakeCollected(const ViewRequest& request,
                                                 std::uint64_t n) const {
  Collected collected;
  collected.body = "{\"view\":\"" + ViewKey(request.view, request.argument) +
                  "\",\"call\":" + std::to_string(n);
  if (const std::size_t padding = padding_.load()) {
    collected.body += ",\"pad\":\"" + std::string(padding, 'x') + "\"";
  }
  collected.body += "}";
  if (call_is_timestamp_.load()) {
    collected.identity = "{\"view\":\"" + ViewKey(request.view, request.argument) + "\"}";
  }
  if (request.view == View::kWorkers) {
    WorkersView workers;
    // Two workers on one host, one offline: /metrics' per-host gauges and per-queue process
    // counts have something to aggregate.
    WorkerInfo w;
    w.hostname = "w1@host";
    w.status = "online";
    w.active = 2;
    w.concurrency = 4;
    w.queues = {"odd\"queue\\name"};
    workers.workers.push_back(w);
    w.hostname = "w2@host";
    w.status = "offline";
    w.active = 3;
    w.concurrency = 8;
    workers.workers.push_back(w);
    collected.data = workers;
  } else if (request.view == View::kQueues) {
    QueuesView queues;
    QueueInfo q;
    q.name = "odd\"queue\\name";
    q.messages = queue_depth_.load();
    q.consumers = 1;
    queues.queues.push_back(q);
    collected.data = queues;
  }
  return collected;
}

SourceStats FakeSource::Stats() const {
  SourceStats stats;
  stats.collections = calls_.load() - errors_.load();
  stats.errors = errors_.load();
  stats.up = true;
  return stats;
}

void FakeSource::Hold() {
  base::MutexLock lock(mu_);
  held_ = true;
}

void FakeSource::Release() {
  base::MutexLock lock(mu_);
  held_ = false;
}

bool FakeSource::held() const {
  base::MutexLock lock(mu_);
  return held_;
}

void FakeSource::Fail(std::optional<boost::system::error_code> error) {
  base::MutexLock lock(mu_);
  fail_ = error;
}

std::unique_ptr<SourceOptions> FakeOptions::Clone() const {
  return std::make_unique<FakeOptions>(*this);
}

std::unique_ptr<Source> FakeOptions::MakeSource(boost::asio::any_io_executor /*executor*/,
                                                const base::Clock& /*clock*/) const {
  return std::make_unique<FakeSource>(name, stands_in_for);
}

std::vector<MetricFamily> FakeSource::ViewFamilies(const WorkersView* workers,
                                                   const QueuesView* queues) const {
  return celery::CeleryViewFamilies(Name(), Style(), workers, queues);
}

}  // namespace queuemon::sources::fake
