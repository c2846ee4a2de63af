// Key naming of kombu's Redis transport, and the db number of a broker URL (Boost.URL).
#include "sources/celery/redis/keys.h"

#include "redis/url.h"

namespace queuemon::sources::celery::over_redis {

std::optional<BindingMember> ParseBindingMember(std::string_view member, std::string_view sep) {
  if (sep.empty()) return std::nullopt;
  const auto first = member.find(sep);
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = member.find(sep, first + sep.size());
  if (second == std::string_view::npos) return std::nullopt;
  BindingMember out{std::string(member.substr(0, first)),
                    std::string(member.substr(first + sep.size(), second - first - sep.size())),
                    std::string(member.substr(second + sep.size()))};
  if (out.queue.empty()) return std::nullopt;
  return out;
}

boost::system::result<int> RedisDbFromUrl(std::string_view url) {
  auto parsed = redis::ParseRedisUrl(url);  // one URL grammar for the whole daemon
  if (!parsed) return parsed.error();
  return parsed->db;
}

CeleryKeys::CeleryKeys(const CeleryOptions& options, int db)
    : prefix_(options.global_keyprefix),
      sep_(options.sep),
      pidbox_exchange_(options.pidbox_exchange),
      events_exchange_(options.events_exchange),
      db_(db) {}

std::string CeleryKeys::QueueList(std::string_view queue, int step) const {
  std::string key = prefix_ + std::string(queue);
  if (step != 0) key += sep_ + std::to_string(step);
  return key;
}

std::string CeleryKeys::Binding(std::string_view exchange) const {
  return prefix_ + "_kombu.binding." + std::string(exchange);
}

std::string CeleryKeys::PidboxChannel() const {
  return prefix_ + "/" + std::to_string(db_) + "." + pidbox_exchange_;
}

std::string CeleryKeys::EventsPattern() const {
  return prefix_ + "/" + std::to_string(db_) + "." + events_exchange_ + "/*";
}

std::string CeleryKeys::ReplyBindingMember(std::string_view routing_key,
                                           std::string_view queue) const {
  return std::string(routing_key) + sep_ + sep_ + std::string(queue);
}

}  // namespace queuemon::sources::celery::over_redis
