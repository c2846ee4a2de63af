#pragma once
// HttpLoad: N client threads that hammer one loopback HTTP server over keep-alive connections,
// each cycling through a list of targets, and count what happens to every request — for fault
// tests that must show that no request is lost or cut short while the server is signalled.
//
//   HttpLoad load(port, {"/api/v1/celery/workers/status", "/metrics"}, /*threads=*/4);
//   load.Start();
//   ... wait for load.Counts().complete >= 100, signal the server ...
//   const HttpLoadCounts counts = load.Stop();
//   EXPECT_EQ(counts.truncated, 0u);
//
// A request is "sent" once its bytes were written. Its outcome is exactly one of: a complete
// response (Beast checked framing: Content-Length bytes arrived), `unanswered` (the server
// closed the connection before the first byte of a response: the clean close HTTP/1.1 allows
// on an idle keep-alive connection), `reset` (RST before any byte), `truncated` (some bytes,
// then EOF/RST: never allowed), `timeout`, or `other`; a complete response the validator rejects
// is `invalid`. A write that fails is `send_failures`, a refused connect `connect_failures`
// (after which the thread pauses 5 ms: pacing, so a closed listener is not spun on). A
// response with `Connection: close` closes the client's connection too; the next request
// opens a new one.
//
// Owns its threads (Stop or the destructor joins them). Thread-safety: Start/Stop from one
// thread; Counts from any thread at any time.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/http_client.h"

namespace queuemon::testing {

struct HttpLoadCounts {
  std::uint64_t sent = 0;              // requests whose bytes were written
  std::uint64_t complete = 0;          // complete responses
  std::map<int, std::uint64_t> by_status;
  std::map<std::string, std::uint64_t> by_x_cache;  // X-Cache header ("" when absent)
  std::uint64_t invalid = 0;           // complete, but the validator said no
  std::uint64_t closed_after_response = 0;  // complete responses that said Connection: close
  std::uint64_t unanswered = 0;        // clean close before any response byte
  std::uint64_t reset = 0;             // RST before any response byte
  std::uint64_t truncated = 0;         // response cut short
  std::uint64_t timeouts = 0;
  std::uint64_t other = 0;
  std::uint64_t send_failures = 0;
  std::uint64_t connect_failures = 0;
  // The earliest failure's time: when the request that did not end in a complete, valid
  // response was sent (its write completed, or failed), or when a failed connect began; nullopt
  // if there was none. Lets a test say "nothing sent before the signal failed": a request whose
  // connect or write straddled the signal counts from after it.
  std::optional<std::chrono::steady_clock::time_point> first_failure_started;

  std::uint64_t failures() const {
    return invalid + unanswered + reset + truncated + timeouts + other + send_failures +
           connect_failures;
  }
};

class HttpLoad final {
 public:
  // Validates a complete response (e.g. "status 200 and the body is JSON"); true = valid.
  using Validator = std::function<bool(const std::string& target, const HttpResponse&)>;
  // What became of one attempt (see the counts above).
  enum class Outcome { kComplete, kInvalid, kUnanswered, kReset, kTruncated, kTimeout, kOther,
                       kSendFailure, kConnectFailure };

  HttpLoad(std::uint16_t port, std::vector<std::string> targets, int threads = 4,
           Validator validator = {},
           std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpLoad();  // stops and joins
  HttpLoad(const HttpLoad&) = delete;
  HttpLoad& operator=(const HttpLoad&) = delete;

  void Start();
  // Stops every thread after its current request and returns the final counts.
  HttpLoadCounts Stop();
  HttpLoadCounts Counts() const;

 private:
  void Run(std::size_t thread_index);
  // `at`: when the request was sent (or its write failed), or a failed connect began.
  void Record(Outcome outcome, std::chrono::steady_clock::time_point at,
              const HttpResponse* response);

  const std::uint16_t port_;
  const std::vector<std::string> targets_;
  const int thread_count_;
  const Validator validator_;
  const std::chrono::milliseconds timeout_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  HttpLoadCounts counts_;  // guarded by mu_
};

}  // namespace queuemon::testing
