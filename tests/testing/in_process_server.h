#pragma once
// InProcessServerTest: a GoogleTest fixture running the daemon's HttpServer in-process on
// 127.0.0.1:0 over a FakeSource and a ManualClock, for the suites that drive the HTTP layer
// without a real broker (api_test and api_hostile_test, the hostile-input suites). Two io_context threads, or
// one when options.threads is 1 (the promise that lets the server drop its strands). TearDown
// drains the server, bounded, then joins the threads.
//
// Not thread-safe; one test thread drives it. Header-only: its users link queuemon::daemon.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "base/clock.h"
#include "api/api.h"
#include "http/server.h"
#include "tests/testing/eventually.h"
#include "sources/fake/fake_source.h"

namespace queuemon::testing {

class InProcessServerTest : public ::testing::Test {
 protected:
  // `token`: the bearer token of the mutating endpoints ("" = loopback-only, no token).
  // `request_timeout`: how long a MISS waits for its load (the daemon's default).
  void StartServer(http::HttpOptions options = {}, std::string token = "",
                   std::chrono::milliseconds request_timeout = std::chrono::seconds(2)) {
    options.listen = "127.0.0.1:0";
    service_ = std::make_unique<api::ViewService>(
        ioc_.get_executor(), source_, std::map<std::string, cache::CacheOptions>{}, clock_,
        request_timeout);
    api_ = std::make_unique<api::Api>(std::vector<api::ViewService*>{service_.get()},
                                         metrics_, api::ApiOptions{std::move(token)});
    server_ = std::make_unique<http::HttpServer>(ioc_, options, api_->router(), metrics_);
    server_->Listen();
    server_->Start();
    const int threads = options.threads == 1 ? 1 : 2;
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void TearDown() override {
    source_.Release();
    if (server_) {
      std::atomic<bool> done{false};
      server_->BeginShutdown([&] { done = true; });
      EXPECT_TRUE(Eventually([&] { return done.load(); }));
    }
    work_.reset();
    for (auto& thread : threads_) thread.join();
  }

  std::uint16_t port() const { return server_->port(); }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  base::ManualClock clock_;
  sources::fake::FakeSource source_;
  http::HttpMetrics metrics_;
  std::unique_ptr<api::ViewService> service_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<http::HttpServer> server_;
  std::vector<std::thread> threads_;
};

}  // namespace queuemon::testing
