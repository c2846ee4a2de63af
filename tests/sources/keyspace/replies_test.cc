#include "sources/keyspace/replies.h"

#include <gtest/gtest.h>

namespace queuemon::sources::keyspace {
namespace {

using redis::RedisReply;

// Replies as Redis sends them.
RedisReply Str(std::string s) { return RedisReply::String(std::move(s)); }
RedisReply Int(std::int64_t v) { return RedisReply::Integer(v); }
RedisReply Array(std::vector<RedisReply> elements) { return RedisReply::Array(std::move(elements)); }

TEST(KeyspaceRepliesTest, IntegersFromIntegerRepliesAndCounterStrings) {
  EXPECT_EQ(Integer(Int(7)), 7);
  EXPECT_EQ(Integer(Str("42")), 42);
  EXPECT_EQ(Integer(Str("4x")), std::nullopt);
  EXPECT_EQ(Integer(Str("")), std::nullopt);
  EXPECT_EQ(Integer(RedisReply::Error("WRONGTYPE Operation against a key holding the wrong kind of value")), std::nullopt);
  EXPECT_EQ(Integer(RedisReply{}), std::nullopt);  // nil: a missing counter
  EXPECT_EQ(Number(Str("1796194052.36516")), 1796194052.36516);
  EXPECT_EQ(Number(Str("nan?")), std::nullopt);
}

TEST(KeyspaceRepliesTest, WrongTypesReadAsEmpty) {
  EXPECT_TRUE(Strings(RedisReply::Error("WRONGTYPE Operation against a key holding the wrong kind of value")).empty());
  EXPECT_TRUE(Hash(RedisReply::Error("WRONGTYPE Operation against a key holding the wrong kind of value")).empty());
  EXPECT_EQ(Text(Int(3)), std::nullopt);
  // An odd-length HGETALL (never sent by Redis) drops the dangling field.
  const auto hash = Hash(Array({Str("a"), Str("1"), Str("b")}));
  EXPECT_EQ(hash, (std::map<std::string, std::string>{{"a", "1"}}));
  EXPECT_EQ(Strings(Array({Str("x"), Int(1), Str("y")})), (std::vector<std::string>{"x", "y"}));
}

TEST(KeyspaceRepliesTest, RqTimesAreUtc) {
  EXPECT_EQ(ParseUtcIso("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(ParseUtcIso("2026-12-02T06:47:11Z"), 1796194031.0);
  EXPECT_NEAR(*ParseUtcIso("2026-12-02T06:47:11.750642Z"), 1796194031.750642, 1e-6);
  EXPECT_NEAR(*ParseUtcIso("2026-12-02T06:47:11.5"), 1796194031.5, 1e-6);
  for (const char* bad : {"", "2026-12-02", "2026-12-02 06:47:11Z", "2026-12-02T06:47:1xZ",
                          "2026-12-02T06:47:11,5Z", "2026-12-02T06:47:11.Z.Z"}) {
    EXPECT_EQ(ParseUtcIso(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace queuemon::sources::keyspace
