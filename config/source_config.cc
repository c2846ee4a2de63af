#include "config/source_config.h"

#include <utility>

namespace queuemon::config {

SourceConfig::SourceConfig(std::unique_ptr<sources::SourceOptions> options)
    : options_(std::move(options)) {}

SourceConfig::SourceConfig(const SourceConfig& other)
    : options_(other.options_ ? other.options_->Clone() : nullptr) {}

SourceConfig& SourceConfig::operator=(const SourceConfig& other) {
  if (this != &other) options_ = other.options_ ? other.options_->Clone() : nullptr;
  return *this;
}

SourceConfig::~SourceConfig() = default;

}  // namespace queuemon::config
