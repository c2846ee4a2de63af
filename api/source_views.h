#pragma once
// SourceViews: the workers and queues views of every source, read for the outputs that
// summarise them (/metrics, the STATUS= line) through the cache, under the same freshness
// contract as a JSON client (design.md "Cache semantics"): a fresh entry is used as it is (past
// refresh_after it starts the one background refresh); an expired or missing one waits for the
// single-flight load within the request deadline, then falls back to an entry younger than
// ttl + stale_for; past that the view is absent (outcome kError), never shown as current.
// So a daemon that only Prometheus scrapes serves data no older than ttl while the broker
// answers.
//
// Thread-safety: as ViewService (any thread).

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "api/view_service.h"

namespace queuemon::api {

struct SourceViews {
  ViewService* source = nullptr;
  cache::ReadResult workers;  // View::kWorkers
  cache::ReadResult queues;   // View::kQueues

  // The typed views, or null where the read found nothing usable.
  const sources::WorkersView* Workers() const { return Typed<sources::WorkersView>(workers); }
  const sources::QueuesView* Queues() const { return Typed<sources::QueuesView>(queues); }

 private:
  template <class T>
  static const T* Typed(const cache::ReadResult& result) {
    return result.outcome == cache::Outcome::kError ? nullptr : TypedView<T>(result.entry.get());
  }
};

// Every needed load starts before the first wait, so the sources and views load concurrently.
// REQUIRES: every source outlives the returned awaitable.
boost::asio::awaitable<std::vector<SourceViews>> ReadSourceViews(
    std::vector<ViewService*> services, cache::Reader reader);

}  // namespace queuemon::api
