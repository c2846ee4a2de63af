#pragma once
// SingleFlight: at most one load per key in flight; concurrent callers share it. Built for Asio
// C++20 coroutines on a multi-threaded io_context.
//
// - A caller with Join::kAny joins the load in flight for its key, or starts one.
// - A caller with Join::kStartedAfterNow (a use_cache=false bypass) never joins a load that
//   started before it arrived: if one is in flight it joins the *next* load, which starts the
//   moment the current one completes and is shared by every bypass that arrived meanwhile. So
//   bypasses never multiply broker traffic: per key at most one load runs and one is queued.
// - Every waiter has its own deadline. A waiter whose deadline passes returns nullopt; the load
//   goes on and its result still reaches the others (and whatever the loader itself stores).
// - Waiters are resumed on their own executor the moment the load completes, success or error.
//   Cancelling a waiting coroutine (per-operation cancellation) does not end its wait early;
//   its deadline does.
//
// Loads run detached on the executor given to the constructor. The loader must not throw; if it
// does anyway, waiters receive boost::asio::error::operation_aborted... as an error result.
//
// Thread-safety: all methods are thread-safe. Internal state is guarded by a plain mutex held
// only for bookkeeping, never across a co_await or the loader.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "cache/entry.h"

namespace queuemon::cache {

using LoadResult = boost::system::result<std::shared_ptr<const Entry>>;
using Loader = std::function<boost::asio::awaitable<LoadResult>()>;

class SingleFlight final {
 public:
  enum class Join { kAny, kStartedAfterNow };

  explicit SingleFlight(boost::asio::any_io_executor executor);
  ~SingleFlight();
  SingleFlight(const SingleFlight&) = delete;
  SingleFlight& operator=(const SingleFlight&) = delete;

  // Waits for the shared load of `key` (see class comment) until `deadline` (steady clock).
  // Returns nullopt if the deadline passed first.
  boost::asio::awaitable<std::optional<LoadResult>> Do(std::string key, Join join,
                                                       std::chrono::steady_clock::time_point deadline,
                                                       Loader loader);

  // Starts a detached load of `key` unless one is in flight (refresh-ahead). True if started.
  bool StartIfIdle(std::string key, Loader loader);

  // Starts a detached load of `key` now, whatever is in flight: a load running for the key
  // keeps its waiters but is no longer the one later callers join; this one takes its place
  // (and a queued follow-up then starts after this one). True if it replaced a running load.
  // For a change that makes what the running load read wrong: waiting for it would delay the
  // new data by a whole load (an inspect round can wait out its timeout).
  bool StartReplacingCurrent(std::string key, Loader loader);

  // Makes the load running for `key` no longer the one callers join (it still completes for
  // its own waiters); a queued follow-up starts now in its place. True if a load was running.
  // For a drop: what the running load read is older than the drop.
  bool Detach(std::string_view key);

  bool InFlight(std::string_view key) const;
  // Number of loads started since construction (for tests and metrics).
  std::uint64_t LoadsStarted() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace queuemon::cache
