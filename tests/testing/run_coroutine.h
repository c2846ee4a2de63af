#pragma once
// Test helpers that drive an io_context from the test thread: run one coroutine to completion,
// or run until a condition holds (with a deadline, so a broken condition fails instead of hangs).

#include <chrono>
#include <exception>
#include <functional>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace queuemon::testing {

// Runs `awaitable` and then everything else queued (e.g. background refreshes) to completion.
template <class T>
T RunToCompletion(boost::asio::io_context& ioc, boost::asio::awaitable<T> awaitable) {
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, std::move(awaitable), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) out.emplace(std::move(value));
  });
  ioc.restart();
  ioc.run();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

// Runs `ioc` until `done()` holds or `within` passed; returns done().
inline bool RunUntil(boost::asio::io_context& ioc, const std::function<bool()>& done,
                     std::chrono::milliseconds within = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  ioc.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    ioc.run_for(std::chrono::milliseconds(1));
    if (ioc.stopped()) ioc.restart();
  }
  return done();
}

}  // namespace queuemon::testing
