#include "config/sources_reader.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/keys.h"
#include "config/object_reader.h"
#include "config/source_kinds.h"

namespace queuemon::config {
namespace {

using nlohmann::json;

// The name is the {source} segment of /api/v1/{source}/...: keep it to unreserved characters.
bool ValidSourceName(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
         });
}

SourceConfig ReadSource(const json& object, const std::string& path) {
  ObjectReader r(object, path);
  std::string kind_name = "celery";
  r.ReadString(keys::kKind, kind_name);
  const SourceKind* kind = FindSourceKind(kind_name);
  if (kind == nullptr) {
    FailAt(r.PathOf(keys::kKind), "unknown kind (known: " + SourceKindList() + ")",
           json(kind_name));
  }
  std::unique_ptr<sources::SourceOptions> options = kind->read(r);
  r.ReadString(keys::kName, options->name);
  if (!ValidSourceName(options->name)) {
    FailAt(r.PathOf(keys::kName), "must be 1..64 characters of [A-Za-z0-9_.-]",
           json(options->name));
  }
  r.RejectUnknown();
  return SourceConfig(std::move(options));
}

}  // namespace

std::vector<SourceConfig> ReadSources(const json& array, const std::string& path) {
  if (!array.is_array()) FailAt(path, "must be an array of source objects", array);
  if (array.empty()) FailAt(path, "must name at least one source");
  std::vector<SourceConfig> sources;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    SourceConfig source = ReadSource(array[i], item_path);
    for (const auto& earlier : sources) {
      if (earlier.name() == source.name()) {
        FailAt(item_path + "." + std::string(keys::kName), "duplicate source name",
               json(source.name()));
      }
    }
    sources.push_back(std::move(source));
  }
  return sources;
}

}  // namespace queuemon::config
