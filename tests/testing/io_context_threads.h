#pragma once
// IoContextThreads: an io_context run by N background threads for the life of the object, and
// Await(), which runs a coroutine on it and blocks the test thread for its result, bounded by a
// deadline so a test can fail but never hang. The destructor stops and joins the threads; declare
// it before the objects that use its executor so they are destroyed first.
// Thread-safety: Await() may be called from any thread that is not one of the runners.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace queuemon::testing {

class IoContextThreads final {
 public:
  explicit IoContextThreads(int threads = 1) : guard_(ioc_.get_executor()) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~IoContextThreads() {
    guard_.reset();
    ioc_.stop();
    for (auto& thread : threads_) thread.join();
  }
  IoContextThreads(const IoContextThreads&) = delete;
  IoContextThreads& operator=(const IoContextThreads&) = delete;

  boost::asio::io_context& context() { return ioc_; }
  boost::asio::any_io_executor executor() { return ioc_.get_executor(); }

  // Runs `task` on the io_context and returns its result; throws std::runtime_error if it has
  // not finished within `limit` (gtest reports the exception as a failure).
  template <typename T>
  T Await(boost::asio::awaitable<T> task,
          std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    auto future = boost::asio::co_spawn(ioc_, std::move(task), boost::asio::use_future);
    if (future.wait_for(limit) != std::future_status::ready) {
      throw std::runtime_error("IoContextThreads::Await: task did not finish in time");
    }
    return future.get();
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

}  // namespace queuemon::testing
