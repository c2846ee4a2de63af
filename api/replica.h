#pragma once
// Replica: one source's side of replicas sharing a snapshot through Redis (README "Running
// several replicas"; the Redis keys and the fencing are in snapshot/shared_store.h).
//
// One replica at a time holds the source's collector lease (renewed every third of its
// length). The holder's loads collect from the source as without replicas, and each entry
// stored is written to Redis and announced. The others (followers) take every announcement
// into their caches, so their clients get HITs from the same entries (same body, same ETag);
// their own loads (refresh-ahead, a miss) never collect while a live holder exists:
//   - a refresh of an entry first waits a little for the holder's announcement of a newer one
//     (half the refresh window: the holder refreshes at the same age when it is polled);
//   - then reads the stored record, used if younger than the category's refresh_after;
//   - else, if the lease has lapsed, takes it and collects; otherwise asks the holder (pub/sub)
//     and waits for its answer, deadline-bounded (3/4 of the request timeout), falling back to
//     the stored record;
//   - a use_cache=false read asks the holder for a collection that starts after the request
//     and waits for exactly that answer.
// The holder answers a request with its entry if younger than refresh_after, else with the
// load in flight or a new one (one load however many replicas ask).
//
// Ownership: borrows the ViewService (which it registers itself with at Start), which must
// outlive it. Start once, Stop once (releases the lease so a follower takes over at
// once); destroy after the io_context stopped.
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "cache/single_flight.h"
#include "snapshot/replication_options.h"
#include "sources/views.h"

namespace queuemon::api {

class ViewService;

struct ReplicaStats {
  bool holder = false;                 // this replica holds the lease now
  std::string lease_holder;            // the holder's replica id as last seen ("" unknown)
  double lease_acquired_unix = 0;      // when the holder took the lease (0 unknown)
  std::uint64_t lease_token = 0;       // its fencing token
  std::uint64_t lease_acquisitions = 0;    // times this replica took the lease
  std::uint64_t announcements_received = 0;
  std::uint64_t announcements_applied = 0;  // stored into this replica's caches
  std::uint64_t writes = 0;                 // records this replica wrote as holder
  std::uint64_t writes_refused = 0;         // refused by the fencing token (lease lost)
  std::uint64_t requests_sent = 0;          // asked the holder
  std::uint64_t requests_served = 0;        // answered as holder
  double snapshot_collected_unix = 0;  // newest collection written or applied (0 none)
};

class Replica final {
 public:
  // Opens its own connections to options.redis (commands, and the announcements' subscription).
  Replica(boost::asio::any_io_executor executor, ViewService& service,
          const snapshot::ReplicationOptions& options, std::chrono::milliseconds request_timeout);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  void Start();
  void Stop();

  // The load of a view (ViewService::Load routes here once registered).
  boost::asio::awaitable<cache::LoadResult> Load(sources::View view, std::string argument,
                                                 bool fresh);

  ReplicaStats Stats() const;
  const std::string& replica_id() const;

  struct Impl;  // public only so replica.cc's coroutines can name it

 private:
  std::shared_ptr<Impl> impl_;
};

// "<hostname>:<pid>": a replica's id when the config gives none.
std::string DefaultReplicaId();

}  // namespace queuemon::api
