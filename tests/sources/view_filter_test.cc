// ViewFilter: the workers/queues filters (parse, canonical text, apply), no I/O.
#include "sources/view_filter.h"

#include <gtest/gtest.h>

#include <map>

namespace queuemon::sources {
namespace {

using Params = std::map<std::string, std::string>;

std::variant<ViewFilter, ViewFilterError> Parse(View view, const Params& params) {
  return ParseViewFilter(view, [&](std::string_view name) -> std::optional<std::string> {
    const auto it = params.find(std::string(name));
    if (it == params.end()) return std::nullopt;
    return it->second;
  });
}

std::string Error(View view, const Params& params) {
  const auto parsed = Parse(view, params);
  const auto* error = std::get_if<ViewFilterError>(&parsed);
  return error ? error->message : "<no error>";
}

ViewFilter Filter(View view, const Params& params) {
  auto parsed = Parse(view, params);
  EXPECT_TRUE(std::holds_alternative<ViewFilter>(parsed)) << Error(view, params);
  return std::holds_alternative<ViewFilter>(parsed) ? std::get<ViewFilter>(parsed) : ViewFilter{};
}

WorkersView Workers() {
  WorkersView view;
  view.timestamp = 7;
  for (const auto& [name, status] : {std::pair{"a1@h", "online"}, {"a2@h", "offline"},
                                     {"a3@h", "online"}, {"b1@h", "unknown"}, {"b2@h", "online"}}) {
    WorkerInfo w;
    w.hostname = name;
    w.status = status;
    view.workers.push_back(w);
  }
  view.online = 3;
  view.offline = view.unknown = 1;
  return view;
}

QueuesView Queues() {
  QueuesView view;
  for (const auto& [name, messages] : {std::pair{"celery", 0}, {"q1", 5}, {"q2", 1}, {"q3", 9}}) {
    QueueInfo q;
    q.name = name;
    q.messages = messages;
    view.queues.push_back(q);
    view.total_messages += messages;
  }
  view.unacked_total = 4;
  return view;
}

TEST(ViewFilterTest, NoParameterIsNoFilterWithThePlainKey) {
  const ViewFilter filter = Filter(View::kWorkers, {{"use_cache", "false"}});
  EXPECT_TRUE(filter.empty());
  EXPECT_EQ(filter.Canonical(), "");
}

TEST(ViewFilterTest, CanonicalTextRoundTripsAndDiffersPerFilter) {
  const ViewFilter a = Filter(View::kQueues, {{"name", "q\"1"}, {"min_messages", "2"}, {"limit", "5"}});
  const auto back = ViewFilterFromCanonical(a.Canonical());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->Canonical(), a.Canonical());
  EXPECT_EQ(back->name_prefix, "q\"1");
  EXPECT_EQ(back->min_messages, 2);
  EXPECT_EQ(back->limit, 5);
  EXPECT_NE(Filter(View::kQueues, {{"offset", "1"}}).Canonical(), Filter(View::kQueues, {}).Canonical());
  EXPECT_FALSE(ViewFilterFromCanonical(""));
  EXPECT_FALSE(ViewFilterFromCanonical("[1,2]"));
  EXPECT_FALSE(ViewFilterFromCanonical(R"(["","",null,"5",0])"));
}

TEST(ViewFilterTest, BadValuesNameTheParameter) {
  EXPECT_EQ(Error(View::kWorkers, {{"status", "gone"}}),
            "query parameter 'status' must be online, offline or unknown (got 'gone')");
  EXPECT_EQ(Error(View::kWorkers, {{"limit", "0"}}),
            "query parameter 'limit' must be an integer in 1..100000 (got '0')");
  EXPECT_EQ(Error(View::kWorkers, {{"offset", "-1"}}),
            "query parameter 'offset' must be an integer in 0..10000000 (got '-1')");
  EXPECT_EQ(Error(View::kQueues, {{"min_messages", "1e3"}}),
            "query parameter 'min_messages' must be an integer in 0..1000000000000 (got '1e3')");
  EXPECT_EQ(Error(View::kWorkers, {{"name", ""}}), "query parameter 'name' must be a prefix of 1..255 bytes");
  EXPECT_EQ(Error(View::kWorkers, {{"name", std::string(256, 'a')}}),
            "query parameter 'name' must be a prefix of 1..255 bytes");
  EXPECT_EQ(Error(View::kWorkers, {{"min_messages", "1"}}),
            "query parameter 'min_messages' applies to queues/status only");
  EXPECT_EQ(Error(View::kQueues, {{"status", "online"}}),
            "query parameter 'status' applies to workers/status only");
}

TEST(ViewFilterTest, WorkersMatchStatusAndPrefixThenPage) {
  const WorkersView out =
      ApplyFilter(Filter(View::kWorkers, {{"status", "online"}, {"name", "a"}, {"offset", "1"}}), Workers());
  ASSERT_EQ(out.workers.size(), 1u);
  EXPECT_EQ(out.workers[0].hostname, "a3@h");
  EXPECT_EQ(out.online, 2) << "counts are over what matched, before paging";
  EXPECT_EQ(out.offline, 0);
  ASSERT_TRUE(out.page);
  EXPECT_EQ(out.page->matched, 2);
  EXPECT_EQ(out.page->offset, 1);
  EXPECT_FALSE(out.page->limit);
  EXPECT_EQ(out.timestamp, 7);
}

TEST(ViewFilterTest, PagesPastTheEndAreEmptyNotErrors) {
  const WorkersView out = ApplyFilter(Filter(View::kWorkers, {{"offset", "99"}, {"limit", "2"}}), Workers());
  EXPECT_TRUE(out.workers.empty());
  EXPECT_EQ(out.page->matched, 5);
  const WorkersView first = ApplyFilter(Filter(View::kWorkers, {{"limit", "2"}}), Workers());
  ASSERT_EQ(first.workers.size(), 2u);
  EXPECT_EQ(first.workers[1].hostname, "a2@h");
}

TEST(ViewFilterTest, QueuesMatchMinMessagesAndPrefix) {
  const QueuesView out =
      ApplyFilter(Filter(View::kQueues, {{"min_messages", "2"}, {"name", "q"}}), Queues());
  ASSERT_EQ(out.queues.size(), 2u);
  EXPECT_EQ(out.queues[0].name, "q1");
  EXPECT_EQ(out.queues[1].name, "q3");
  EXPECT_EQ(out.total_messages, 14);
  EXPECT_EQ(out.unacked_total, 4) << "the broker-wide total stays";
  EXPECT_EQ(out.page->matched, 2);
  EXPECT_EQ(ApplyFilter(Filter(View::kQueues, {{"min_messages", "0"}}), Queues()).queues.size(), 4u);
}

}  // namespace
}  // namespace queuemon::sources
