#include "sources/collection_counters.h"

#include <gtest/gtest.h>

#include "sources/errors.h"

namespace queuemon::sources {
namespace {

// The test's transport: kUnavailable means the broker is down, anything else does not.
bool Down(const boost::system::error_code& ec) { return ec == MakeErrorCode(Errc::kUnavailable); }

Collected Health(bool reachable) {
  HealthView h;
  h.broker_reachable = reachable;
  return MakeCollected(h);
}

TEST(CollectionCountersTest, CountsWhatSaysSomethingAboutTheBroker) {
  CollectionCounters counters;
  counters.RecordCollection(View::kWorkers, MakeCollected(WorkersView{}), 0.25, Down);
  SourceStats s = counters.Snapshot();
  EXPECT_EQ(s.collections, 1u);
  EXPECT_TRUE(s.up);
  EXPECT_EQ(s.last_duration_seconds, 0.25);
  EXPECT_GT(s.last_success_unix, 0);

  counters.RecordCollection(View::kQueues, MakeErrorCode(Errc::kUnavailable), 1, Down);
  s = counters.Snapshot();
  EXPECT_EQ(s.errors, 1u);
  EXPECT_FALSE(s.up);
  counters.RecordCollection(View::kQueues, MakeErrorCode(Errc::kProtocol), 1, Down);
  EXPECT_EQ(counters.Snapshot().errors, 2u);
  EXPECT_TRUE(counters.Snapshot().up) << "an odd answer came from a broker that is up";

  // Health never fails: its answer says whether the broker was reachable.
  counters.RecordCollection(View::kHealth, Health(false), 0.1, Down);
  s = counters.Snapshot();
  EXPECT_EQ(s.collections, 2u);
  EXPECT_FALSE(s.up);

  // A rejected id, or a view the kind lacks, is not counted at all.
  counters.RecordCollection(View::kTask, MakeErrorCode(Errc::kInvalidArgument), 1, Down);
  counters.RecordCollection(View::kTaskStats, MakeErrorCode(Errc::kNotFound), 1, Down);
  s = counters.Snapshot();
  EXPECT_EQ(s.collections, 2u);
  EXPECT_EQ(s.errors, 2u);
  EXPECT_FALSE(s.up);
  EXPECT_EQ(s.last_duration_seconds, 0.1);
}

}  // namespace
}  // namespace queuemon::sources
