#pragma once
// The explicit list of the kinds of source queuemond knows (house style: no static
// self-registration). A kind is its folder under sources/ (options + Source), its reader here
// in config/ (<kind>_reader.cc), and one row in kSourceKinds (source_kinds.cc). Nothing else
// in the daemon names a kind.
//
// Thread-safety: constant data.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/object_reader.h"
#include "sources/source_options.h"

namespace queuemon::config {

struct SourceKind {
  std::string_view name;  // the value of "kind"
  // Reads the kind's own keys of one "sources" object over its defaults (`r` has read "kind";
  // "name" is read after, by the caller). Throws ConfigError naming the key; never calls
  // RejectUnknown.
  std::unique_ptr<sources::SourceOptions> (*read)(ObjectReader& r);
  // The first of the kind's keys whose value differs (every source setting needs a restart),
  // as "<prefix>.<key>", or nullopt. REQUIRES: both options are of this kind.
  std::optional<std::string> (*first_change)(const sources::SourceOptions& running,
                                             const sources::SourceOptions& next,
                                             const std::string& prefix);
};

std::span<const SourceKind> SourceKinds();
// The kind named `name`, or null.
const SourceKind* FindSourceKind(std::string_view name);
// "celery, ...": the kind names, for error messages.
std::string SourceKindList();

}  // namespace queuemon::config
