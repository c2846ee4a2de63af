#include "api/cache_control.h"

#include <algorithm>
#include <array>

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "api/view_service.h"

namespace queuemon::api {
namespace {

const std::size_t kTaskCategory = ViewService::CategoryOfView(sources::View::kTask);

}  // namespace

std::string_view CauseName(std::size_t cause) {
  if (cause < sources::kChangeCount) return sources::kChangeNames[cause];
  return kOperatorCauses[cause - sources::kChangeCount];
}

CacheControl::CacheControl(boost::asio::any_io_executor executor, ViewService& views,
                           sources::ChangeRules rules)
    : executor_(std::move(executor)), views_(views), clock_(views.clock()) {
  SetRules(rules);
}

CacheControl::~CacheControl() = default;

std::unique_ptr<const CacheControl::CompiledRules> CacheControl::Compile(
    const sources::ChangeRules& rules) {
  auto compiled = std::make_unique<CompiledRules>();
  compiled->min_refresh_interval = rules.min_refresh_interval;
  // Names were checked by the config reader; a name that is not known is skipped.
  for (const auto& [change, caches] : rules.refresh) {
    const auto index = sources::ChangeIndex(change);
    if (!index) continue;
    for (const std::string& cache : caches) {
      const auto category = ViewService::CategoryNamed(cache);
      std::vector<std::size_t>& targets = compiled->refresh[*index];
      // Each cache once: a name listed twice must not count each change twice.
      if (category && std::find(targets.begin(), targets.end(), *category) == targets.end()) {
        targets.push_back(*category);
      }
    }
  }
  for (const std::string& change : rules.drop_task) {
    if (const auto index = sources::ChangeIndex(change)) compiled->drop_task[*index] = true;
  }
  return compiled;
}

void CacheControl::SetRules(const sources::ChangeRules& rules) {
  std::unique_ptr<const CompiledRules> compiled = Compile(rules);
  base::MutexLock lock(rules_mu_);
  rules_.store(compiled.get(), std::memory_order_release);
  all_rules_.push_back(std::move(compiled));
}

void CacheControl::OnChange(const sources::StateChange& change) {
  if (change.change >= sources::kChangeCount) return;
  const CompiledRules& compiled = rules();
  const std::vector<std::size_t>& refresh = compiled.refresh[change.change];
  const bool drop = compiled.drop_task[change.change] && !change.task_id.empty();
  if (refresh.empty() && !drop) return;
  triggers_[change.change].fetch_add(1, std::memory_order_relaxed);
  for (const std::size_t category : refresh) {
    RequestRefresh(category, change.change, compiled.min_refresh_interval);
  }
  if (drop && DropTask(change.task_id)) Count(kTaskCategory, change.change, kDropped, 1);
}

// The task's key ("task:<id>", sources::ViewKey) built on the stack: most finished tasks were
// never read, and this runs for each of them on the event thread. An id no read could have
// used (ValidTaskId) has no entry.
bool CacheControl::DropTask(std::string_view task_id) {
  if (!sources::ValidTaskId(task_id)) return false;
  const std::string_view prefix = sources::SpecOf(sources::View::kTask).key;
  std::array<char, 256> buffer;
  static_assert(256 > 155 + 16, "room for the longest valid id");
  char* end = std::copy(prefix.begin(), prefix.end(), buffer.data());
  *end++ = ':';
  end = std::copy(task_id.begin(), task_id.end(), end);
  return views_.DropKey(kTaskCategory, std::string_view(buffer.data(), end - buffer.data()));
}

// The first request after a quiet interval refreshes at once; later ones within the interval
// fold into one refresh scheduled for the interval's end, so a burst costs at most one
// refresh per interval and the last change of it is never left out.
void CacheControl::RequestRefresh(std::size_t category, std::size_t cause,
                                  std::chrono::milliseconds min_interval) {
  Gate& gate = gates_[category];
  base::Duration delay{};
  {
    base::MutexLock lock(gate.mu);
    if (gate.scheduled) {
      Count(category, cause, kCoalesced, 1);
      return;
    }
    const base::TimePoint now = clock_.Now();
    const base::TimePoint next = gate.last_start + min_interval;
    if (gate.started && now < next) {
      gate.scheduled = true;
      gate.scheduled_cause = cause;
      delay = next - now;
    } else {
      gate.started = true;
      gate.last_start = now;
    }
  }
  if (delay > base::Duration::zero()) {
    ScheduleRefresh(category, delay);
  } else {
    Refresh(category, cause);
  }
}

void CacheControl::ScheduleRefresh(std::size_t category, base::Duration delay) {
  auto timer = std::make_shared<boost::asio::steady_timer>(
      executor_, std::chrono::duration_cast<boost::asio::steady_timer::duration>(delay));
  timer->async_wait([weak = weak_from_this(), timer, category](boost::system::error_code error) {
    const auto self = weak.lock();
    if (!self) return;
    if (error) {  // nothing cancels it today; should something, the gate must not stay shut
      base::MutexLock lock(self->gates_[category].mu);
      self->gates_[category].scheduled = false;
      return;
    }
    self->RunScheduledRefresh(category);
  });
}

void CacheControl::RunScheduledRefresh(std::size_t category) {
  Gate& gate = gates_[category];
  std::size_t cause = 0;
  {
    base::MutexLock lock(gate.mu);
    gate.scheduled = false;
    gate.last_start = clock_.Now();
    cause = gate.scheduled_cause;
  }
  Refresh(category, cause);
}

void CacheControl::Refresh(std::size_t category, std::size_t cause) {
  const ViewService::Refreshed refreshed = views_.RefreshStored(category);
  spdlog::debug("{}: {} refreshes {} ({} loads, {} of them superseding a running one)",
                views_.source(), CauseName(cause), sources::kCategories[category].name,
                refreshed.loads, refreshed.superseded);
  Count(category, cause, kRefreshes, refreshed.loads);
}

void CacheControl::Count(std::size_t category, std::size_t cause, Counter counter,
                         std::uint64_t n) {
  if (n != 0) counts_[category][cause][counter].fetch_add(n, std::memory_order_relaxed);
}

std::optional<std::vector<std::size_t>> CacheControl::Select(
    std::optional<std::string_view> cache_name) {
  std::vector<std::size_t> categories;
  if (!cache_name) {
    for (std::size_t i = 0; i < kCategoryCount; ++i) categories.push_back(i);
    return categories;
  }
  const auto category = ViewService::CategoryNamed(*cache_name);
  if (!category) return std::nullopt;
  categories.push_back(*category);
  return categories;
}

std::optional<WarmReport> CacheControl::Warm(std::optional<std::string_view> cache_name) {
  const auto categories = Select(cache_name);
  if (!categories) return std::nullopt;
  triggers_[kWarmCause].fetch_add(1, std::memory_order_relaxed);
  WarmReport report;
  for (const std::size_t category : *categories) {
    const std::string name(sources::kCategories[category].name);
    std::vector<std::string>& started = report.started[name];
    std::vector<std::string>& joined = report.joined[name];
    for (auto& [key, now] : views_.WarmCategory(category)) {
      (now ? started : joined).push_back(std::move(key));
    }
    Count(category, kWarmCause, kRefreshes, started.size());
    Count(category, kWarmCause, kCoalesced, joined.size());
  }
  return report;
}

std::optional<DropReport> CacheControl::Invalidate(std::optional<std::string_view> cache_name,
                                                   std::optional<std::string_view> pattern) {
  const auto categories = Select(cache_name);
  if (!categories) return std::nullopt;
  const std::size_t cause = pattern ? kInvalidatePatternCause : kInvalidateCause;
  triggers_[cause].fetch_add(1, std::memory_order_relaxed);
  DropReport report;
  for (const std::size_t category : *categories) {
    const std::size_t n =
        pattern ? views_.DropMatching(category, *pattern) : views_.DropAll(category);
    Count(category, cause, kDropped, n);
    report[std::string(sources::kCategories[category].name)] = n;
  }
  return report;
}

CacheControlStats CacheControl::Stats() const {
  CacheControlStats stats;
  const CompiledRules& compiled = rules();
  stats.min_refresh_interval = compiled.min_refresh_interval;
  for (std::size_t cause = 0; cause < kCauseCount; ++cause) {
    stats.triggers[cause] = triggers_[cause].load(std::memory_order_relaxed);
    stats.configured[cause] =
        cause >= sources::kChangeCount ||
        !compiled.refresh[cause].empty() || compiled.drop_task[cause];
    for (std::size_t category = 0; category < kCategoryCount; ++category) {
      const auto& c = counts_[category][cause];
      stats.by_cache[category][cause] = ControlCounts{c[kRefreshes].load(std::memory_order_relaxed),
                                                      c[kCoalesced].load(std::memory_order_relaxed),
                                                      c[kDropped].load(std::memory_order_relaxed)};
    }
  }
  return stats;
}

}  // namespace queuemon::api
