// QueueListing with a ManualClock: configured queues always, active ones while active and for
// idle_queue_grace after, the rest never; sorted, totals summed.
#include "sources/celery/queue_listing.h"

#include <gtest/gtest.h>

namespace queuemon::sources::celery {
namespace {

QueueInfo Queue(std::string name, std::int64_t messages, std::int64_t consumers = 0) {
  QueueInfo q;
  q.name = std::move(name);
  q.messages = messages;
  q.consumers = consumers;
  return q;
}

std::vector<std::string> Names(const QueuesView& view) {
  std::vector<std::string> names;
  for (const auto& q : view.queues) names.push_back(q.name);
  return names;
}

TEST(QueueListingTest, ConfiguredAlwaysActiveWhileActiveAndForTheGrace) {
  base::ManualClock clock;
  QueueListing listing({"configured"}, std::chrono::seconds(60), clock);
  QueuesView view;
  listing.List({Queue("zeta", 3), Queue("configured", 0), Queue("idle", 0), Queue("consumed", 0),
                Queue("busy", 0, 2)},
               {"consumed"}, view);
  EXPECT_EQ(Names(view), (std::vector<std::string>{"busy", "configured", "consumed", "zeta"}));
  EXPECT_EQ(view.total_messages, 3);
  EXPECT_EQ(listing.Candidates({"new"}),
            (std::vector<std::string>{"busy", "configured", "consumed", "new", "zeta"}));
  clock.Advance(std::chrono::seconds(60));  // still within the grace
  listing.List({Queue("zeta", 0), Queue("configured", 0)}, {}, view);
  EXPECT_EQ(Names(view), (std::vector<std::string>{"configured", "zeta"}));
  EXPECT_EQ(view.total_messages, 0);
  clock.Advance(std::chrono::seconds(1));  // past it
  listing.List({Queue("zeta", 0), Queue("configured", 0)}, {}, view);
  EXPECT_EQ(Names(view), (std::vector<std::string>{"configured"}));
  EXPECT_EQ(listing.Candidates({}), (std::vector<std::string>{"busy", "configured", "consumed"}));
}

}  // namespace
}  // namespace queuemon::sources::celery
