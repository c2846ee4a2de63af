// The state file and records made elsewhere (issue 17): ViewService::Export / Apply, and
// SaveStateFile / RestoreStateFile over a real temporary directory, on a ManualClock.
#include "api/state_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <boost/asio/io_context.hpp>

#include "api/view_service.h"
#include "base/clock.h"
#include "snapshot/record.h"
#include "sources/fake/fake_source.h"
#include "tests/testing/run_coroutine.h"

namespace queuemon::api {
namespace {

using sources::View;
using std::chrono::milliseconds;
using std::chrono::seconds;

class StateFileTest : public ::testing::Test {
 protected:
  StateFileTest() {
    cache::CacheOptions workers;
    workers.ttl = seconds(4);
    workers.stale_for = seconds(10);
    options_["worker_status"] = workers;
    char pattern[] = "/tmp/queuemon-state-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~StateFileTest() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ViewService> NewService() {
    return std::make_unique<ViewService>(ioc_.get_executor(), source_, options_, clock_,
                                         milliseconds(2000));
  }
  cache::ReadResult GetWorkers(ViewService& service) {
    return testing::RunToCompletion(ioc_, service.Get(View::kWorkers, "", true));
  }
  snapshot::Record WorkersRecord(double collected_unix, std::string body) {
    snapshot::Record record;
    record.source = std::string(source_.Name());
    record.category = "worker_status";
    record.key = "workers";
    record.etag = "\"00000000000000bb\"";
    record.collected_unix = collected_unix;
    record.body = std::move(body);
    return record;
  }

  boost::asio::io_context ioc_;
  base::ManualClock clock_;
  sources::fake::FakeSource source_;
  std::map<std::string, cache::CacheOptions> options_;
  std::string dir_;
};

TEST_F(StateFileTest, ARestartedServiceAnswersTheSavedEntryStaleWithItsAgeAndEtag) {
  auto before = NewService();
  const cache::ReadResult collected = GetWorkers(*before);
  ASSERT_EQ(collected.outcome, cache::Outcome::kMiss);
  const std::string path = StateFilePath(dir_);
  const StateFileWrite written = SaveStateFile(path, {before.get()});
  ASSERT_TRUE(written.error.empty()) << written.error;
  EXPECT_EQ(written.records, 1u);

  auto after = NewService();
  const StateFileRead read = RestoreStateFile(path, {after.get()});
  ASSERT_TRUE(read.error.empty()) << read.error;
  EXPECT_EQ(read.records, 1u);
  EXPECT_EQ(read.restored, 1u);
  EXPECT_EQ(after->Latest(View::kWorkers), nullptr) << "restored data is not a collection";
  const cache::ReadResult answered = GetWorkers(*after);
  ASSERT_EQ(answered.outcome, cache::Outcome::kStale);
  EXPECT_EQ(answered.entry->body, collected.entry->body);
  EXPECT_EQ(answered.entry->etag, collected.entry->etag);
  EXPECT_LT(answered.age, seconds(1));
  EXPECT_EQ(source_.calls(), 2u) << "the read started the collection that replaces it";
}

TEST_F(StateFileTest, AForeignOrMissingFileRestoresNothing) {
  auto service = NewService();
  const StateFileRead missing = RestoreStateFile(StateFilePath(dir_), {service.get()});
  EXPECT_TRUE(missing.missing);
  EXPECT_TRUE(missing.error.empty());
  std::ofstream(StateFilePath(dir_)) << "{\"not\": \"a snapshot\"}\n";
  const StateFileRead foreign = RestoreStateFile(StateFilePath(dir_), {service.get()});
  EXPECT_FALSE(foreign.missing);
  EXPECT_NE(foreign.error.find("not a queuemon snapshot"), std::string::npos) << foreign.error;
  EXPECT_EQ(foreign.restored, 0u);
}

// Records from another replica: stored when newer than what the service has, never when older
// or the same collection again, nor past ttl + stale_for, nor under a key no view names.
TEST_F(StateFileTest, ApplyStoresOnlyNewerRecordsOfKnownViews) {
  auto service = NewService();
  const double now = base::UnixNow();
  EXPECT_TRUE(service->Apply(WorkersRecord(now - 2, "older"), false));
  EXPECT_TRUE(service->Apply(WorkersRecord(now - 1, "newer"), false));
  EXPECT_FALSE(service->Apply(WorkersRecord(now - 1, "same again"), false));
  EXPECT_FALSE(service->Apply(WorkersRecord(now - 3, "oldest"), false));
  EXPECT_FALSE(service->Apply(WorkersRecord(now - 15, "past ttl + stale_for"), false));
  snapshot::Record unknown = WorkersRecord(now, "x");
  unknown.key = "nonsense";
  EXPECT_FALSE(service->Apply(unknown, false));
  const cache::ReadResult read = GetWorkers(*service);
  ASSERT_EQ(read.outcome, cache::Outcome::kHit);
  EXPECT_EQ(read.entry->body, "newer");
  EXPECT_EQ(read.entry->etag, "\"00000000000000bb\"") << "the writer's ETag, verbatim";
  EXPECT_NEAR(std::chrono::duration<double>(read.age).count(), 1.0, 0.2);
  EXPECT_EQ(source_.calls(), 0u);
}

}  // namespace
}  // namespace queuemon::api
