#include "cache/single_flight.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace queuemon::cache {
namespace asio = boost::asio;

namespace {

// A waiter's wake-up: a thread-safe channel with one buffered slot, so the completing load can
// signal from any thread, before or after the waiter started receiving, without a strand.
using WakeChannel = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

// One load and everybody waiting for it. Guarded by Impl::mu.
struct Flight {
  bool done = false;
  std::optional<LoadResult> result;
  std::vector<std::shared_ptr<WakeChannel>> waiters;
};

// Per key: the load running now and at most one queued follow-up (for kStartedAfterNow).
struct KeyState {
  std::shared_ptr<Flight> current;
  std::shared_ptr<Flight> queued;
  Loader queued_loader;
};

}  // namespace

struct SingleFlight::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(asio::any_io_executor ex) : executor(std::move(ex)) {}

  // Creates the flight that becomes `state.current` (a value in `flights`).
  std::shared_ptr<Flight> NewCurrent(KeyState& state) REQUIRES(mu) {
    state.current = std::make_shared<Flight>();
    return state.current;
  }

  void Spawn(std::string key, std::shared_ptr<Flight> flight, Loader loader) {
    loads_started.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(executor,
                   Run(shared_from_this(), std::move(key), std::move(flight), std::move(loader)),
                   asio::detached);
  }

  static asio::awaitable<void> Run(std::shared_ptr<Impl> self, std::string key,
                                   std::shared_ptr<Flight> flight, Loader loader) {
    LoadResult result{asio::error::operation_aborted};
    try {
      result = co_await loader();
    } catch (...) {
      // The loader broke its no-throw contract; its waiters get an error instead of hanging.
      result = LoadResult{asio::error::operation_aborted};
    }
    self->Complete(std::move(key), flight, std::move(result));
  }

  // Publishes the result, wakes every waiter and starts the queued follow-up load, if any.
  void Complete(std::string key, const std::shared_ptr<Flight>& flight, LoadResult result) {
    std::vector<std::shared_ptr<WakeChannel>> waiters;
    std::shared_ptr<Flight> next;
    Loader next_loader;
    {
      base::MutexLock lock(mu);
      flight->done = true;
      flight->result = std::move(result);
      waiters.swap(flight->waiters);
      auto it = flights.find(key);
      if (it != flights.end() && it->second.current == flight) {
        KeyState& state = it->second;
        next = std::exchange(state.queued, nullptr);
        next_loader = std::exchange(state.queued_loader, nullptr);
        state.current = next;
        if (next == nullptr) flights.erase(it);
      }
    }
    for (auto& waiter : waiters) waiter->try_send(boost::system::error_code{});
    if (next != nullptr) Spawn(std::move(key), std::move(next), std::move(next_loader));
  }

  // Forgets a waiter whose deadline passed, so abandoned waiters do not pile up on long loads.
  void Forget(Flight& flight, const std::shared_ptr<WakeChannel>& waiter) {
    base::MutexLock lock(mu);
    std::erase(flight.waiters, waiter);
  }

  const asio::any_io_executor executor;
  std::atomic<std::uint64_t> loads_started{0};
  mutable base::Mutex mu;
  std::map<std::string, KeyState, std::less<>> flights GUARDED_BY(mu);
};

SingleFlight::SingleFlight(asio::any_io_executor executor)
    : impl_(std::make_shared<Impl>(std::move(executor))) {}

// Loads in flight own a reference to Impl, so they finish safely after the SingleFlight is gone.
SingleFlight::~SingleFlight() = default;

asio::awaitable<std::optional<LoadResult>> SingleFlight::Do(
    std::string key, Join join, std::chrono::steady_clock::time_point deadline, Loader loader) {
  // A local reference: the SingleFlight may be destroyed while this waiter is suspended.
  const std::shared_ptr<Impl> impl = impl_;
  const auto ex = co_await asio::this_coro::executor;
  auto wake = std::make_shared<WakeChannel>(ex, 1);
  std::shared_ptr<Flight> flight;
  bool start = false;
  {
    base::MutexLock lock(impl->mu);
    KeyState& state = impl->flights[key];
    if (state.current == nullptr) {
      flight = impl->NewCurrent(state);
      start = true;
    } else if (join == Join::kAny) {
      flight = state.current;
    } else {
      // A bypass must not reuse data gathered before it arrived: share the queued follow-up.
      if (state.queued == nullptr) {
        state.queued = std::make_shared<Flight>();
        state.queued_loader = std::move(loader);
      }
      flight = state.queued;
    }
    flight->waiters.push_back(wake);
  }
  if (start) impl->Spawn(key, flight, std::move(loader));

  // The deadline is a second sender on the same channel rather than an `||` race: cancelling a
  // channel receive from this thread while the load's thread completes it touches the
  // operation's cancellation slot from two threads (a data race TSan reported). So the receive
  // runs with no cancellation slot at all, and whichever of load and timer sends first wakes
  // us. Consequence: cancelling the calling coroutine does not cut this wait short; the
  // deadline bounds it.
  asio::steady_timer timer(ex, deadline);
  timer.async_wait([wake](boost::system::error_code ec) {
    if (!ec) wake->try_send(asio::error::timed_out);
  });
  co_await wake->async_receive(
      asio::bind_cancellation_slot(asio::cancellation_slot(), asio::as_tuple(asio::use_awaitable)));
  timer.cancel();  // the handler only touches `wake`, so it may still be running elsewhere
  {
    base::MutexLock lock(impl->mu);
    // Checked under the lock rather than by which operation won: a load that completed at the
    // same instant as the deadline still delivers its result.
    if (flight->done) co_return flight->result;
  }
  impl->Forget(*flight, wake);
  co_return std::nullopt;
}

bool SingleFlight::StartIfIdle(std::string key, Loader loader) {
  std::shared_ptr<Flight> flight;
  {
    base::MutexLock lock(impl_->mu);
    KeyState& state = impl_->flights[key];
    if (state.current != nullptr) return false;
    flight = impl_->NewCurrent(state);
  }
  impl_->Spawn(std::move(key), std::move(flight), std::move(loader));
  return true;
}

bool SingleFlight::StartReplacingCurrent(std::string key, Loader loader) {
  std::shared_ptr<Flight> flight;
  bool replaced = false;
  {
    base::MutexLock lock(impl_->mu);
    KeyState& state = impl_->flights[key];
    // The replaced flight completes for its own waiters; Complete() leaves the key's state
    // alone because it is no longer the current one.
    replaced = state.current != nullptr;
    flight = impl_->NewCurrent(state);
  }
  impl_->Spawn(std::move(key), std::move(flight), std::move(loader));
  return replaced;
}

bool SingleFlight::Detach(std::string_view key) {
  std::shared_ptr<Flight> next;
  Loader next_loader;
  std::string owned_key;
  {
    base::MutexLock lock(impl_->mu);
    auto it = impl_->flights.find(key);
    if (it == impl_->flights.end() || it->second.current == nullptr) return false;
    KeyState& state = it->second;
    next = std::exchange(state.queued, nullptr);
    next_loader = std::exchange(state.queued_loader, nullptr);
    state.current = next;
    owned_key = it->first;
    if (next == nullptr) impl_->flights.erase(it);
  }
  if (next != nullptr) impl_->Spawn(std::move(owned_key), std::move(next), std::move(next_loader));
  return true;
}

bool SingleFlight::InFlight(std::string_view key) const {
  base::MutexLock lock(impl_->mu);
  return impl_->flights.find(key) != impl_->flights.end();
}

std::uint64_t SingleFlight::LoadsStarted() const {
  return impl_->loads_started.load(std::memory_order_relaxed);
}

}  // namespace queuemon::cache
