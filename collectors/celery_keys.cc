// Key naming of kombu's Redis transport, and the db number of a broker URL (Boost.URL).
#include "collectors/celery_keys.h"

#include <charconv>

#include <boost/url/parse.hpp>

#include "collectors/errors.h"

namespace queuemon::collectors {
namespace {

std::optional<int> ParseDb(std::string_view text) {
  int db = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), db);
  if (ec != std::errc() || end != text.data() + text.size() || db < 0) return std::nullopt;
  return db;
}

}  // namespace

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
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return MakeErrorCode(Errc::kInvalidArgument);
  if (parsed->scheme() == "unix") {
    const auto params = parsed->params();
    const auto it = params.find("db");
    if (it == params.end()) return 0;
    const auto db = ParseDb((*it).value);
    if (!db) return MakeErrorCode(Errc::kInvalidArgument);
    return *db;
  }
  std::string path = parsed->path();
  if (path.empty() || path == "/") return 0;
  const auto db = ParseDb(std::string_view(path).substr(1));
  if (!db) return MakeErrorCode(Errc::kInvalidArgument);
  return *db;
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

}  // namespace queuemon::collectors
