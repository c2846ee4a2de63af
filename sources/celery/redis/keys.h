#pragma once
// CeleryKeys: the Redis key and channel names kombu's Redis transport uses for one Celery app
// (celery-redis-protocol.md §1), honouring global_keyprefix, the priority steps and the
// separator. Immutable after construction; thread-safe.
//
// kombu prefixes keys AND pub/sub channels with global_keyprefix (PUBLISH and PSUBSCRIBE go
// through its prefixing client), so every name built here carries the prefix. The result
// backend's keys (celery-task-meta-*) are not kombu's and are never prefixed.

#include <boost/system/result.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sources/celery/redis/options.h"

namespace queuemon::sources::celery::over_redis {

// One member of a `_kombu.binding.<exchange>` set: "routing_key<sep>pattern<sep>queue".
struct BindingMember {
  std::string routing_key, pattern, queue;
};
std::optional<BindingMember> ParseBindingMember(std::string_view member, std::string_view sep);

// The database number of a broker URL: redis://host:port/N (default 0), unix:///path?db=N.
boost::system::result<int> RedisDbFromUrl(std::string_view url);

class CeleryKeys final {
 public:
  CeleryKeys(const CeleryOptions& options, int db);

  std::string Key(std::string_view key) const { return prefix_ + std::string(key); }
  // The list holding priority bucket `step` of `queue` ("q" for step 0, "q<sep><step>").
  std::string QueueList(std::string_view queue, int step) const;
  std::string Binding(std::string_view exchange) const;  // "_kombu.binding.<exchange>"
  std::string PidboxChannel() const;                     // "/<db>.celery.pidbox"
  std::string EventsPattern() const;                     // "/<db>.celeryev/*"
  std::string Unacked() const { return Key("unacked"); }
  // The reply-binding member "<rk><sep><sep><queue>" (queue without prefix, as kombu stores it).
  std::string ReplyBindingMember(std::string_view routing_key, std::string_view queue) const;
  const std::string& sep() const { return sep_; }
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_, sep_, pidbox_exchange_, events_exchange_;
  int db_;
};

}  // namespace queuemon::sources::celery::over_redis
