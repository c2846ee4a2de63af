#include "config/object_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "config/config.h"

namespace queuemon::config {
namespace {

using nlohmann::json;

// Long values (a pasted blob) are cut so that the message stays one readable line.
std::string Shown(const json& value) {
  constexpr std::size_t kMaxShown = 80;
  std::string text = value.dump();
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
  return text;
}

// Integers only: 3.0 is refused for an integer key as clearly as 3.5, so that nobody believes
// a fraction was honoured.
std::int64_t IntegerAt(const json& value, std::string_view path) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      FailAt(path, "is too large", value);
    }
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  FailAt(path, "must be an integer", value);
}

void CheckRange(std::int64_t v, std::int64_t min, std::int64_t max, std::string_view path,
                const json& value) {
  if (v < min) {
    FailAt(path, min == 1 ? std::string("must be > 0") : "must be >= " + std::to_string(min),
           value);
  }
  if (v > max) FailAt(path, "must be <= " + std::to_string(max), value);
}

}  // namespace

void FailAt(std::string_view path, std::string_view what, const json& got) {
  throw ConfigError(std::string(path) + ": " + std::string(what) + " (got " + Shown(got) + ")");
}

void FailAt(std::string_view path, std::string_view what) {
  throw ConfigError(std::string(path) + ": " + std::string(what));
}

ObjectReader::ObjectReader(const json& object, std::string path)
    : object_(object), path_(std::move(path)) {
  if (!object_.is_object()) {
    FailAt(path_.empty() ? "config" : path_,
           std::string("must be an object, not ") + object_.type_name(), object_);
  }
}

std::string ObjectReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const json* ObjectReader::Find(std::string_view key) {
  known_.emplace_back(key);
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

const json* ObjectReader::Child(std::string_view key) { return Find(key); }

void ObjectReader::ReadString(std::string_view key, std::string& out) {
  const json* v = Find(key);
  if (v == nullptr) return;
  if (!v->is_string()) FailAt(PathOf(key), "must be a string", *v);
  out = v->get<std::string>();
}

void ObjectReader::ReadBool(std::string_view key, bool& out) {
  const json* v = Find(key);
  if (v == nullptr) return;
  if (!v->is_boolean()) FailAt(PathOf(key), "must be true or false", *v);
  out = v->get<bool>();
}

void ObjectReader::ReadInt(std::string_view key, int& out, std::int64_t min, std::int64_t max) {
  const json* v = Find(key);
  if (v == nullptr) return;
  const std::int64_t i = IntegerAt(*v, PathOf(key));
  CheckRange(i, min, max, PathOf(key), *v);
  out = static_cast<int>(i);
}

void ObjectReader::ReadSize(std::string_view key, std::size_t& out, std::uint64_t min,
                            std::uint64_t max) {
  const json* v = Find(key);
  if (v == nullptr) return;
  const std::int64_t i = IntegerAt(*v, PathOf(key));
  CheckRange(i, static_cast<std::int64_t>(min), static_cast<std::int64_t>(max), PathOf(key), *v);
  out = static_cast<std::size_t>(i);
}

void ObjectReader::ReadMillis(std::string_view key, std::chrono::milliseconds& out,
                              std::int64_t min_ms, std::int64_t max_ms) {
  const json* v = Find(key);
  if (v == nullptr) return;
  const std::int64_t i = IntegerAt(*v, PathOf(key));
  CheckRange(i, min_ms, max_ms, PathOf(key), *v);
  out = std::chrono::milliseconds(i);
}

void ObjectReader::ReadSeconds(std::string_view key, std::chrono::milliseconds& out,
                               bool allow_zero, double max_seconds) {
  const json* v = Find(key);
  if (v == nullptr) return;
  if (!v->is_number()) FailAt(PathOf(key), "must be a number of seconds", *v);
  const double s = v->get<double>();
  if (!std::isfinite(s)) FailAt(PathOf(key), "must be finite", *v);
  if (allow_zero ? s < 0 : s <= 0) FailAt(PathOf(key), allow_zero ? "must be >= 0" : "must be > 0", *v);
  if (s > max_seconds) FailAt(PathOf(key), "must be <= " + json(max_seconds).dump(), *v);
  const auto ms = static_cast<std::int64_t>(std::llround(s * 1000.0));
  if (s > 0 && ms == 0) FailAt(PathOf(key), "must be at least 0.001 (1 ms resolution)", *v);
  out = std::chrono::milliseconds(ms);
}

void ObjectReader::ReadOptionalSeconds(std::string_view key,
                                       std::optional<std::chrono::milliseconds>& out,
                                       double max_seconds) {
  std::chrono::milliseconds value{0};
  ReadSeconds(key, value, false, max_seconds);
  if (object_.contains(key)) out = value;
}

void ObjectReader::ReadStringList(std::string_view key, std::vector<std::string>& out) {
  const json* v = Find(key);
  if (v == nullptr) return;
  if (!v->is_array()) FailAt(PathOf(key), "must be an array of strings", *v);
  std::vector<std::string> list;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    const std::string item_path = PathOf(key) + "[" + std::to_string(i) + "]";
    if (!item.is_string()) FailAt(item_path, "must be a string", item);
    list.push_back(item.get<std::string>());
  }
  out = std::move(list);
}

void ObjectReader::ReadIntList(std::string_view key, std::vector<int>& out, int min, int max) {
  const json* v = Find(key);
  if (v == nullptr) return;
  if (!v->is_array()) FailAt(PathOf(key), "must be an array of integers", *v);
  std::vector<int> list;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const std::string item_path = PathOf(key) + "[" + std::to_string(i) + "]";
    const std::int64_t item = IntegerAt((*v)[i], item_path);
    CheckRange(item, min, max, item_path, (*v)[i]);
    list.push_back(static_cast<int>(item));
  }
  out = std::move(list);
}

void ObjectReader::RejectUnknown() const {
  for (const auto& [key, value] : object_.items()) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string expected;
    for (const auto& k : known_) expected += (expected.empty() ? "" : ", ") + k;
    FailAt(PathOf(key), "unknown key (expected one of: " + expected + ")");
  }
}

}  // namespace queuemon::config
