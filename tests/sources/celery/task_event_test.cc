// TaskEvent: task event objects read as Celery's EventReceiver reads them, and
// celery-exporter's label helpers (host part, exception class).
#include "sources/celery/task_event.h"

#include "sources/metric_family.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace queuemon::sources::celery {
namespace {

using nlohmann::json;

TEST(TaskEventTest, ReadsTheCapturedFailedEvent) {
  const json event = json::parse(R"json({"hostname": "w1@evbench", "utcoffset": 0, "pid": 32434,
      "clock": 11, "uuid": "91d4349a", "exception": "ValueError('boom0')",
      "traceback": "Traceback ...", "timestamp": 1796149677.9199696, "type": "task-failed"})json");
  const auto e = ReadTaskEvent(event, 0, 5.0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, TaskEventType::kFailed);
  EXPECT_EQ(e->uuid, "91d4349a");
  EXPECT_EQ(e->hostname, "w1@evbench");
  EXPECT_EQ(e->exception, "ValueError('boom0')");
  EXPECT_DOUBLE_EQ(e->timestamp, 1796149677.9199696);
  EXPECT_DOUBLE_EQ(e->local_received, 5.0);
}

TEST(TaskEventTest, TimestampIsAdjustedByTheSendersUtcoffsetAgainstOurs) {
  // celery.utils.time.adjust_timestamp: ts - (offset - here) * 3600.
  const json event = json::parse(
      R"({"hostname": "w@h", "uuid": "u", "utcoffset": -2, "timestamp": 10000, "type": "task-started"})");
  EXPECT_DOUBLE_EQ(ReadTaskEvent(event, 0, 0)->timestamp, 10000 + 2 * 3600);
  EXPECT_DOUBLE_EQ(ReadTaskEvent(event, -2, 0)->timestamp, 10000);
  const json no_offset =
      json::parse(R"({"hostname": "w@h", "uuid": "u", "timestamp": 7, "type": "task-started"})");
  EXPECT_DOUBLE_EQ(ReadTaskEvent(no_offset, 3, 0)->timestamp, 7);
}

TEST(TaskEventTest, RefusesWhatIsNoTaskEvent) {
  for (const char* text :
       {R"({"hostname": "w@h", "type": "worker-heartbeat"})",
        R"({"hostname": "w@h", "uuid": "u", "type": "task-custom"})",
        R"({"hostname": "w@h", "uuid": 5, "type": "task-sent"})",
        R"({"uuid": "u", "type": "task-sent"})", R"([1])", R"("task-sent")"}) {
    EXPECT_FALSE(ReadTaskEvent(json::parse(text), 0, 0)) << text;
  }
}

TEST(TaskEventTest, TypesMapToTheirStems) {
  EXPECT_EQ(TaskEventTypeOf("task-retried"), TaskEventType::kRetried);
  EXPECT_EQ(StemOf(TaskEventType::kRejected), "rejected");
  EXPECT_FALSE(TaskEventTypeOf("task-"));
  EXPECT_FALSE(TaskEventTypeOf("worker-online"));
}

TEST(TaskEventTest, LabelsAsCeleryExporterMakesThem) {
  EXPECT_EQ(HostOf("w1@host.example"), "host.example");
  EXPECT_EQ(HostOf("gen531@hostname"), "hostname");
  EXPECT_EQ(HostOf("plain"), "plain");
  EXPECT_EQ(ExceptionClass("ValueError('boom')"), "ValueError");
  EXPECT_EQ(ExceptionClass("KeyError('missing')"), "KeyError");
  EXPECT_EQ(ExceptionClass("no parenthesis"), "UnknownException");
  EXPECT_EQ(ExceptionClass(""), "UnknownException");
  EXPECT_EQ(ExceptionClass("mod.Err('x')"), "UnknownException");  // as its regex ^(\w+)\(
}

}  // namespace
}  // namespace queuemon::sources::celery
