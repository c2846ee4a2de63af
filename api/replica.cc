#include "api/replica.h"

#include <unistd.h>

#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "api/entry_records.h"
#include "api/view_service.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "snapshot/shared_store.h"
#include "sources/errors.h"

namespace queuemon::api {
namespace asio = boost::asio;

namespace {

using Steady = std::chrono::steady_clock;
using WakeChannel = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

// A follower's load waiting for an announcement: the answer to its request (nonce), or any
// record of the key collected after `newer_than`.
struct Waiter {
  std::string nonce;
  double newer_than = std::numeric_limits<double>::infinity();
  std::shared_ptr<WakeChannel> wake;
  std::shared_ptr<const snapshot::Record> record;  // guarded by Impl::mu

  bool Wants(const snapshot::Record& r) const {
    return (!nonce.empty() && r.nonce == nonce) || r.collected_unix > newer_than + 1e-3;
  }
};

std::string_view CategoryNameOf(sources::View view) { return sources::SpecOf(view).category; }


}  // namespace

std::string DefaultReplicaId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "replica") + ":" + std::to_string(getpid());
}

struct Replica::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, ViewService& s, const snapshot::ReplicationOptions& o,
       std::chrono::milliseconds timeout)
      : executor(ex),
        strand(asio::make_strand(ex)),
        timer(strand),
        service(s),
        options(o),
        request_timeout(timeout),
        redis(ex, o.redis),
        store(redis, o.prefix, s.source(), o.replica_id.empty() ? DefaultReplicaId() : o.replica_id) {}

  // --- the lease -------------------------------------------------------------------------
  bool Holding() const {
    return token.load() != 0 && Steady::now().time_since_epoch().count() < valid_until.load();
  }
  void BecomeHolder(std::uint64_t new_token, Steady::time_point asked);
  void LoseLease(const char* why);
  enum class Lease { kTaken, kHeldByAnother, kUnknown };  // kUnknown: Redis did not answer
  asio::awaitable<Lease> TakeLeaseIfFree();
  asio::awaitable<void> LeaseTick();
  asio::awaitable<void> LeaseLoop();
  std::chrono::milliseconds NextTick() const;

  // --- loads ----------------------------------------------------------------------------
  asio::awaitable<cache::LoadResult> LoadView(sources::View view, std::string argument, bool fresh);
  asio::awaitable<cache::LoadResult> CollectAndWrite(sources::View view, std::string argument);
  asio::awaitable<cache::LoadResult> AskHolder(std::string key, bool fresh,
                                               std::shared_ptr<const cache::Entry> fallback);
  asio::awaitable<std::optional<snapshot::Record>> ReadStored(std::string key);
  void Write(sources::View view, const std::string& key, const cache::Entry& entry,
             std::uint64_t fence, std::string nonce);
  asio::awaitable<void> DoWrite(snapshot::Record record, std::chrono::milliseconds keep);

  // --- announcements and requests ---------------------------------------------------------
  void OnMessage(std::string_view channel, std::string_view payload);
  void OnAnnouncement(const std::string& bytes);
  void OnRequest(const std::string& bytes);
  asio::awaitable<void> Serve(snapshot::StoreRequest request);
  std::shared_ptr<Waiter> Register(const std::string& key, std::string nonce, double newer_than);
  asio::awaitable<std::shared_ptr<const cache::Entry>> Await(std::string key,
                                                            std::shared_ptr<Waiter> waiter,
                                                            Steady::time_point deadline);
  std::shared_ptr<const cache::Entry> EntryFrom(const snapshot::Record& record) const;
  std::chrono::milliseconds Keep(sources::View view) const;
  void NoteSnapshot(double collected_unix);

  asio::any_io_executor executor;
  asio::strand<asio::any_io_executor> strand;  // the lease loop's
  asio::steady_timer timer;                    // on `strand`
  ViewService& service;
  const snapshot::ReplicationOptions options;
  const std::chrono::milliseconds request_timeout;
  redis::RedisConnection redis;
  snapshot::SharedStore store;
  std::unique_ptr<redis::RedisSubscriber> subscriber;
  std::shared_ptr<spdlog::logger> log = spdlog::default_logger();  // as the rest of api/

  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> token{0};                 // 0: not holding
  std::atomic<Steady::duration::rep> valid_until{0};   // the lease lapses here unless renewed
  std::atomic<std::uint64_t> next_nonce{0};
  std::atomic<std::uint64_t> acquisitions{0}, received{0}, applied{0}, writes{0}, refused{0},
      requests_sent{0}, requests_served{0};

  mutable base::Mutex mu;
  std::multimap<std::string, std::shared_ptr<Waiter>> waiters GUARDED_BY(mu);
  snapshot::LeaseState lease_seen GUARDED_BY(mu);  // the lease as last read or taken
  double snapshot_unix GUARDED_BY(mu) = 0;
};

// ---------------------------------------------------------------------------------------------
// The lease.

void Replica::Impl::BecomeHolder(std::uint64_t new_token, Steady::time_point asked) {
  valid_until.store((asked + options.lease).time_since_epoch().count());
  token.store(new_token);
  ++acquisitions;
  {
    base::MutexLock lock(mu);
    lease_seen = snapshot::LeaseState{true, store.replica_id(), new_token, base::UnixNow(),
                                      options.lease};
  }
  log->info("replica {}: holds the collector lease of source {} (token {})", store.replica_id(),
            service.source(), new_token);
  service.Rewarm();  // the followers wait for these views
}

void Replica::Impl::LoseLease(const char* why) {
  if (token.exchange(0) != 0) {
    log->warn("replica {}: no longer holds the collector lease of source {}: {}",
              store.replica_id(), service.source(), why);
  }
}

asio::awaitable<Replica::Impl::Lease> Replica::Impl::TakeLeaseIfFree() {
  snapshot::LeaseState current;
  const Steady::time_point asked = Steady::now();
  const auto taken = co_await store.TryAcquire(options.lease, &current);
  if (!taken) co_return Lease::kUnknown;
  if (*taken) {
    BecomeHolder(**taken, asked);
    co_return Lease::kTaken;
  }
  base::MutexLock lock(mu);
  lease_seen = current;
  co_return Lease::kHeldByAnother;
}

asio::awaitable<void> Replica::Impl::LeaseTick() {
  if (const std::uint64_t held = token.load(); held != 0) {
    const Steady::time_point asked = Steady::now();
    const auto renewed = co_await store.Renew(held, options.lease);
    if (renewed && *renewed) valid_until.store((asked + options.lease).time_since_epoch().count());
    if (renewed && !*renewed) LoseLease("the lease lapsed or another replica took it");
  }
  // A holder that cannot reach Redis lapses by itself at valid_until.
  if (!Holding()) {
    LoseLease("its lease lapsed while Redis did not answer");
    co_await TakeLeaseIfFree();
  }
}

// Every third of the lease; a follower that saw the lease about to lapse sooner tries again
// just after it lapses, so a dead holder is replaced within the lease length.
std::chrono::milliseconds Replica::Impl::NextTick() const {
  const std::chrono::milliseconds period = options.lease / 3;
  if (token.load() != 0) return period;
  base::MutexLock lock(mu);
  if (!lease_seen.held) return period;
  return std::min(period, lease_seen.remaining + std::chrono::milliseconds(5));
}

asio::awaitable<void> Replica::Impl::LeaseLoop() {
  const auto self = shared_from_this();
  while (!stopped.load()) {
    co_await LeaseTick();
    timer.expires_after(NextTick());
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// ---------------------------------------------------------------------------------------------
// Loads.

std::chrono::milliseconds Replica::Impl::Keep(sources::View view) const {
  const cache::CacheOptions o = service.OptionsOf(view);
  return o.ttl + o.stale_for;
}

std::shared_ptr<const cache::Entry> Replica::Impl::EntryFrom(const snapshot::Record& record) const {
  return EntryOf(record, service.clock(), service.Encoding(), /*restored=*/false);
}

asio::awaitable<cache::LoadResult> Replica::Impl::LoadView(sources::View view,
                                                           std::string argument, bool fresh) {
  std::string key = sources::ViewKey(view, argument);
  if (Holding()) co_return co_await CollectAndWrite(view, std::move(argument));
  const cache::CacheOptions o = service.OptionsOf(view);
  std::shared_ptr<const cache::Entry> fallback;
  if (!fresh) {
    // A refresh: the holder refreshes at the same age when its clients poll, so its
    // announcement usually comes within the first half of the refresh window.
    // Only while the local entry is still fresh (a background refresh): past ttl, clients
    // are waiting for this load.
    const std::shared_ptr<const cache::Entry> local = service.Stored(key);
    if (local && !local->restored && service.clock().Now() - local->collected_at < o.ttl) {
      const auto window = o.ttl - o.EffectiveRefreshAfter();
      auto waiter = Register(key, {}, UnixTimeOf(local->collected_at, service.clock()));
      // One applied between the look and the registration: waiting would miss it.
      const Steady::time_point until = service.Stored(key) != local ? Steady::now()
                                                                    : Steady::now() + window / 2;
      auto announced = co_await Await(key, std::move(waiter), until);
      if (announced) co_return announced;
      if (auto applied = service.Stored(key); applied && applied != local) co_return applied;
    }
    std::optional<snapshot::Record> stored = co_await ReadStored(key);
    if (stored) {
      fallback = EntryFrom(*stored);
      const double age = base::UnixNow() - stored->collected_unix;
      if (fallback && age * 1000 < o.EffectiveRefreshAfter().count()) co_return fallback;
    }
  }
  // Without an answer from the shared Redis there is no holder to ask: collect here (without
  // a token nothing is written), so an outage of that Redis costs the broker N collections
  // rather than costing the dashboards their data.
  if (co_await TakeLeaseIfFree() != Lease::kHeldByAnother) {
    co_return co_await CollectAndWrite(view, std::move(argument));
  }
  co_return co_await AskHolder(std::move(key), fresh, std::move(fallback));
}

asio::awaitable<cache::LoadResult> Replica::Impl::AskHolder(
    std::string key, bool fresh,
    std::shared_ptr<const cache::Entry> fallback) {
  snapshot::StoreRequest request{key, fresh,
                                 store.replica_id() + "#" + std::to_string(++next_nonce)};
  const double newer_than = fresh || !fallback ? std::numeric_limits<double>::infinity()
                                               : UnixTimeOf(fallback->collected_at, service.clock());
  auto waiter = Register(key, request.nonce, newer_than);
  const auto asked = co_await store.Ask(request);
  if (asked) ++requests_sent;
  const Steady::time_point deadline = asked ? Steady::now() + request_timeout * 3 / 4 : Steady::now();
  auto answered = co_await Await(key, std::move(waiter), deadline);
  if (answered) co_return answered;
  if (fallback) co_return fallback;
  co_return make_error_code(boost::system::errc::timed_out);
}

asio::awaitable<std::optional<snapshot::Record>> Replica::Impl::ReadStored(std::string key) {
  std::string error;
  auto read = co_await store.Read(std::move(key), &error);
  if (!read) co_return std::nullopt;
  if (!error.empty()) log->warn("replica {}: stored record unreadable: {}", store.replica_id(), error);
  co_return std::move(*read);
}

asio::awaitable<cache::LoadResult> Replica::Impl::CollectAndWrite(sources::View view,
                                                                  std::string argument) {
  const std::string key = sources::ViewKey(view, argument);
  // The token the collection runs under: a holder paused mid-collection and replaced writes
  // with it afterwards, and Redis refuses that write.
  const std::uint64_t fence = token.load();
  cache::LoadResult loaded = co_await service.CollectHere(view, std::move(argument));
  if (loaded && *loaded) Write(view, key, **loaded, fence, {});
  co_return loaded;
}

// Detached: a load does not wait for Redis. `fence` is the token the entry was collected (or
// the request served) under; a write after the lease moved on is refused by it.
void Replica::Impl::Write(sources::View view, const std::string& key, const cache::Entry& entry,
                          std::uint64_t fence, std::string nonce) {
  snapshot::Record record =
      RecordOf(service.source(), CategoryNameOf(view), key, entry, service.clock());
  record.fence = fence;
  record.nonce = std::move(nonce);
  if (record.fence == 0) return;
  asio::co_spawn(executor, DoWrite(std::move(record), Keep(view)),
                 [self = shared_from_this()](std::exception_ptr) {});
}

asio::awaitable<void> Replica::Impl::DoWrite(snapshot::Record record,
                                             std::chrono::milliseconds keep) {
  const auto written = co_await store.Write(record, keep);
  if (!written) {
    log->debug("replica {}: write of {} failed: {}", store.replica_id(), record.key,
               written.error().message());
    co_return;
  }
  if (*written) {
    ++writes;
    NoteSnapshot(record.collected_unix);
    co_return;
  }
  ++refused;
  log->warn("replica {}: write of {} refused by the fencing token {} (the lease moved on)",
            store.replica_id(), record.key, record.fence);
  if (token.load() == record.fence) LoseLease("a write was refused by the fencing token");
}

void Replica::Impl::NoteSnapshot(double collected_unix) {
  base::MutexLock lock(mu);
  snapshot_unix = std::max(snapshot_unix, collected_unix);
}

// ---------------------------------------------------------------------------------------------
// Announcements, requests, waiters.

void Replica::Impl::OnMessage(std::string_view channel, std::string_view payload) {
  // On the subscriber's strand, which must stay quick: decoding and storing run on the pool.
  auto bytes = std::make_shared<std::string>(payload);
  const bool announcement = channel == store.announce_channel();
  asio::post(executor, [self = shared_from_this(), bytes, announcement] {
    if (announcement) {
      self->OnAnnouncement(*bytes);
    } else {
      self->OnRequest(*bytes);
    }
  });
}

void Replica::Impl::OnAnnouncement(const std::string& bytes) {
  ++received;
  std::string error;
  std::optional<snapshot::Record> decoded = snapshot::DecodeRecord(bytes, &error);
  if (!decoded) {
    log->warn("replica {}: announcement ignored: {}", store.replica_id(), error);
    return;
  }
  auto record = std::make_shared<const snapshot::Record>(std::move(*decoded));
  if (record->fence == token.load()) return;  // our own write
  if (service.Apply(*record, /*restored=*/false)) ++applied;
  NoteSnapshot(record->collected_unix);
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    base::MutexLock lock(mu);
    auto [first, last] = waiters.equal_range(record->key);
    for (auto it = first; it != last;) {
      if (!it->second->Wants(*record)) {
        ++it;
        continue;
      }
      it->second->record = record;
      woken.push_back(it->second);
      it = waiters.erase(it);
    }
  }
  for (const auto& waiter : woken) waiter->wake->try_send(boost::system::error_code{});
}

void Replica::Impl::OnRequest(const std::string& bytes) {
  if (!Holding()) return;
  std::optional<snapshot::StoreRequest> request = snapshot::DecodeRequest(bytes);
  if (!request) return;
  ++requests_served;
  asio::co_spawn(executor, Serve(std::move(*request)),
                 [self = shared_from_this()](std::exception_ptr) {});
}

asio::awaitable<void> Replica::Impl::Serve(snapshot::StoreRequest request) {
  std::optional<sources::KeyedView> keyed = sources::ParseViewKey(request.key);
  if (!keyed) co_return;
  const sources::View view = keyed->view;
  const std::uint64_t fence = token.load();
  std::shared_ptr<const cache::Entry> entry;
  if (request.fresh) {
    cache::ReadResult read =
        co_await service.Get(view, std::move(keyed->argument), false, cache::Reader::kInternal);
    entry = read.outcome == cache::Outcome::kError ? nullptr : read.entry;
  } else {
    const base::Duration max_age = service.OptionsOf(view).EffectiveRefreshAfter();
    const auto deadline = Steady::now() + request_timeout;
    entry = co_await service.Renewed(view, std::move(keyed->argument), max_age, deadline);
  }
  if (entry) Write(view, request.key, *entry, fence, std::move(request.nonce));
}

std::shared_ptr<Waiter> Replica::Impl::Register(const std::string& key, std::string nonce,
                                                double newer_than) {
  auto waiter = std::make_shared<Waiter>();
  waiter->nonce = std::move(nonce);
  waiter->newer_than = newer_than;
  waiter->wake = std::make_shared<WakeChannel>(executor, 1);
  base::MutexLock lock(mu);
  waiters.emplace(key, waiter);
  return waiter;
}

// As SingleFlight's waits: the deadline is a second sender on the channel, not a race.
asio::awaitable<std::shared_ptr<const cache::Entry>> Replica::Impl::Await(
    std::string key, std::shared_ptr<Waiter> waiter, Steady::time_point deadline) {
  asio::steady_timer deadline_timer(executor, deadline);
  std::shared_ptr<WakeChannel> wake = waiter->wake;
  deadline_timer.async_wait([wake](boost::system::error_code ec) {
    if (!ec) wake->try_send(asio::error::timed_out);
  });
  co_await wake->async_receive(
      asio::bind_cancellation_slot(asio::cancellation_slot(), asio::as_tuple(asio::use_awaitable)));
  deadline_timer.cancel();
  std::shared_ptr<const snapshot::Record> record;
  {
    base::MutexLock lock(mu);
    record = waiter->record;
    auto [first, last] = waiters.equal_range(key);
    for (auto it = first; it != last; ++it) {
      if (it->second == waiter) {
        waiters.erase(it);
        break;
      }
    }
  }
  co_return record ? EntryFrom(*record) : nullptr;
}

// ---------------------------------------------------------------------------------------------

Replica::Replica(asio::any_io_executor executor, ViewService& service,
                 const snapshot::ReplicationOptions& options,
                 std::chrono::milliseconds request_timeout)
    : impl_(std::make_shared<Impl>(executor, service, options, request_timeout)) {}

Replica::~Replica() { impl_->redis.Close(); }

void Replica::Start() {
  Impl& impl = *impl_;
  std::weak_ptr<Impl> weak = impl_;
  std::vector<std::string> patterns{impl.store.announce_channel(), impl.store.request_channel()};
  impl.subscriber = std::make_unique<redis::RedisSubscriber>(
      impl.executor, impl.options.redis, std::move(patterns),
      [weak](std::string_view channel, std::string_view payload) {
        if (const auto self = weak.lock()) self->OnMessage(channel, payload);
      });
  impl.subscriber->Start();
  impl.service.SetReplica(this);
  asio::co_spawn(impl.strand, impl.LeaseLoop(), asio::detached);
}

void Replica::Stop() {
  Impl& impl = *impl_;
  if (impl.stopped.exchange(true)) return;
  asio::post(impl.strand, [self = impl_] { self->timer.cancel(); });
  if (impl.subscriber) impl.subscriber->Stop();
  const std::uint64_t held = impl.token.exchange(0);
  if (held == 0) {
    impl.redis.Close();  // its idle link would keep the io_context running
    return;
  }
  // Released so that a follower takes over at once rather than when the lease lapses.
  asio::co_spawn(
      impl.executor,
      [self = impl_, held]() -> asio::awaitable<void> {
        const auto released = co_await self->store.Release(held);
        if (released && *released) {
          self->log->info("replica {}: released the collector lease of source {}",
                          self->store.replica_id(), self->service.source());
        }
        self->redis.Close();
      },
      asio::detached);
}

asio::awaitable<cache::LoadResult> Replica::Load(sources::View view, std::string argument,
                                                 bool fresh) {
  const std::shared_ptr<Impl> impl = impl_;  // alive until the load ends
  co_return co_await impl->LoadView(view, std::move(argument), fresh);
}

ReplicaStats Replica::Stats() const {
  const Impl& impl = *impl_;
  ReplicaStats stats;
  stats.holder = impl.Holding();
  stats.lease_acquisitions = impl.acquisitions.load();
  stats.announcements_received = impl.received.load();
  stats.announcements_applied = impl.applied.load();
  stats.writes = impl.writes.load();
  stats.writes_refused = impl.refused.load();
  stats.requests_sent = impl.requests_sent.load();
  stats.requests_served = impl.requests_served.load();
  base::MutexLock lock(impl.mu);
  stats.lease_holder = impl.lease_seen.held ? impl.lease_seen.replica : "";
  stats.lease_acquired_unix = impl.lease_seen.held ? impl.lease_seen.acquired_unix : 0;
  stats.lease_token = impl.lease_seen.token;
  stats.snapshot_collected_unix = impl.snapshot_unix;
  return stats;
}

const std::string& Replica::replica_id() const { return impl_->store.replica_id(); }

}  // namespace queuemon::api
