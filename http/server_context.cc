// ServerContext's connection registry (see session.h). No Beast templates instantiated.
#include "http/session.h"

#include <algorithm>

namespace queuemon::http::internal {

namespace {

ServerContext::Admission Refused(Refusal why) {
  ServerContext::Admission admission;
  admission.kind = ServerContext::Admission::Kind::kRefused;
  admission.refusal = why;
  return admission;
}

}  // namespace

bool ServerContext::Limited(const Connection& connection) const {
  if (options.PerAddressLimit() == 0) return false;
  const auto& trusted = options.trusted_proxies;
  return std::find(trusted.begin(), trusted.end(), connection.client_address) == trusted.end();
}

// The connection waiting longest for its next request. O(connections), and only at the cap.
std::shared_ptr<Connection> ServerContext::OldestIdle() const {
  std::shared_ptr<Connection> oldest;
  std::int64_t oldest_since = 0;
  for (const auto& c : connections) {
    const std::int64_t since = c->idle_since.load(std::memory_order_relaxed);
    if (since == 0 || c->evicted.load(std::memory_order_relaxed)) continue;
    if (!oldest || since < oldest_since) oldest = c, oldest_since = since;
  }
  return oldest;
}

ServerContext::Admission ServerContext::TryRegister(
    const std::shared_ptr<Connection>& connection) {
  const bool limited = Limited(*connection);
  base::MutexLock lock(mu);
  if (stopping.load()) return Refused(Refusal::kShuttingDown);
  if (limited) {
    const auto it = per_address.find(connection->client_address);
    if (it != per_address.end() && it->second >= options.PerAddressLimit()) {
      return Refused(Refusal::kPerAddress);
    }
  }
  Admission admission;
  if (live >= options.max_connections) {
    admission.evicted = OldestIdle();
    if (!admission.evicted) return Refused(Refusal::kMaxConnections);
    admission.evicted->evicted.store(true);
    --live;
  }
  connections.insert(connection);
  ++live;
  if (limited) ++per_address[connection->client_address];
  return admission;
}

void ServerContext::Unregister(const std::shared_ptr<Connection>& connection) {
  const bool limited = Limited(*connection);
  std::function<void()> done;
  {
    base::MutexLock lock(mu);
    if (connections.erase(connection) == 0) return;
    if (!connection->evicted.load()) --live;
    if (limited) {
      const auto it = per_address.find(connection->client_address);
      if (it != per_address.end() && --it->second == 0) per_address.erase(it);
    }
    done = TakeOnEmptyIfDone();
  }
  if (done) done();
}

std::size_t ServerContext::Count() const {
  base::MutexLock lock(mu);
  return connections.size();
}

std::set<std::shared_ptr<Connection>> ServerContext::Connections() const {
  base::MutexLock lock(mu);
  return connections;
}

void ServerContext::OnEmpty(std::function<void()> done) {
  {
    base::MutexLock lock(mu);
    on_empty = std::move(done);
    done = TakeOnEmptyIfDone();
  }
  if (done) done();
}

std::function<void()> ServerContext::TakeOnEmptyIfDone() {
  if (!connections.empty() || !on_empty) return nullptr;
  std::function<void()> done = std::move(on_empty);
  on_empty = nullptr;
  return done;
}

}  // namespace queuemon::http::internal
