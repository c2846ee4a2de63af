#pragma once
// LoadScript: a cache::Loader (for SingleFlight) whose loads the test finishes by hand. Load n
// (0-based, in start order) suspends until Finish(n, result) is called, from any thread,
// before or after the load started.
//
// Thread-safety: all methods are thread-safe.

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cache/single_flight.h"

namespace queuemon::testing {

class LoadScript final {
 public:
  using Gate = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

  explicit LoadScript(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  cache::Loader MakeLoader() {
    return [this]() -> boost::asio::awaitable<cache::LoadResult> {
      const std::size_t n = started_.fetch_add(1);
      co_await GateFor(n)->async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
      std::lock_guard lock(mu_);
      co_return results_.at(n);
    };
  }

  void Finish(std::size_t n, cache::LoadResult result) {
    std::shared_ptr<Gate> gate = GateFor(n);
    {
      std::lock_guard lock(mu_);
      results_.insert_or_assign(n, std::move(result));
    }
    gate->try_send(boost::system::error_code{});
  }
  void Succeed(std::size_t n, std::string body) {
    Finish(n, cache::LoadResult(cache::Entry::Make(std::move(body), base::TimePoint{})));
  }

  // Loads that have entered the loader so far.
  std::size_t started() const { return started_.load(); }

 private:
  std::shared_ptr<Gate> GateFor(std::size_t n) {
    std::lock_guard lock(mu_);
    auto& gate = gates_[n];
    if (gate == nullptr) gate = std::make_shared<Gate>(executor_, 1);
    return gate;
  }

  boost::asio::any_io_executor executor_;
  std::atomic<std::size_t> started_{0};
  std::mutex mu_;
  std::map<std::size_t, std::shared_ptr<Gate>> gates_;
  std::map<std::size_t, cache::LoadResult> results_;
};

}  // namespace queuemon::testing
