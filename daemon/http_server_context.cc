// ServerContext's connection registry (see http_session.h). No Beast templates instantiated.
#include "daemon/http_session.h"

namespace queuemon::daemon::internal {

ServerContext::Admission ServerContext::TryRegister(
    const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mu);
  if (stopping.load()) return Admission::kStopping;
  if (connections.size() >= options.max_connections) return Admission::kAtLimit;
  connections.insert(connection);
  return Admission::kRegistered;
}

void ServerContext::Unregister(const std::shared_ptr<Connection>& connection) {
  std::unique_lock lock(mu);
  connections.erase(connection);
  MaybeFinish(lock);
}

std::size_t ServerContext::Count() const {
  std::lock_guard lock(mu);
  return connections.size();
}

std::set<std::shared_ptr<Connection>> ServerContext::Snapshot() const {
  std::lock_guard lock(mu);
  return connections;
}

void ServerContext::OnEmpty(std::function<void()> done) {
  std::unique_lock lock(mu);
  on_empty = std::move(done);
  MaybeFinish(lock);
}

void ServerContext::MaybeFinish(std::unique_lock<std::mutex>& lock) {
  if (!connections.empty() || !on_empty) return;
  auto done = std::move(on_empty);
  on_empty = nullptr;
  lock.unlock();  // never call out under the lock
  done();
}

}  // namespace queuemon::daemon::internal
