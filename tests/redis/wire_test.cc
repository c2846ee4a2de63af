#include "redis/wire.h"

#include <gtest/gtest.h>

#include "redis/errors.h"

namespace queuemon::redis {
namespace {

using namespace std::literals;

TEST(RedisWireTest, EncodesBinarySafeArguments) {
  const std::string key(
      "q\x06\x16"
      "3\0x",
      6);
  EXPECT_EQ(EncodeRedisCommand({"LLEN", key}), std::string("*2\r\n$4\r\nLLEN\r\n$6\r\nq\x06\x16"
                                                           "3\0x\r\n",
                                                           26));
  EXPECT_EQ(EncodeRedisCommand({"SET", "k", ""}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
}

TEST(RedisWireTest, DecodesEveryReplyType) {
  RedisReplyDecoder decoder(1024);
  ASSERT_TRUE(
      decoder.Feed("+OK\r\n-ERR bad\r\n:42\r\n$3\r\na\0b\r\n$-1\r\n*2\r\n:1\r\n*1\r\n+x\r\n"sv));
  auto status = decoder.Next();
  ASSERT_TRUE(status && *status);
  EXPECT_EQ((*status)->type, RedisReply::Type::kStatus);
  EXPECT_EQ((*status)->str, "OK");
  auto error = decoder.Next();
  EXPECT_TRUE((*error)->is_error());
  EXPECT_EQ((*error)->str, "ERR bad");
  auto integer = decoder.Next();
  EXPECT_EQ((*integer)->integer, 42);
  auto bulk = decoder.Next();
  EXPECT_EQ((*bulk)->type, RedisReply::Type::kString);
  EXPECT_EQ((*bulk)->str, std::string("a\0b", 3));
  EXPECT_TRUE((*decoder.Next())->is_nil());
  auto array = decoder.Next();
  ASSERT_EQ((*array)->elements.size(), 2u);
  EXPECT_EQ((*array)->elements[0].integer, 1);
  EXPECT_EQ((*array)->elements[1].elements[0].str, "x");
  auto none = decoder.Next();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(RedisWireTest, WaitsForPartialReplies) {
  RedisReplyDecoder decoder(1024);
  ASSERT_TRUE(decoder.Feed("$5\r\nhel"));
  EXPECT_FALSE(*decoder.Next());
  ASSERT_TRUE(decoder.Feed("lo\r\n"));
  EXPECT_EQ((*decoder.Next())->str, "hello");
}

TEST(RedisWireTest, RejectsGarbage) {
  RedisReplyDecoder decoder(1024);
  ASSERT_TRUE(decoder.Feed("?what\r\n"));
  auto next = decoder.Next();
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error(), Errc::kProtocol);
  EXPECT_FALSE(decoder.Next());  // stays failed
}

TEST(RedisWireTest, RefusesRepliesOverTheLimit) {
  RedisReplyDecoder decoder(16);
  ASSERT_TRUE(decoder.Feed("$100\r\n0123456"));
  EXPECT_FALSE(*decoder.Next());
  auto fed = decoder.Feed("0123456789");
  ASSERT_FALSE(fed);
  EXPECT_EQ(fed.error(), Errc::kProtocol);
}

TEST(RedisWireTest, RefusesAnArrayHeaderLargerThanTheLimitBeforeAllocatingIt) {
  // hiredis allocates the element array on reading the header ("*3000000000" made it calloc
  // 24 GB: found by fuzz_redis_reply). 100 000 elements cannot fit in 1 024 bytes: the header
  // alone is an error, before hiredis allocates or waits for the elements.
  for (const char* header : {"*100000\r\n", "*3000000000\r\n"}) {
    RedisReplyDecoder decoder(1024);
    ASSERT_TRUE(decoder.Feed(header));
    auto next = decoder.Next();
    ASSERT_FALSE(next) << header;
    EXPECT_EQ(next.error(), Errc::kProtocol);
  }
  // An array within the limit, nested too, still decodes.
  RedisReplyDecoder small(64);
  ASSERT_TRUE(small.Feed("*2\r\n*1\r\n:1\r\n:2\r\n"));
  auto reply = small.Next();
  ASSERT_TRUE(reply && *reply);
  EXPECT_EQ((*reply)->elements.size(), 2u);
}

TEST(RedisWireTest, LimitCountsEachReplyNotTheStream) {
  RedisReplyDecoder decoder(16);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(decoder.Feed("$3\r\nabc\r\n")) << i;
    ASSERT_EQ((*decoder.Next())->str, "abc");
  }
}

}  // namespace
}  // namespace queuemon::redis
