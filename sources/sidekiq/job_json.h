#pragma once
// Reading Sidekiq's JSON (process info, job payloads, work entries) as Sidekiq 6.4 to 8 write
// it. Nothing here copies a parsed document: a copy recurses, and a job planted by another
// client can be nested deep enough to overflow the stack (nlohmann parses and destroys without
// recursion).
//
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace queuemon::sources::sidekiq {

// The object `text` holds, or an empty object (malformed JSON, or not an object).
nlohmann::json ParseObject(std::string_view text);
// A string field, or "" when absent or of another type.
std::string StringField(const nlohmann::json& object, const char* field);
// A number field as an integer, or nullopt when absent, not a number or out of range.
std::optional<std::int64_t> IntField(const nlohmann::json& object, const char* field);
// A time field (enqueued_at, created_at, run_at, ...) in Unix seconds: Sidekiq 8 writes
// integer milliseconds, older versions float seconds.
std::optional<double> JobTime(const nlohmann::json& object, const char* field);
// A work entry {queue, payload, run_at}'s job: the payload object, or the job JSON it holds as
// a string (Sidekiq 6+ stores it so); moved out of `work`.
nlohmann::json TakePayload(nlohmann::json& work);

}  // namespace queuemon::sources::sidekiq
