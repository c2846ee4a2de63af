// ServerContext's connection registry (see http_session.h). No Beast templates instantiated.
#include "daemon/http_session.h"

namespace queuemon::daemon::internal {

bool ServerContext::TryRegister(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mu);
  if (connections.size() >= options.max_connections) return false;
  connections.insert(connection);
  return true;
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
