#include "sources/celery/redis/queue_bindings.h"

#include <gtest/gtest.h>

#include "sources/celery/redis/queues.h"

namespace queuemon::sources::celery::over_redis {
namespace {

// kombu's binding member: routing_key, pattern (empty) and queue joined by "\x06\x16".
// (Appended piecewise: g++ 12 reports a false -Wrestrict on a chain of operator+ here.)
std::string Member(std::string_view routing_key, std::string_view queue) {
  std::string member;
  member.append(routing_key).append("\x06\x16\x06\x16").append(queue);
  return member;
}

redis::RedisReply Str(std::string s) {
  redis::RedisReply r;
  r.type = redis::RedisReply::Type::kString;
  r.str = std::move(s);
  return r;
}

TEST(QueueBindingsTest, JobQueuesAreFoundAndWorkerMailboxesSkipped) {
  const QueueBindings b = ParseBindings(
      {{"celery", {Member("celery", "celery"), Member("reports", "reports")}},
       {"fresh", {Member("fresh", "fresh")}},
       {"celery.pidbox", {Member("", "w1@vm.celery.pidbox")}},
       {"reply.celery.pidbox", {Member("abc", "abc.reply.celery.pidbox")}},
       {"celeryev", {Member("worker.#", "celeryev.1234")}},
       {"broken", {"no separators here"}}},
      CeleryOptions{});
  EXPECT_EQ(b.queues, (std::set<std::string>{"celery", "fresh", "reports"}));
  EXPECT_EQ(b.QueueOf("celery", "reports"), "reports");
  EXPECT_EQ(b.QueueOf("", "fresh"), "fresh") << "the default exchange routes by queue name";
  EXPECT_EQ(b.QueueOf("other", "rk"), "rk");
}

TEST(QueueBindingsTest, ThePatternEscapesGlobCharactersOfThePrefix) {
  EXPECT_EQ(BindingPattern(""), "_kombu.binding.*");
  EXPECT_EQ(BindingPattern("app*[1]?\\:"), "app\\*\\[1\\]\\?\\\\:_kombu.binding.*");
}

TEST(QueueBindingsTest, UnackedMessagesAreCountedPerQueueByTheirRoute) {
  const QueueBindings b = ParseBindings({{"celery", {Member("rk-a", "a")}}}, CeleryOptions{});
  const auto counts = UnackedByQueue(
      {Str(R"([{"body": "x"}, "celery", "rk-a"])"), Str(R"([{}, "", "b"])"),
       Str(R"([{}, "", "b"])")},
      b);
  ASSERT_TRUE(counts);
  EXPECT_EQ(*counts, (std::map<std::string, std::int64_t>{{"a", 1}, {"b", 2}}));
  EXPECT_FALSE(UnackedByQueue({Str("[1, 2]")}, b)) << "not [message, exchange, routing_key]";
  EXPECT_FALSE(UnackedByQueue({Str("{oops")}, b));
}

}  // namespace
}  // namespace queuemon::sources::celery::over_redis
