#pragma once
// SourceConfig: one entry of the config's "sources": the options of one source, of whatever
// kind (a sources::SourceOptions subclass). A value: copies copy the options, so a Config can
// be copied, compared key by key on reload, and edited by the command line. A moved-from
// SourceConfig may only be assigned to or destroyed.
//
// Thread-safety: as a plain value.

#include <memory>
#include <string>
#include <string_view>

#include "sources/source_options.h"

namespace queuemon::config {

class SourceConfig final {
 public:
  // REQUIRES: options != nullptr.
  explicit SourceConfig(std::unique_ptr<sources::SourceOptions> options);
  SourceConfig(const SourceConfig& other);
  SourceConfig& operator=(const SourceConfig& other);
  SourceConfig(SourceConfig&&) noexcept = default;
  SourceConfig& operator=(SourceConfig&&) noexcept = default;
  ~SourceConfig();

  const std::string& name() const { return options_->name; }
  std::string_view kind() const { return options_->Kind(); }
  const sources::SourceOptions& options() const { return *options_; }

  // The options as kind T, or null when the source is of another kind.
  template <class T>
  T* As() {
    return dynamic_cast<T*>(options_.get());
  }
  template <class T>
  const T* As() const {
    return dynamic_cast<const T*>(options_.get());
  }

 private:
  std::unique_ptr<sources::SourceOptions> options_;
};

}  // namespace queuemon::config
