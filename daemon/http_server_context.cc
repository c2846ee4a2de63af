// ServerContext's connection registry (see http_session.h). No Beast templates instantiated.
#include "daemon/http_session.h"

namespace queuemon::daemon::internal {

ServerContext::Admission ServerContext::TryRegister(
    const std::shared_ptr<Connection>& connection) {
  base::MutexLock lock(mu);
  if (stopping.load()) return Admission::kStopping;
  if (connections.size() >= options.max_connections) return Admission::kAtLimit;
  connections.insert(connection);
  return Admission::kRegistered;
}

void ServerContext::Unregister(const std::shared_ptr<Connection>& connection) {
  std::function<void()> done;
  {
    base::MutexLock lock(mu);
    connections.erase(connection);
    done = TakeOnEmptyIfDone();
  }
  if (done) done();
}

std::size_t ServerContext::Count() const {
  base::MutexLock lock(mu);
  return connections.size();
}

std::set<std::shared_ptr<Connection>> ServerContext::Snapshot() const {
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

}  // namespace queuemon::daemon::internal
