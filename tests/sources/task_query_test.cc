// TaskQuery: the /tasks/recent filter is checked value by value, every error names its
// parameter, and the canonical text round-trips (it is the cache key).
#include "sources/task_query.h"

#include <map>

#include <gtest/gtest.h>

namespace queuemon::sources {
namespace {

std::variant<TaskQuery, TaskQueryError> Parse(const std::map<std::string, std::string>& params) {
  return ParseTaskQuery([&](std::string_view name) -> std::optional<std::string> {
    const auto it = params.find(std::string(name));
    if (it == params.end()) return std::nullopt;
    return it->second;
  });
}

TEST(TaskQueryTest, DefaultsAndAcceptedValues) {
  const auto none = Parse({});
  ASSERT_TRUE(std::holds_alternative<TaskQuery>(none));
  EXPECT_EQ(std::get<TaskQuery>(none).limit, TaskQuery::kDefaultLimit);
  EXPECT_EQ(std::get<TaskQuery>(none).offset, 0);
  const auto all = Parse({{"state", "failure"}, {"name", "tasks.add"}, {"worker", "w1@h"},
                          {"limit", "1000"}, {"offset", "7"}});
  ASSERT_TRUE(std::holds_alternative<TaskQuery>(all));
  const TaskQuery& q = std::get<TaskQuery>(all);
  EXPECT_EQ(q.state, "FAILURE");
  EXPECT_EQ(q.name, "tasks.add");
  EXPECT_EQ(q.worker, "w1@h");
  EXPECT_EQ(q.limit, 1000);
  EXPECT_EQ(q.offset, 7);
}

TEST(TaskQueryTest, EveryBadValueNamesItsParameter) {
  const std::pair<std::string, std::string> bad[] = {
      {"state", "DONE"}, {"limit", "0"},       {"limit", "1001"}, {"limit", "1e3"},
      {"limit", " 5"},   {"offset", "-1"},     {"offset", "x"},   {"name", ""},
      {"worker", ""},    {"name", std::string(256, 'n')}};
  for (const auto& [key, value] : bad) {
    const auto parsed = Parse({{key, value}});
    ASSERT_TRUE(std::holds_alternative<TaskQueryError>(parsed)) << key << "=" << value;
    EXPECT_NE(std::get<TaskQueryError>(parsed).message.find("'" + key + "'"),
              std::string::npos)
        << std::get<TaskQueryError>(parsed).message;
  }
}

TEST(TaskQueryTest, CanonicalTextRoundTripsAndIdentifiesTheFilter) {
  TaskQuery q;
  q.state = "STARTED";
  q.name = "we\"ird&name=x";
  q.limit = 3;
  const std::optional<TaskQuery> back = TaskQueryFromCanonical(q.Canonical());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->Canonical(), q.Canonical());
  EXPECT_EQ(back->name, q.name);
  TaskQuery other = q;
  other.offset = 1;
  EXPECT_NE(other.Canonical(), q.Canonical());
  EXPECT_FALSE(TaskQueryFromCanonical("state=x"));
  EXPECT_FALSE(TaskQueryFromCanonical("[1,2]"));
}

}  // namespace
}  // namespace queuemon::sources
