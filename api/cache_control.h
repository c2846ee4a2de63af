#pragma once
// CacheControl: what acts on one source's caches besides reads, and its counters.
//   - Changes from the source's event stream (sources/changes.h), by the ChangeRules: a change
//     with a refresh rule refreshes the entries stored in the named caches (readers keep the
//     old entries until the new ones are stored); per cache the first change of a burst
//     refreshes at once, later ones within min_refresh_interval fold into one refresh at the
//     interval's end. A change with a drop rule drops its task's entry ("task:<id>").
//   - The operator's requests: Warm (load a cache's views and stored entries now, joining
//     loads in flight) and Invalidate (a cache, all, or the keys matching a glob).
// Every action is counted by cause: the change's name, "warm", "invalidate" or
// "invalidate_pattern".
//
// Ownership: owned by its ViewService (which must outlive the io_context's last handler, see
// view_service.h); its delayed refreshes hold it weakly.
// Thread-safety: every method may be called from any thread concurrently. OnChange runs on
// the source's event thread: it takes no lock but the one of a rule set swap and of a refresh
// gate, and does no I/O.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/changes.h"
#include "sources/views.h"

namespace queuemon::api {

class ViewService;

// Causes: the change names (sources::kChangeNames, same indexes), then the operator's requests.
inline constexpr std::string_view kOperatorCauses[] = {"warm", "invalidate", "invalidate_pattern"};
inline constexpr std::size_t kCauseCount = sources::kChangeCount + std::size(kOperatorCauses);
inline constexpr std::size_t kWarmCause = sources::kChangeCount;
inline constexpr std::size_t kInvalidateCause = sources::kChangeCount + 1;
inline constexpr std::size_t kInvalidatePatternCause = sources::kChangeCount + 2;
inline constexpr std::size_t kCategoryCount = std::size(sources::kCategories);
std::string_view CauseName(std::size_t cause);

// What one cause did to one cache.
struct ControlCounts {
  std::uint64_t refreshes = 0;  // loads started to refresh (or warm) entries
  std::uint64_t coalesced = 0;  // changes folded into a refresh already due; warm: loads joined
  std::uint64_t dropped = 0;    // entries removed
  bool operator==(const ControlCounts&) const = default;
};

struct CacheControlStats {
  std::chrono::milliseconds min_refresh_interval{0};
  std::array<std::uint64_t, kCauseCount> triggers{};  // changes and requests that asked
  std::array<bool, kCauseCount> configured{};          // a rule (or an endpoint) exists for it
  // [category (sources::kCategories order)][cause]
  std::array<std::array<ControlCounts, kCauseCount>, kCategoryCount> by_cache{};
};

// Answers of Warm and Invalidate, by cache name.
struct WarmReport {
  std::map<std::string, std::vector<std::string>> started;  // loads started now
  std::map<std::string, std::vector<std::string>> joined;   // loads already in flight
};
using DropReport = std::map<std::string, std::size_t>;  // cache -> entries removed

class CacheControl final : public std::enable_shared_from_this<CacheControl> {
 public:
  CacheControl(boost::asio::any_io_executor executor, ViewService& views,
               sources::ChangeRules rules);
  ~CacheControl();
  CacheControl(const CacheControl&) = delete;
  CacheControl& operator=(const CacheControl&) = delete;

  void OnChange(const sources::StateChange& change);
  // Applies new rules (SIGHUP); a refresh already scheduled still runs.
  void SetRules(const sources::ChangeRules& rules);

  // One cache (by name) or all (nullopt); nullopt if the name is not a cache's.
  std::optional<WarmReport> Warm(std::optional<std::string_view> cache_name);
  // Drops one cache's entries, or all caches', or (with `pattern`) those whose key matches the
  // glob; nullopt if the name is not a cache's.
  std::optional<DropReport> Invalidate(std::optional<std::string_view> cache_name,
                                       std::optional<std::string_view> pattern);

  CacheControlStats Stats() const;

 private:
  // The rules as indexes, swapped whole on SetRules.
  struct CompiledRules {
    std::chrono::milliseconds min_refresh_interval{0};
    std::array<std::vector<std::size_t>, sources::kChangeCount> refresh;  // -> categories
    std::array<bool, sources::kChangeCount> drop_task{};
  };
  // Per category: when its last refresh started and whether one is scheduled.
  struct Gate {
    base::Mutex mu;
    bool started GUARDED_BY(mu) = false;
    base::TimePoint last_start GUARDED_BY(mu){};
    bool scheduled GUARDED_BY(mu) = false;
    std::size_t scheduled_cause GUARDED_BY(mu) = 0;
  };

  static std::unique_ptr<const CompiledRules> Compile(const sources::ChangeRules& rules);
  const CompiledRules& rules() const { return *rules_.load(std::memory_order_acquire); }
  void RequestRefresh(std::size_t category, std::size_t cause,
                      std::chrono::milliseconds min_interval);
  void ScheduleRefresh(std::size_t category, base::Duration delay);
  void RunScheduledRefresh(std::size_t category);
  void Refresh(std::size_t category, std::size_t cause);
  bool DropTask(std::string_view task_id);
  enum Counter { kRefreshes, kCoalesced, kDropped };
  void Count(std::size_t category, std::size_t cause, Counter counter, std::uint64_t n);
  // The categories `cache_name` selects: one, all (nullopt), or none (unknown name).
  static std::optional<std::vector<std::size_t>> Select(std::optional<std::string_view> cache_name);

  const boost::asio::any_io_executor executor_;
  ViewService& views_;
  const base::Clock& clock_;
  // The rules in force: one atomic load per change. Every rule set ever compiled is kept (a
  // reload adds one, a few hundred bytes), so a reader never holds a reference that dies.
  base::Mutex rules_mu_;
  std::vector<std::unique_ptr<const CompiledRules>> all_rules_ GUARDED_BY(rules_mu_);
  std::atomic<const CompiledRules*> rules_{nullptr};
  std::array<Gate, kCategoryCount> gates_;
  std::array<std::atomic<std::uint64_t>, kCauseCount> triggers_{};
  // [category][cause][refreshes, coalesced, dropped]
  std::array<std::array<std::array<std::atomic<std::uint64_t>, 3>, kCauseCount>, kCategoryCount>
      counts_{};
};

}  // namespace queuemon::api
