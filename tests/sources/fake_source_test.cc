// The plug-in seam, exercised with the smallest kind: a source is built from its options
// through SourceOptions alone (what the daemon does), and a copy of the options is independent.
#include "sources/fake/fake_options.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "base/clock.h"
#include "sources/fake/fake_source.h"
#include "tests/testing/run_coroutine.h"

namespace queuemon::sources {
namespace {

TEST(FakeSourceTest, OptionsBuildTheirSourceWithoutTheCallerNamingTheKind) {
  fake::FakeOptions fake;
  fake.name = "jobs";
  fake.stands_in_for = "rq";
  const SourceOptions& options = fake;
  boost::asio::io_context ioc;
  base::ManualClock clock;
  std::unique_ptr<Source> source = options.MakeSource(ioc.get_executor(), clock);
  EXPECT_EQ(source->Name(), "jobs");
  EXPECT_EQ(source->Kind(), "rq");
  EXPECT_EQ(options.Kind(), "fake");
  EXPECT_EQ(options.Describe(), "canned views");

  source->Start();
  const auto workers = testing::RunToCompletion(ioc, source->Collect(ViewRequest{View::kWorkers, ""}));
  ASSERT_TRUE(workers.has_value());
  EXPECT_EQ(workers->body, R"({"view":"workers","call":1})");
  EXPECT_NE(std::get_if<WorkersView>(&workers->data), nullptr);
  source->Stop();
}

TEST(FakeSourceTest, ACloneIsACopyOfTheMostDerivedOptions) {
  fake::FakeOptions fake;
  fake.stands_in_for = "sidekiq";
  const std::unique_ptr<SourceOptions> copy = fake.Clone();
  fake.stands_in_for = "rq";
  const auto* cloned = dynamic_cast<const fake::FakeOptions*>(copy.get());
  ASSERT_NE(cloned, nullptr);
  EXPECT_EQ(cloned->stands_in_for, "sidekiq");
}

}  // namespace
}  // namespace queuemon::sources
