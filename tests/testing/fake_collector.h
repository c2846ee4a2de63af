#pragma once
// FakeCollector: a collectors::Collector whose answers and timing the test controls, for unit
// tests of the HTTP layer (no Redis). Each Collect returns a small JSON body that names the view
// and the call number (so a test sees whether data is fresh), with typed data for the workers
// and queues views. Hold() makes Collect calls wait until Release(); Fail(errc) makes them
// return an error.
//
// Thread-safety: all methods may be called from any thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "collectors/collector.h"
#include "collectors/errors.h"

namespace queuemon::testing {

class FakeCollector final : public collectors::Collector {
 public:
  explicit FakeCollector(std::string name = "celery") : name_(std::move(name)) {}

  std::string_view Name() const override { return name_; }
  void Start() override {}
  void Stop() override {}
  boost::asio::awaitable<boost::system::result<collectors::Snapshot>> Collect(
      collectors::ViewRequest request) override;
  collectors::CollectorStats Stats() const override;

  // Collect calls from now on wait until Release().
  void Hold();
  // Lets every waiting and future call proceed.
  void Release();
  // Collect calls from now on fail with `errc` (nullopt: succeed again).
  void Fail(std::optional<collectors::Errc> errc);
  // Bodies from now on carry a "pad" field of `bytes` 'x' characters (0, the default: none),
  // for responses larger than a socket's buffers.
  void SetBodyPadding(std::size_t bytes) { padding_.store(bytes); }
  // The depth of the queues view's one queue (default 7).
  void SetQueueDepth(std::int64_t messages) { queue_depth_.store(messages); }
  // Snapshots from now on carry an identity that leaves out the call number, as a real view
  // leaves out its collection time: equal data, so an equal ETag across collections.
  void SetCallNumberIsTimestamp(bool on) { call_is_timestamp_.store(on); }

  std::uint64_t calls() const { return calls_.load(); }    // Collect calls started
  std::uint64_t waiting() const { return waiting_.load(); }  // calls held right now

 private:
  bool held() const;
  collectors::Snapshot MakeSnapshot(const collectors::ViewRequest& request, std::uint64_t n) const;

  const std::string name_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> waiting_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::size_t> padding_{0};
  std::atomic<std::int64_t> queue_depth_{7};
  std::atomic<bool> call_is_timestamp_{false};
  mutable std::mutex mu_;
  bool held_ = false;                               // guarded by mu_
  std::optional<collectors::Errc> fail_;            // guarded by mu_
};

}  // namespace queuemon::testing
