// ReadViewBody: a body that is not the view's JSON, as Serialize writes it, reads as
// std::monostate, and so does every view it does not read.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "sources/view_reader.h"
#include "tests/sources/sample_views.h"

namespace queuemon::sources {
namespace {

using nlohmann::json;
using samples::CeleryQueue;
using samples::CeleryWorker;
using samples::RqWorker;
using samples::SidekiqQueue;
using samples::Task;

// v's body after `edit`, read as `view`.
template <typename T>
bool EditedBodyReads(View view, const T& v, const std::function<void(json&)>& edit) {
  json j = json::parse(Serialize(v).body);
  edit(j);
  return !std::holds_alternative<std::monostate>(ReadViewBody(view, j.dump()));
}

TEST(ViewReaderTest, BodyThatIsNotJsonGivesMonostate) {
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ReadViewBody(View::kWorkers, "")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ReadViewBody(View::kHealth, "{\"status\":")));
  const std::string body = Serialize(HealthView{}).body;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      ReadViewBody(View::kHealth, body.substr(0, body.size() - 1))));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ReadViewBody(View::kHealth, body + "x")));
}

TEST(ViewReaderTest, JsonThatIsNotAnObjectGivesMonostate) {
  for (const char* body : {"[]", "[{}]", "null", "1", "\"workers\""}) {
    EXPECT_TRUE(std::holds_alternative<std::monostate>(ReadViewBody(View::kWorkers, body))) << body;
  }
}

TEST(ViewReaderTest, MemberOfTheWrongTypeGivesMonostate) {
  WorkersView workers;
  workers.workers = {RqWorker()};
  const auto set = [](const char* pointer, json value) {
    return [=](json& j) { j[json::json_pointer(pointer)] = value; };
  };
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers, set("/workers/0/pid", "77")));
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers, set("/workers/0/pid", 77.0)));
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers, set("/workers/0/state", nullptr)));
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers, set("/workers/0/loadavg", 1.0)));
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers, set("/online", true)));
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers, set("/workers", json::object())));
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers,
                               set("/online", std::numeric_limits<std::uint64_t>::max())));
  HealthView health;
  EXPECT_FALSE(EditedBodyReads(View::kHealth, health, set("/broker_reachable", 1)));
  EXPECT_FALSE(EditedBodyReads(View::kHealth, health, set("/timestamp", "now")));
  // The edit itself is well formed: the same value of the right type reads.
  EXPECT_TRUE(EditedBodyReads(View::kWorkers, workers, set("/workers/0/pid", 78)));
}

// Every leaf of v's body, replaced by an object (a type no leaf has), makes it unreadable.
template <typename T>
void ExpectEveryLeafToBeTyped(View view, const T& v) {
  const json leaves = json::parse(Serialize(v).body).flatten();
  for (auto it = leaves.begin(); it != leaves.end(); ++it) {
    const json::json_pointer pointer(it.key());
    EXPECT_FALSE(EditedBodyReads(view, v, [&](json& j) {
      j[pointer] = json{{"x", 1}};
    })) << it.key();
  }
}

TEST(ViewReaderTest, EveryLeafOfTheWrongTypeGivesMonostate) {
  WorkersView workers;
  workers.workers = {CeleryWorker(), RqWorker(), WorkerInfo{}};
  workers.page = ViewPage{.matched = 3, .limit = std::nullopt, .offset = 0};
  ExpectEveryLeafToBeTyped(View::kWorkers, workers);
  QueuesView queues;
  queues.queues = {SidekiqQueue(), CeleryQueue()};
  queues.jobs = {{"failed", 1}};
  queues.processed_total = 1;
  queues.failed_total = 1;
  queues.page = ViewPage{.matched = 2, .limit = 10, .offset = 0};
  ExpectEveryLeafToBeTyped(View::kQueues, queues);
  TaskBrief task = Task("t");
  task.eta = "2026-01-01T00:00:00+00:00";
  task.time_start = 1;
  task.priority = 1;
  TasksView tasks;
  tasks.workers = {
      WorkerTasks{.hostname = "h", .active = {task}, .reserved = {Task("r")}, .scheduled = {}}};
  ExpectEveryLeafToBeTyped(View::kTasks, tasks);
  SummaryView summary;
  summary.jobs = {{"queued", 1}};
  ExpectEveryLeafToBeTyped(View::kSummary, summary);
  ExpectEveryLeafToBeTyped(View::kHealth, HealthView{});
}

TEST(ViewReaderTest, MissingRequiredMemberGivesMonostate) {
  WorkersView v;
  v.workers = {CeleryWorker()};  // every member of a Celery worker is always written
  const json body = json::parse(Serialize(v).body);
  for (const std::string& pointer : {std::string(""), std::string("/workers/0")}) {
    const json& object = body[json::json_pointer(pointer)];
    for (auto it = object.begin(); it != object.end(); ++it) {
      const std::string& key = it.key();
      EXPECT_FALSE(EditedBodyReads(View::kWorkers, v,
                                   [&](json& j) { j[json::json_pointer(pointer)].erase(key); }))
          << pointer << "/" << key;
    }
  }
}

TEST(ViewReaderTest, MemberSerializeNeverWritesGivesMonostate) {
  WorkersView workers;
  workers.workers = {CeleryWorker()};
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers, [](json& j) { j["extra"] = 1; }));
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers,  // current_jobs without state
                               [](json& j) { j["workers"][0]["current_jobs"] = json::array(); }));
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers,  // page members without matched
                               [](json& j) { j["offset"] = 0; }));
  EXPECT_FALSE(EditedBodyReads(View::kWorkers, workers, [](json& j) {
    j["matched"] = 1;  // and without offset
    j["limit"] = nullptr;
  }));
  SummaryView summary;
  EXPECT_FALSE(EditedBodyReads(View::kSummary, summary,  // written only when non-empty
                               [](json& j) { j["jobs"] = json::object(); }));
  QueuesView queues;
  queues.queues = {CeleryQueue()};
  for (const char* step : {"03", "+3", " 3", "3.0", "x", "", "-0", "99999999999"}) {
    EXPECT_FALSE(EditedBodyReads(View::kQueues, queues, [&](json& j) {
      j["queues"][0]["by_priority"][step] = 1;
    })) << step;
  }
}

TEST(ViewReaderTest, BodyOfAnotherViewGivesMonostate) {
  const std::string health = Serialize(HealthView{}).body;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ReadViewBody(View::kSummary, health)));
  const std::string workers = Serialize(WorkersView{}).body;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ReadViewBody(View::kTasks, workers)));
}

TEST(ViewReaderTest, UnsupportedViewsGiveMonostate) {
  TaskStatsView stats;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      ReadViewBody(View::kTaskStats, Serialize(stats).body)));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      ReadViewBody(View::kRecentTasks, Serialize(RecentTasksView{}).body)));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      ReadViewBody(View::kTask, Serialize(TaskResult{}).body)));
}

}  // namespace
}  // namespace queuemon::sources
