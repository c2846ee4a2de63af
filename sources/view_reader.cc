// The views' JSON (typed_views.cc's JsonOf) read back. Each struct has one Read that lists its
// members in JsonOf's terms (always written, null when unset, written only when set or
// non-empty), and Fields refuses an object with any member left unread: what is accepted is
// what Serialize can write back. nlohmann without exceptions: parse(..., false), and every
// get<>() behind an is_*() check that makes it unable to throw.
#include "sources/view_reader.h"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace queuemon::sources {
namespace {

using nlohmann::json;

// One JSON value into one field; false if it is not of the JSON type Serialize writes there.
// Declared up front: the templates below find the overloads by ordinary lookup only (ADL does
// not reach an unnamed namespace).
bool Read(const json& j, std::string& out);
bool Read(const json& j, bool& out);
bool Read(const json& j, std::int64_t& out);
bool Read(const json& j, double& out);
bool Read(const json& j, std::map<std::string, std::int64_t>& out);
bool Read(const json& j, std::map<int, std::int64_t>& out);
template <typename T>
bool Read(const json& j, std::vector<T>& out);
bool Read(const json& j, WorkerInfo& out);
bool Read(const json& j, QueueInfo& out);
bool Read(const json& j, TaskBrief& out);
bool Read(const json& j, WorkerTasks& out);

// The members of one JSON object read into a struct's fields; remembers the first mismatch.
// Complete() is true only if the value is an object, every member read matched, and no member
// was left unread (one the struct has no field for, or one in a place JsonOf never puts it).
class Fields final {
 public:
  explicit Fields(const json& object) : object_(object), ok_(object.is_object()) {}

  bool Has(const char* key) const { return ok_ && object_.contains(key); }

  // A member JsonOf always writes.
  template <typename T>
  void Required(const char* key, T& out) {
    const json* value = Find(key);
    ok_ = value != nullptr && Read(*value, out);
  }
  // A member JsonOf always writes, as null when unset (Opt).
  template <typename T>
  void Nullable(const char* key, std::optional<T>& out) {
    const json* value = Find(key);
    ok_ = value != nullptr && (value->is_null() || Read(*value, out.emplace()));
  }
  // A member JsonOf writes only when set (PutIfSet): absent is unset.
  template <typename T>
  void IfSet(const char* key, std::optional<T>& out) {
    const json* value = Find(key);
    if (value != nullptr) ok_ = Read(*value, out.emplace());
  }
  // A member JsonOf writes only when non-empty (PutIfAny): absent is empty, present is not.
  template <typename Map>
  void IfAny(const char* key, Map& out) {
    const json* value = Find(key);
    if (value != nullptr) ok_ = Read(*value, out) && !out.empty();
  }

  bool Complete() const { return ok_ && read_ == object_.size(); }

 private:
  // The member `key`, counted as read; nullptr if it is absent or a mismatch came before.
  const json* Find(const char* key) {
    if (!ok_) return nullptr;
    const auto it = object_.find(key);
    if (it == object_.end()) return nullptr;
    ++read_;
    return &*it;
  }

  const json& object_;
  bool ok_;
  std::size_t read_ = 0;
};

bool Read(const json& j, std::string& out) {
  if (!j.is_string()) return false;
  out = j.get_ref<const std::string&>();
  return true;
}

bool Read(const json& j, bool& out) {
  if (!j.is_boolean()) return false;
  out = j.get<bool>();
  return true;
}

// JsonOf writes an int64 as an integer; the parser keeps a non-negative one as unsigned.
bool Read(const json& j, std::int64_t& out) {
  if (!j.is_number_integer()) return false;  // true for unsigned too; false for 1.0
  if (j.is_number_unsigned() &&
      j.get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return false;
  }
  out = j.get<std::int64_t>();
  return true;
}

// nlohmann writes a NaN or an infinity as null; NaN is written back as null.
bool Read(const json& j, double& out) {
  if (j.is_null()) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (!j.is_number()) return false;
  out = j.get<double>();
  return true;
}

bool Read(const json& j, std::map<std::string, std::int64_t>& out) {
  if (!j.is_object()) return false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!Read(*it, out[it.key()])) return false;
  }
  return true;
}

// by_priority: the steps are written with std::to_string, so a key reads only if it is exactly
// what to_string gives back ("3", "-1"; not "03", "+3" or " 3").
bool Read(const json& j, std::map<int, std::int64_t>& out) {
  if (!j.is_object()) return false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    int step = 0;
    const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), step);
    if (error != std::errc() || end != key.data() + key.size() || std::to_string(step) != key) {
      return false;
    }
    if (!Read(*it, out[step])) return false;
  }
  return true;
}

template <typename T>
bool Read(const json& j, std::vector<T>& out) {
  if (!j.is_array()) return false;
  out.resize(j.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!Read(j[i], out[i])) return false;
  }
  return true;
}

bool Read(const json& j, WorkerInfo& w) {
  Fields f(j);
  f.Required("hostname", w.hostname);
  f.Required("status", w.status);
  f.Nullable("last_heartbeat", w.last_heartbeat);
  f.Nullable("heartbeat_freq", w.heartbeat_freq);
  f.Nullable("active", w.active);
  f.Nullable("processed", w.processed);
  f.Required("loadavg", w.loadavg);
  f.Required("pool", w.pool);
  f.Nullable("concurrency", w.concurrency);
  f.Required("queues", w.queues);
  f.Nullable("pid", w.pid);
  f.Required("sw_ident", w.sw_ident);
  f.Required("sw_ver", w.sw_ver);
  f.Required("sw_sys", w.sw_sys);
  f.Nullable("uptime", w.uptime);
  f.Nullable("prefetch_count", w.prefetch_count);
  f.IfSet("state", w.state);
  f.IfSet("failed", w.failed);
  f.IfSet("total_working_time", w.total_working_time);
  if (w.state) f.Required("current_jobs", w.current_jobs);  // written exactly when state is
  return f.Complete();
}

// A filtered answer's page: PutPage writes its three members together, or none of them.
void ReadPage(Fields& f, std::optional<ViewPage>& page) {
  if (!f.Has("matched")) return;
  ViewPage& p = page.emplace();
  f.Required("matched", p.matched);
  f.Nullable("limit", p.limit);
  f.Required("offset", p.offset);
}

bool Read(const json& j, WorkersView& v) {
  Fields f(j);
  f.Required("timestamp", v.timestamp);
  f.Required("workers", v.workers);
  f.Required("online", v.online);
  f.Required("offline", v.offline);
  f.Required("unknown", v.unknown);
  ReadPage(f, v.page);
  return f.Complete();
}

bool Read(const json& j, QueueInfo& q) {
  Fields f(j);
  f.Required("name", q.name);
  f.Required("messages", q.messages);
  f.Required("by_priority", q.by_priority);
  f.Required("consumers", q.consumers);
  f.Nullable("unacked", q.unacked);
  f.IfSet("oldest_job_age", q.oldest_job_age);
  f.IfSet("paused", q.paused);
  f.IfAny("jobs", q.jobs);
  return f.Complete();
}

bool Read(const json& j, QueuesView& v) {
  Fields f(j);
  f.Required("timestamp", v.timestamp);
  f.Required("queues", v.queues);
  f.Required("total_messages", v.total_messages);
  f.Required("unacked_total", v.unacked_total);
  f.IfAny("jobs", v.jobs);
  f.IfSet("processed_total", v.processed_total);
  f.IfSet("failed_total", v.failed_total);
  ReadPage(f, v.page);
  return f.Complete();
}

bool Read(const json& j, TaskBrief& t) {
  Fields f(j);
  f.Required("id", t.id);
  f.Required("name", t.name);
  f.Required("args", t.args);
  f.Required("kwargs", t.kwargs);
  f.Nullable("time_start", t.time_start);
  f.Nullable("eta", t.eta);
  f.Nullable("worker_pid", t.worker_pid);
  f.Required("acknowledged", t.acknowledged);
  f.Required("routing_key", t.routing_key);
  f.Nullable("priority", t.priority);
  return f.Complete();
}

bool Read(const json& j, WorkerTasks& w) {
  Fields f(j);
  f.Required("hostname", w.hostname);
  f.Required("active", w.active);
  f.Required("reserved", w.reserved);
  f.Required("scheduled", w.scheduled);
  return f.Complete();
}

bool Read(const json& j, TasksView& v) {
  Fields f(j);
  f.Required("timestamp", v.timestamp);
  f.Required("workers", v.workers);
  f.Required("active", v.active);
  f.Required("reserved", v.reserved);
  f.Required("scheduled", v.scheduled);
  return f.Complete();
}

bool Read(const json& j, SummaryView& v) {
  Fields f(j);
  f.Required("timestamp", v.timestamp);
  f.Required("workers_online", v.workers_online);
  f.Required("workers_offline", v.workers_offline);
  f.Required("tasks_active", v.tasks_active);
  f.Required("tasks_reserved", v.tasks_reserved);
  f.Required("tasks_scheduled", v.tasks_scheduled);
  f.Required("queued_messages", v.queued_messages);
  f.Required("unacked_messages", v.unacked_messages);
  f.Required("processed", v.processed);
  f.Required("queues", v.queues);
  f.IfAny("jobs", v.jobs);
  return f.Complete();
}

bool Read(const json& j, HealthView& v) {
  Fields f(j);
  f.Required("timestamp", v.timestamp);
  f.Required("broker_reachable", v.broker_reachable);
  f.Required("broker_rtt_ms", v.broker_rtt_ms);
  f.Required("workers_answering", v.workers_answering);
  f.Required("workers_online", v.workers_online);
  f.Required("status", v.status);
  return f.Complete();
}

template <typename T>
ViewData ReadAs(const json& j) {
  T view;
  if (!Read(j, view)) return std::monostate{};
  return view;
}

}  // namespace

ViewData ReadViewBody(View view, std::string_view body) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::monostate{};
  switch (view) {
    case View::kWorkers:
      return ReadAs<WorkersView>(j);
    case View::kQueues:
      return ReadAs<QueuesView>(j);
    case View::kTasks:
      return ReadAs<TasksView>(j);
    case View::kSummary:
      return ReadAs<SummaryView>(j);
    case View::kHealth:
      return ReadAs<HealthView>(j);
    case View::kRecentTasks:
    case View::kTaskStats:
    case View::kTask:
      break;  // not read back (see the header)
  }
  return std::monostate{};
}

}  // namespace queuemon::sources
