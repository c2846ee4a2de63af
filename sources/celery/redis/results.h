#pragma once
// CeleryResults: one task's state from the Redis result backend (celery-redis-protocol.md §5):
// GET celery-task-meta-<id>. A missing key is PENDING (unknown, queued or expired), as Celery
// reports it. Ids are validated with ValidTaskId first (sources::Errc::kInvalidArgument otherwise), so
// a caller can never address another key. Thread-safe (stateless apart from the connection).

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "redis/connection.h"
#include "sources/typed_views.h"

namespace queuemon::sources::celery::over_redis {

// Decodes the backend's JSON value (`{"status", "result", "traceback", "date_done", ...}`).
boost::system::result<TaskResult> ParseTaskMeta(std::string_view task_id, std::string_view json);

class CeleryResults final {
 public:
  // REQUIRES: `backend` outlives this object.
  explicit CeleryResults(redis::RedisConnection& backend) : backend_(backend) {}

  boost::asio::awaitable<boost::system::result<TaskResult>> Lookup(std::string task_id);

 private:
  redis::RedisConnection& backend_;
};

}  // namespace queuemon::sources::celery::over_redis
