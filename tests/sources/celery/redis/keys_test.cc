// Key naming, binding members and broker URL db numbers.
#include "sources/celery/redis/keys.h"

#include <gtest/gtest.h>

#include "sources/source.h"

namespace queuemon::sources::celery::over_redis {
namespace {

TEST(BindingMemberTest, ParsesObservedMembers) {
  auto m = ParseBindingMember(std::string("celery\x06\x16\x06\x16"
                                          "celery"),
                              "\x06\x16");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->routing_key, "celery");
  EXPECT_EQ(m->pattern, "");
  EXPECT_EQ(m->queue, "celery");
  m = ParseBindingMember(std::string("\x06\x16\x06\x16w1@vm.celery.pidbox"), "\x06\x16");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->routing_key, "");
  EXPECT_EQ(m->queue, "w1@vm.celery.pidbox");
  m = ParseBindingMember(std::string("worker.#\x06\x16pat\x06\x16"
                                     "celeryev.x"),
                         "\x06\x16");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pattern, "pat");
}

TEST(BindingMemberTest, RejectsBadMembers) {
  EXPECT_FALSE(ParseBindingMember("celery", "\x06\x16"));
  EXPECT_FALSE(ParseBindingMember(std::string("a\x06\x16"
                                              "b"),
                                  "\x06\x16"));
  EXPECT_FALSE(ParseBindingMember(std::string("a\x06\x16\x06\x16"), "\x06\x16"));  // no queue
  EXPECT_FALSE(ParseBindingMember("a||b||c", ""));
}

TEST(RedisDbFromUrlTest, ReadsDbNumber) {
  EXPECT_EQ(*RedisDbFromUrl("redis://127.0.0.1:6379/3"), 3);
  EXPECT_EQ(*RedisDbFromUrl("redis://127.0.0.1:6379"), 0);
  EXPECT_EQ(*RedisDbFromUrl("redis://:pw@127.0.0.1:6379/"), 0);
  EXPECT_EQ(*RedisDbFromUrl("unix:///run/redis.sock?db=5"), 5);
  EXPECT_EQ(*RedisDbFromUrl("unix:///run/redis.sock"), 0);
  EXPECT_FALSE(RedisDbFromUrl("redis://h/x"));
  EXPECT_FALSE(RedisDbFromUrl("redis://h/-1"));
  EXPECT_FALSE(RedisDbFromUrl("::not a url"));
}

TEST(CeleryKeysTest, BuildsKombuNamesWithPrefix) {
  CeleryOptions options;
  CeleryKeys plain(options, 0);
  EXPECT_EQ(plain.QueueList("celery", 0), "celery");
  EXPECT_EQ(plain.QueueList("celery", 6),
            "celery\x06\x16"
            "6");
  EXPECT_EQ(plain.Binding("celery"), "_kombu.binding.celery");
  EXPECT_EQ(plain.PidboxChannel(), "/0.celery.pidbox");
  EXPECT_EQ(plain.EventsPattern(), "/0.celeryev/*");
  EXPECT_EQ(plain.ReplyBindingMember("rk", "q"), "rk\x06\x16\x06\x16q");
  // Move-assigned: g++ 12 -O3 reports a false -Wrestrict for operator=(const char*) here.
  options.global_keyprefix = std::string("app1:");
  options.sep = std::string(1, '|');
  CeleryKeys prefixed(options, 3);
  EXPECT_EQ(prefixed.QueueList("celery", 3), "app1:celery|3");
  EXPECT_EQ(prefixed.Unacked(), "app1:unacked");
  EXPECT_EQ(prefixed.PidboxChannel(), "app1:/3.celery.pidbox");
  EXPECT_EQ(prefixed.EventsPattern(), "app1:/3.celeryev/*");
}

}  // namespace
}  // namespace queuemon::sources::celery::over_redis
