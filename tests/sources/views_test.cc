// The view table: every view has one row naming a category of the category table, keys are
// distinct, and task ids are checked before they can address a broker key.
#include "sources/views.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace queuemon::sources {
namespace {

TEST(ViewTableTest, EveryViewHasOneRowInAKnownCategory) {
  const View all[] = {View::kWorkers,   View::kQueues, View::kTasks,   View::kRecentTasks,
                      View::kTaskStats, View::kTask,   View::kSummary, View::kHealth};
  std::set<std::string_view> categories;
  for (const CategorySpec& c : kCategories) categories.insert(c.name);
  EXPECT_EQ(categories.size(), std::size(kCategories));
  ASSERT_EQ(std::size(kViews), std::size(all));
  std::set<std::string_view> keys;
  for (View view : all) {
    const ViewSpec& spec = SpecOf(view);
    EXPECT_EQ(spec.view, view);
    EXPECT_TRUE(categories.count(spec.category)) << spec.key;
    keys.insert(spec.key);
  }
  EXPECT_EQ(keys.size(), std::size(all));
}

TEST(ViewTableTest, KeysAndCategoriesKeepTheirNames) {
  EXPECT_EQ(SpecOf(View::kTasks).category, "task_status");
  EXPECT_EQ(SpecOf(View::kTask).category, "task_status");
  EXPECT_EQ(CategoryList(), "task_status, worker_status, queue_status, metrics_summary, health_check");
}

TEST(ViewTableTest, RoutesListTheLiteralTaskRouteBeforeThePlaceholder) {
  std::size_t placeholder = 0;
  for (std::size_t i = 0; i < std::size(kViews); ++i) {
    if (kViews[i].route == "/tasks/{task_id}") placeholder = i;
  }
  for (std::size_t i = 0; i < std::size(kViews); ++i) {
    const std::string_view route = kViews[i].route;
    if (route.starts_with("/tasks/") && route != "/tasks/{task_id}") {
      EXPECT_LT(i, placeholder) << route;
    }
  }
}

TEST(ValidTaskIdTest, AcceptsCeleryIdsAndRejectsTheRest) {
  EXPECT_TRUE(ValidTaskId("9191a0d6-3e99-48d5-b48d-af9f6af9992d"));
  EXPECT_TRUE(ValidTaskId("my_app:task.1@x"));
  EXPECT_TRUE(ValidTaskId(std::string(155, 'a')));
  EXPECT_FALSE(ValidTaskId(""));
  EXPECT_FALSE(ValidTaskId(std::string(156, 'a')));
  EXPECT_FALSE(ValidTaskId("a b"));
  EXPECT_FALSE(ValidTaskId("a*"));
  EXPECT_FALSE(ValidTaskId("../x"));
  EXPECT_FALSE(ValidTaskId(std::string("a\0b", 3)));
  EXPECT_FALSE(ValidTaskId("\xc3\xa9"));
}

TEST(ViewKeyTest, NamesEveryView) {
  EXPECT_EQ(ViewKey(View::kWorkers), "workers");
  EXPECT_EQ(ViewKey(View::kQueues), "queues");
  EXPECT_EQ(ViewKey(View::kTasks), "tasks");
  EXPECT_EQ(ViewKey(View::kSummary), "summary");
  EXPECT_EQ(ViewKey(View::kHealth), "health");
  EXPECT_EQ(ViewKey(View::kTask, "abc"), "task:abc");
  EXPECT_EQ(ViewKey(View::kTaskStats), "task_stats");
  EXPECT_EQ(ViewKey(View::kRecentTasks, R"(["",""])"), R"(recent:["",""])");
}

// A filter of workers/queues is its own key; no filter keeps the plain key.
TEST(ViewKeyTest, FilteredAnswersHaveTheirOwnKeysAndParseBack) {
  EXPECT_EQ(ViewKey(View::kWorkers, ""), "workers");
  EXPECT_EQ(ViewKey(View::kQueues, R"(["","a",1,null,0])"), R"(queues:["","a",1,null,0])");
  const auto plain = ParseViewKey("workers");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->view, View::kWorkers);
  EXPECT_EQ(plain->argument, "");
  const auto filtered = ParseViewKey(R"(queues:["","a",1,null,0])");
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->view, View::kQueues);
  EXPECT_EQ(filtered->argument, R"(["","a",1,null,0])");
  EXPECT_FALSE(ParseViewKey("workersX"));
}

}  // namespace
}  // namespace queuemon::sources
