// Celery task events end to end (issue 13): real workers with events on (-E) and clients with
// task_send_sent_event, the real queuemond. Tasks that succeed, fail with two exception types,
// retry, are revoked and are rejected; every celery-exporter counter and histogram count on
// /metrics equals what Celery's semantics make of what the test submitted, exactly; promtool
// accepts the exposition; the task table endpoints show the same tasks; bad filters get 400s.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/eventually.h"

namespace queuemon::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Eventually;

// The sum of the samples of `series` (a metric name, e.g. "celery_task_failed_total") whose
// labels include every pair of `labels` (`name="tasks.add"`, ...). Label sets the test does
// not pin (hostname, queue_name) are summed over.
double SumOf(const std::string& text, const std::string& series,
             const std::vector<std::string>& labels) {
  double sum = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(series + "{")) continue;
    const auto close = line.rfind('}');
    const std::string set = line.substr(series.size(), close + 1 - series.size());
    bool all = true;
    for (const std::string& label : labels) all = all && set.find(label) != std::string::npos;
    if (all) sum += std::strtod(line.c_str() + close + 2, nullptr);
  }
  return sum;
}

std::string NameLabel(const std::string& task) { return "name=\"tasks." + task + "\""; }

class TaskEventsTest : public SharedEnvironmentTest<TaskEventsTest> {
 public:  // read by SharedEnvironmentTest
  // Views of the task table fresh within 0.2 s; a static label and bounded names as configured.
  static constexpr const char* kCachesJson = R"({"task_status": {"ttl_seconds": 0.2}})";
  static constexpr const char* kLogName = "e2e_task_events_logs";
  static constexpr const char* kSourceExtraJson =
      R"("task_events": {"static_labels": {"env": "e2e"}, "max_task_names": 50})";

 protected:
  static std::string Metrics() {
    const auto response = Daemon().Get("/metrics");
    return response && response->status == 200 ? response->body : std::string();
  }
  static json Api(const std::string& path) { return Json(Daemon().Get(std::string(kApi) + path)); }
  // Waits until `series` summed over `labels` reaches `want` (then it must stay exactly that).
  static bool Reaches(const std::string& series, const std::vector<std::string>& labels, double want) {
    return Eventually([&] { return SumOf(Metrics(), series, labels) >= want; }, 30s, 100ms);
  }
  static std::string Result(const std::string& id) {
    const auto run = env_->workers.Ctl({"result", id, "--timeout", "20"});
    return run.output.substr(0, run.output.find('\n'));
  }
};

// The suite's workers are w1@qm and w2@qm (e2e_support.h).
bool OneOfTheWorkers(const std::string& node) { return node == "w1@qm" || node == "w2@qm"; }

// What Celery makes of each submission (worker/strategy.py, worker/request.py, app/trace.py):
//   add x5            sent, received, started, succeeded          (runtime observed)
//   fail x3           sent, received, started, failed ValueError
//   fail_key x2       sent, received, started, failed KeyError
//   retry_once x2     sent, received, started, retried; the retry is sent again by the worker
//                     (a second task-sent), received, started, succeeded
//   rejected x1       sent, received, started, rejected
//   revoked x1        revoked before it was sent: sent, then revoked on receipt (no received)
TEST_F(TaskEventsTest, EveryCounterAndHistogramCountEqualsWhatWasSubmitted) {
  auto& workers = env_->workers;
  workers.Send("add", Send("[1, 2]", "", {}, 5));
  workers.Send("fail", Send("[]", "", {}, 3));
  workers.Send("fail_key", Send("[]", "", {}, 2));
  const std::vector<std::string> retries = workers.Send("retry_once", Send("[]", "", {}, 2));
  workers.Send("rejected");
  const std::string revoked_id = "revoked-before-sent-1";
  ASSERT_EQ(workers.Ctl({"revoke", revoked_id}).exit_code, 0);
  ASSERT_EQ(workers.Ctl({"send", "add", "--args", "[0, 0]", "--task-id", revoked_id}).exit_code, 0);
  for (const std::string& id : retries) EXPECT_EQ(Result(id), "SUCCESS");

  const std::string total = "celery_task_";
  ASSERT_TRUE(Reaches(total + "succeeded_total", {NameLabel("add")}, 5));
  ASSERT_TRUE(Reaches(total + "succeeded_total", {NameLabel("retry_once")}, 2));
  ASSERT_TRUE(Reaches(total + "failed_total", {NameLabel("fail")}, 3));
  ASSERT_TRUE(Reaches(total + "failed_total", {NameLabel("fail_key")}, 2));
  ASSERT_TRUE(Reaches(total + "rejected_total", {NameLabel("rejected")}, 1));
  ASSERT_TRUE(Reaches(total + "revoked_total", {NameLabel("add")}, 1));
  ASSERT_TRUE(Reaches(total + "sent_total", {NameLabel("retry_once")}, 4));
  const std::string text = Metrics();

  struct Want {
    const char* task;
    double sent, received, started, succeeded, failed, retried, rejected, revoked;
  };
  for (const Want& w : {Want{"add", 6, 5, 5, 5, 0, 0, 0, 1}, Want{"fail", 3, 3, 3, 0, 3, 0, 0, 0},
                        Want{"fail_key", 2, 2, 2, 0, 2, 0, 0, 0},
                        Want{"retry_once", 4, 4, 4, 2, 0, 2, 0, 0},
                        Want{"rejected", 1, 1, 1, 0, 0, 0, 1, 0}}) {
    const std::vector<std::string> of = {NameLabel(w.task), "env=\"e2e\"", "source=\"celery\""};
    EXPECT_EQ(SumOf(text, total + "sent_total", of), w.sent) << w.task;
    EXPECT_EQ(SumOf(text, total + "received_total", of), w.received) << w.task;
    EXPECT_EQ(SumOf(text, total + "started_total", of), w.started) << w.task;
    EXPECT_EQ(SumOf(text, total + "succeeded_total", of), w.succeeded) << w.task;
    EXPECT_EQ(SumOf(text, total + "failed_total", of), w.failed) << w.task;
    EXPECT_EQ(SumOf(text, total + "retried_total", of), w.retried) << w.task;
    EXPECT_EQ(SumOf(text, total + "rejected_total", of), w.rejected) << w.task;
    EXPECT_EQ(SumOf(text, total + "revoked_total", of), w.revoked) << w.task;
    // One runtime observation per success; one queue wait per task that started (a retried
    // task keeps its id: its wait is the first one).
    EXPECT_EQ(SumOf(text, "celery_task_runtime_count", of), w.succeeded) << w.task;
    EXPECT_EQ(SumOf(text, "celery_task_runtime_bucket", {NameLabel(w.task), "le=\"+Inf\""}),
              w.succeeded) << w.task;
  }
  EXPECT_EQ(SumOf(text, "celery_task_queue_wait_time_count", {NameLabel("add")}), 5);
  EXPECT_EQ(SumOf(text, "celery_task_queue_wait_time_count", {NameLabel("fail")}), 3);
  EXPECT_EQ(SumOf(text, "celery_task_queue_wait_time_count", {NameLabel("retry_once")}), 2);
  EXPECT_EQ(SumOf(text, total + "failed_total", {NameLabel("fail"), "exception=\"ValueError\""}), 3);
  EXPECT_EQ(SumOf(text, total + "failed_total", {NameLabel("fail_key"), "exception=\"KeyError\""}), 2);
  // Worker-side series carry the host part of "w1@qm"; every counter of such a label set
  // exists (failed with exception="" at 0), as celery-exporter creates them.
  EXPECT_TRUE(MetricValue(text, R"(celery_task_failed_total{source="celery",name="tasks.add",hostname="qm",queue_name="celery",exception="",env="e2e"})"))
      << text.substr(0, 4000);
  EXPECT_EQ(SumOf(text, "queuemon_events_malformed_total", {}), 0);
  EXPECT_EQ(SumOf(text, "queuemon_event_subscription_resets_total", {}), 0);
  EXPECT_GE(SumOf(text, "queuemon_events_received_total", {}), 6 + 5 * 3 + 3 * 4);
}

TEST_F(TaskEventsTest, PromtoolAcceptsTheExposition) {
  env_->workers.Send("fail");
  ASSERT_TRUE(Reaches("celery_task_failed_total", {NameLabel("fail")}, 1));
  EXPECT_EQ(testing::PromtoolProblems(Metrics()), "");
}

TEST_F(TaskEventsTest, TheTaskTableShowsTheSameTasks) {
  auto& workers = env_->workers;
  const std::vector<std::string> fails = workers.Send("fail_key", Send("[]", "", {}, 2));
  const std::vector<std::string> adds = workers.Send("add", Send("[2, 3]", "", {}, 2));
  for (const std::string& id : adds) ASSERT_EQ(Result(id), "SUCCESS");
  for (const std::string& id : fails) ASSERT_EQ(Result(id), "FAILURE");

  json failed;
  ASSERT_TRUE(Eventually([&] {
    failed = Api("/tasks/recent?state=failure&name=tasks.fail_key&limit=1000");
    return failed.value("total", 0) >= 2;
  }, 20s, 100ms)) << failed.dump();
  std::set<std::string> ids;
  for (const json& t : failed["tasks"]) {
    ids.insert(t.value("id", ""));
    EXPECT_EQ(t.value("state", ""), "FAILURE");
    EXPECT_TRUE(OneOfTheWorkers(t.value("worker", ""))) << t.dump();
    EXPECT_EQ(t.value("exception", "").rfind("KeyError", 0), 0u) << t.dump();
    EXPECT_NE(t.value("traceback", "").find("KeyError"), std::string::npos);
    EXPECT_TRUE(t["args"].is_null()) << "keep_task_args is false by default";
    EXPECT_TRUE(t["times"].contains("started")) << t.dump();
  }
  for (const std::string& id : fails) EXPECT_TRUE(ids.count(id)) << id;

  const json one = Api("/tasks/recent?worker=qm&limit=1");
  EXPECT_EQ(one["tasks"].size(), 1u) << one.dump();
  const json stats = Api("/tasks/stats");
  bool found = false;
  for (const json& s : stats["tasks"]) {
    if (s.value("name", "") != "tasks.add") continue;
    found = true;
    EXPECT_GE(s["states"].value("SUCCESS", 0), 2) << s.dump();
    EXPECT_GE(s.value("succeeded", 0), 2);
    EXPECT_TRUE(s["runtime_p50"].is_number()) << s.dump();
    EXPECT_TRUE(s["runtime_p99"].is_number());
  }
  EXPECT_TRUE(found) << stats.dump();
  // The result backend knows the finished task; the one-task view keeps its shape.
  const json done = Api("/tasks/" + adds[0]);
  EXPECT_EQ(done.value("state", ""), "SUCCESS") << done.dump();
}

TEST_F(TaskEventsTest, ATaskRunningNowShowsItsLiveStateInsteadOfPending) {
  const std::string release = ::testing::TempDir() + "/task-events-release";
  std::filesystem::remove(release);
  const std::string id = env_->workers.Send("held", Send("[\"" + release + "\", 30]"))[0];
  json view;
  EXPECT_TRUE(Eventually([&] {
    view = Api("/tasks/" + id + "?use_cache=false");
    return view.value("state", "") == "STARTED";
  }, 20s, 100ms)) << view.dump();
  EXPECT_TRUE(OneOfTheWorkers(view.value("worker", ""))) << view.dump();
  std::ofstream(release) << "go";
  EXPECT_EQ(Result(id), "SUCCESS");
  std::filesystem::remove(release);
}

TEST_F(TaskEventsTest, BadFiltersGet400NamingTheParameter) {
  for (const auto& [query, parameter] :
       std::vector<std::pair<std::string, std::string>>{{"state=DONE", "state"},
                                                        {"limit=0", "limit"},
                                                        {"limit=abc", "limit"},
                                                        {"limit=1001", "limit"},
                                                        {"offset=-1", "offset"},
                                                        {"name=", "name"}}) {
    const auto response = Daemon().Get(std::string(kApi) + "/tasks/recent?" + query);
    ASSERT_EQ(Status(response), 400) << query;
    const json body = Json(response);
    EXPECT_NE(body.value("detail", body.dump()).find("'" + parameter + "'"), std::string::npos)
        << query << ": " << body.dump();
  }
}

// A flood of real-shaped events (bench/events/event_gen.py: 20 task names, 10% failures) into a
// daemon with a 1 MiB task table and 5 task names: nothing is lost, every event is counted
// exactly once (the overflow name takes the names past the bound), the table keeps its budget
// by evicting, and the label sets stay bounded. Its own daemon, on db 1 (its own channels).
TEST_F(TaskEventsTest, AFloodKeepsTheByteBudgetAndTheCardinalityBound) {
  testing::QueuemondConfig config;
  config.broker_url = env_->redis.url(1);
  config.source_extra_json =
      R"("task_events": {"task_table_bytes": 1048576, "max_task_names": 5})";
  testing::QueuemondProcess daemon(config);
  ASSERT_TRUE(daemon.WaitReady()) << daemon.log();
  const char* source_dir = std::getenv("QUEUEMON_SOURCE_DIR");  // set by ctest
  ASSERT_NE(source_dir, nullptr) << "run through ctest, or set QUEUEMON_SOURCE_DIR";
  const std::string generator = std::string(source_dir) + "/bench/events/event_gen.py";
  const auto run = testing::RunProcess(
      testing::ProcessSpec{{"/usr/bin/python3", generator, "--url", env_->redis.url(1), "--rate",
                            "10000", "--seconds", "3", "--task-names", "20", "--workers", "2",
                            "--fail-ratio", "0.1"},
                           {}, "", ""},
      60s);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::string last_line = run.output.substr(0, run.output.find_last_not_of('\n') + 1);
  last_line = last_line.substr(last_line.rfind('\n') + 1);  // npos + 1 == 0: the whole output
  const json published = json::parse(last_line);
  const double events = published.at("events").get<double>();
  const double heartbeats = published.at("by_type").value("worker-heartbeat", 0.0);
  ASSERT_GT(events, 10000);

  auto metrics = [&] { return daemon.Get("/metrics")->body; };
  ASSERT_TRUE(Eventually([&] {
    return SumOf(metrics(), "queuemon_events_received_total", {}) >= events + heartbeats;
  }, 30s, 100ms)) << SumOf(metrics(), "queuemon_events_received_total", {}) << " of " << events;
  const std::string text = metrics();
  EXPECT_EQ(SumOf(text, "queuemon_events_received_total", {}), events + heartbeats);
  EXPECT_EQ(SumOf(text, "queuemon_event_subscription_resets_total", {}), 0);
  double counted = 0;
  for (const char* stem : {"sent", "received", "started", "succeeded", "failed"}) {
    counted += SumOf(text, std::string("celery_task_") + stem + "_total", {});
  }
  EXPECT_EQ(counted, events) << "every task event counted once";
  EXPECT_GT(SumOf(text, "queuemon_task_names_overflowed_total", {}), 0);
  std::set<std::string> names;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("celery_task_received_total{")) continue;
    const auto at = line.find("name=\"");
    names.insert(line.substr(at + 6, line.find('"', at + 6) - at - 6));
  }
  EXPECT_LE(names.size(), 6u) << "5 names and __overflow__";
  EXPECT_TRUE(names.count("__overflow__"));
  EXPECT_LE(SumOf(text, "queuemon_task_table_bytes", {}), 1048576);
  EXPECT_GT(SumOf(text, "queuemon_task_table_evictions_total", {}), 0);
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace queuemon::e2e
