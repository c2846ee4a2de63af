#include "sources/sidekiq/job_json.h"

#include "sources/keyspace/replies.h"

namespace queuemon::sources::sidekiq {

using nlohmann::json;

json ParseObject(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) j = json::object();
  return j;  // moved (NRVO), never copied
}

std::string StringField(const json& object, const char* field) {
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::int64_t> IntField(const json& object, const char* field) {
  const auto it = object.find(field);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return keyspace::WholeNumber(it->get<double>());
}

std::optional<double> JobTime(const json& object, const char* field) {
  const auto it = object.find(field);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  const double t = it->get<double>();
  return t > 1e11 ? t / 1000 : t;  // milliseconds: past the year 5138 in seconds
}

json TakePayload(json& work) {
  const auto it = work.find("payload");
  if (it == work.end()) return json::object();
  if (it->is_string()) return ParseObject(it->get_ref<const std::string&>());
  if (!it->is_object()) return json::object();
  json payload = std::move(*it);
  return payload;
}

}  // namespace queuemon::sources::sidekiq
