#pragma once
// FakeSource: a Source with canned views whose answers and timing the test controls, for unit
// tests of everything above sources/ (no broker). Each Collect returns a small JSON body that names the view
// and the call number (so a test sees whether data is fresh), with typed data for the workers
// and queues views. Hold() makes Collect calls wait until Release(); Fail(errc) makes them
// return an error.
//
// It is also the smallest complete kind of source: this folder and one line in
// sources/CMakeLists.txt are all it took (README "Layout").
//
// Thread-safety: all methods may be called from any thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/source.h"

namespace queuemon::sources::fake {

class FakeSource final : public Source {
 public:
  // `kind` is the kind it stands in for: the prefix of its metric families.
  explicit FakeSource(std::string name = "celery", std::string kind = "celery")
      : name_(std::move(name)), kind_(std::move(kind)) {}

  std::string_view Name() const override { return name_; }
  std::string_view Kind() const override { return kind_; }
  // Its views have Celery's shape: rendered as celery-exporter's families, with the kind's prefix.
  std::vector<MetricFamily> ViewFamilies(const WorkersView* workers,
                                         const QueuesView* queues) const override;
  void Start() override {}
  void Stop() override {}
  boost::asio::awaitable<boost::system::result<Collected>> Collect(
      ViewRequest request) override;
  SourceStats Stats() const override;
  void SetChangeListener(ChangeListener listener) override { listener_ = std::move(listener); }

  // Reports a change as the source's event stream would (REQUIRES: `name` in kChangeNames).
  // False when nobody listens.
  bool EmitChange(std::string_view name, std::string_view task_id = {},
                  std::string_view hostname = "w1@fake") const;

  // Collect calls from now on wait until Release().
  void Hold();
  // Lets every waiting and future call proceed.
  void Release();
  // Collect calls from now on fail with `error` (nullopt: succeed again).
  void Fail(std::optional<boost::system::error_code> error);
  // Bodies from now on carry a "pad" field of `bytes` 'x' characters (0, the default: none),
  // for responses larger than a socket's buffers.
  void SetBodyPadding(std::size_t bytes) { padding_.store(bytes); }
  // The depth of the queues view's one queue (default 7).
  void SetQueueDepth(std::int64_t messages) { queue_depth_.store(messages); }
  // Views collected from now on carry an identity that leaves out the call number, as a real view
  // leaves out its collection time: equal data, so an equal ETag across collections.
  void SetCallNumberIsTimestamp(bool on) { call_is_timestamp_.store(on); }

  std::uint64_t calls() const { return calls_.load(); }    // Collect calls started
  std::uint64_t waiting() const { return waiting_.load(); }  // calls held right now

 private:
  bool held() const;
  Collected MakeCollected(const ViewRequest& request, std::uint64_t n) const;

  const std::string name_;
  const std::string kind_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> waiting_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::size_t> padding_{0};
  std::atomic<std::int64_t> queue_depth_{7};
  std::atomic<bool> call_is_timestamp_{false};
  ChangeListener listener_;  // set before use, read-only after
  mutable base::Mutex mu_;
  bool held_ GUARDED_BY(mu_) = false;
  std::optional<boost::system::error_code> fail_ GUARDED_BY(mu_);
};

}  // namespace queuemon::sources::fake
