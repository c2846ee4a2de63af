#pragma once
// CacheOptions: the tunables of one category cache. Plain data; config/config.cc fills it.

#include <chrono>
#include <cstddef>
#include <optional>

namespace queuemon::cache {

struct CacheOptions {
  // An entry younger than this is fresh and served as a HIT.
  std::chrono::milliseconds ttl{std::chrono::seconds(5)};
  // A fresh entry older than this asks for a background refresh. Unset means ttl / 2.
  std::optional<std::chrono::milliseconds> refresh_after;
  // How long past ttl an entry may still be served (as STALE) when its reload fails.
  std::chrono::milliseconds stale_for{std::chrono::seconds(300)};
  // At most this many entries; inserting beyond evicts the least recently read.
  std::size_t max_entries = 100;
  // At most this many bytes of keys + bodies + ETags (an entry's gzip body and ETag included);
  // 0 means no byte budget.
  std::size_t max_bytes = 0;

  std::chrono::milliseconds EffectiveRefreshAfter() const {
    return refresh_after.value_or(ttl / 2);
  }
};

}  // namespace queuemon::cache
