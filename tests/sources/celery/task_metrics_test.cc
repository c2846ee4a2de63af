// TaskMetrics: celery-exporter's families from task events, with a ManualClock: which series
// exist when, exact counts, histogram buckets, the name bound, the purge of silent hosts, and
// a rendering that is reused while nothing changes.
#include "sources/celery/task_metrics.h"

#include <gtest/gtest.h>

namespace queuemon::sources::celery {
namespace {

using std::chrono::minutes;

TaskEvent Event(TaskEventType type, const std::string& host = "w1@box") {
  TaskEvent e;
  e.type = type;
  e.uuid = "u";
  e.hostname = host;
  return e;
}

class TaskMetricsTest : public ::testing::Test {
 protected:
  static TaskMetricsOptions Options() {
    TaskMetricsOptions o;
    o.source = "celery";
    o.static_labels = {{"env", "prod"}};
    o.runtime_buckets = {0.1, 1};
    o.max_task_names = 2;
    o.purge_offline_after = minutes(10);
    return o;
  }
  // Every family's text, concatenated.
  std::string Text() {
    std::string all;
    for (const MetricFamily& f : *metrics_.Families()) all += f.samples;
    return all;
  }
  bool Has(const std::string& line) { return Text().find(line + "\n") != std::string::npos; }
  void Record(TaskEventType type, const std::string& name, const std::string& queue = "",
              const std::string& host = "w1@box") {
    metrics_.Record(Event(type, host), TaskFacts{name, queue, std::nullopt});
  }

  base::ManualClock clock_;
  TaskMetrics metrics_{Options(), clock_};
};

constexpr const char* kLabels = R"(source="celery",name="t.add",hostname="box",queue_name="celery")";

TEST_F(TaskMetricsTest, TaskSentCreatesOnlyItsOwnCounter) {
  Record(TaskEventType::kSent, "t.add", "celery", "gen1@client");
  EXPECT_TRUE(Has(R"(celery_task_sent_total{source="celery",name="t.add",hostname="client",queue_name="celery",env="prod"} 1)"));
  EXPECT_EQ(Text().find("celery_task_received_total"), std::string::npos) << Text();
}

TEST_F(TaskMetricsTest, AWorkerEventCreatesEveryCounterOfItsLabelSetAtZero) {
  Record(TaskEventType::kReceived, "t.add");
  const std::string l = kLabels;
  EXPECT_TRUE(Has("celery_task_received_total{" + l + ",env=\"prod\"} 1"));
  for (const char* stem : {"sent", "started", "succeeded", "rejected", "revoked", "retried"}) {
    EXPECT_TRUE(Has(std::string("celery_task_") + stem + "_total{" + l + ",env=\"prod\"} 0")) << stem;
  }
  EXPECT_TRUE(Has("celery_task_failed_total{" + l + ",exception=\"\",env=\"prod\"} 0"));
}

TEST_F(TaskMetricsTest, FailuresCountByExceptionClassAndRuntimesFillBuckets) {
  TaskEvent failed = Event(TaskEventType::kFailed);
  failed.exception = "ValueError('x')";
  metrics_.Record(failed, TaskFacts{"t.add", "", std::nullopt});
  metrics_.Record(failed, TaskFacts{"t.add", "", std::nullopt});
  TaskEvent ok = Event(TaskEventType::kSucceeded);
  for (double runtime : {0.05, 0.1, 0.5, 3.0}) {
    ok.runtime = runtime;
    metrics_.Record(ok, TaskFacts{"t.add", "", 2.0});
  }
  const std::string l = kLabels;
  EXPECT_TRUE(Has("celery_task_failed_total{" + l + ",exception=\"ValueError\",env=\"prod\"} 2"));
  EXPECT_TRUE(Has("celery_task_failed_total{" + l + ",exception=\"\",env=\"prod\"} 0"));
  EXPECT_TRUE(Has("celery_task_succeeded_total{" + l + ",env=\"prod\"} 4"));
  EXPECT_TRUE(Has("celery_task_runtime_bucket{" + l + ",le=\"0.1\",env=\"prod\"} 2"));  // le: <=
  EXPECT_TRUE(Has("celery_task_runtime_bucket{" + l + ",le=\"1.0\",env=\"prod\"} 3"));
  EXPECT_TRUE(Has("celery_task_runtime_bucket{" + l + ",le=\"+Inf\",env=\"prod\"} 4"));
  EXPECT_TRUE(Has("celery_task_runtime_count{" + l + ",env=\"prod\"} 4"));
  EXPECT_TRUE(Has("celery_task_runtime_sum{" + l + ",env=\"prod\"} 3.65"));
  EXPECT_TRUE(Has("celery_task_queue_wait_time_count{" + l + ",env=\"prod\"} 4"));
}

TEST_F(TaskMetricsTest, NamesPastTheBoundAreCountedUnderOneOverflowName) {
  Record(TaskEventType::kReceived, "a");
  Record(TaskEventType::kReceived, "b");
  Record(TaskEventType::kReceived, "c");
  Record(TaskEventType::kReceived, "d");
  Record(TaskEventType::kReceived, "a");
  EXPECT_EQ(metrics_.overflowed(), 2u);
  EXPECT_TRUE(Has(R"(celery_task_received_total{source="celery",name="__overflow__",hostname="box",queue_name="celery",env="prod"} 2)"));
  EXPECT_TRUE(Has(R"(celery_task_received_total{source="celery",name="a",hostname="box",queue_name="celery",env="prod"} 2)"));
}

TEST_F(TaskMetricsTest, ASilentHostLosesItsSeriesAfterThePurgeTime) {
  Record(TaskEventType::kReceived, "t.add", "", "w1@old");
  Record(TaskEventType::kReceived, "t.add", "", "w2@new");
  clock_.Advance(minutes(6));
  metrics_.Seen("w2@new");  // a heartbeat
  clock_.Advance(minutes(5));
  const std::string text = Text();
  EXPECT_EQ(text.find("hostname=\"old\""), std::string::npos) << text;
  EXPECT_NE(text.find("hostname=\"new\""), std::string::npos);
  EXPECT_EQ(metrics_.series(), 1u);
}

TEST_F(TaskMetricsTest, TheRenderingIsReusedUntilSomethingChanges) {
  Record(TaskEventType::kReceived, "t.add");
  const auto first = metrics_.Families();
  EXPECT_EQ(metrics_.Families(), first) << "nothing changed: the same text";
  Record(TaskEventType::kStarted, "t.add");
  EXPECT_NE(metrics_.Families(), first);
}

TEST_F(TaskMetricsTest, GenericHostnamesReplaceTheHostWhenConfigured) {
  TaskMetricsOptions o = Options();
  o.generic_hostname_task_sent = true;
  o.generic_hostname_worker_tasks = true;
  TaskMetrics generic(o, clock_);
  generic.Record(Event(TaskEventType::kSent, "gen7@client"), TaskFacts{"t", "q", std::nullopt});
  generic.Record(Event(TaskEventType::kStarted), TaskFacts{"t", "q", std::nullopt});
  std::string text;
  for (const MetricFamily& f : *generic.Families()) text += f.samples;
  EXPECT_EQ(text.find("client"), std::string::npos) << text;
  EXPECT_EQ(text.find("\"box\""), std::string::npos) << text;
  EXPECT_NE(text.find(R"(celery_task_sent_total{source="celery",name="t",hostname="generic",queue_name="q",env="prod"} 1)"),
            std::string::npos) << text;
}

}  // namespace
}  // namespace queuemon::sources::celery
