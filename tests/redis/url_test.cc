#include "redis/url.h"

#include <gtest/gtest.h>

#include "redis/errors.h"

namespace queuemon::redis {
namespace {

RedisUrl ParseOk(std::string_view text) {
  std::string why;
  auto url = ParseRedisUrl(text, &why);
  EXPECT_TRUE(url.has_value()) << text << ": " << why;
  return url ? *url : RedisUrl{};
}

std::string ParseError(std::string_view text) {
  std::string why;
  auto url = ParseRedisUrl(text, &why);
  EXPECT_FALSE(url.has_value()) << text;
  if (!url) {
    EXPECT_EQ(url.error(), Errc::kInvalidArgument);
  }
  EXPECT_FALSE(why.empty()) << text;
  return why;
}

TEST(RedisUrlTest, HostOnlyGetsDefaults) {
  RedisUrl url = ParseOk("redis://localhost");
  EXPECT_EQ(url.transport, RedisUrl::Transport::kTcp);
  EXPECT_EQ(url.host, "localhost");
  EXPECT_EQ(url.port, 6379);
  EXPECT_EQ(url.db, 0);
  EXPECT_TRUE(url.user.empty());
  EXPECT_TRUE(url.password.empty());
}

TEST(RedisUrlTest, PortAndDb) {
  RedisUrl url = ParseOk("redis://127.0.0.1:6380/3");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 6380);
  EXPECT_EQ(url.db, 3);
  EXPECT_EQ(ParseOk("redis://h:1/").db, 0);
}

TEST(RedisUrlTest, PasswordOnly) {
  RedisUrl url = ParseOk("redis://:s3cret@h/1");
  EXPECT_TRUE(url.user.empty());
  EXPECT_EQ(url.password, "s3cret");
}

TEST(RedisUrlTest, AclUserAndPercentDecodedPassword) {
  RedisUrl url = ParseOk("redis://al%69ce:p%40ss%3Aw%2Fd@h:7000/2");
  EXPECT_EQ(url.user, "alice");
  EXPECT_EQ(url.password, "p@ss:w/d");
  EXPECT_EQ(url.port, 7000);
  EXPECT_EQ(url.db, 2);
}

TEST(RedisUrlTest, Ipv6Literal) {
  RedisUrl url = ParseOk("redis://[::1]:6390");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 6390);
}

TEST(RedisUrlTest, UnixSocket) {
  RedisUrl url = ParseOk("unix:///run/redis/redis.sock");
  EXPECT_EQ(url.transport, RedisUrl::Transport::kUnix);
  EXPECT_EQ(url.socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(url.db, 0);
  EXPECT_EQ(ParseOk("unix:///tmp/r.sock?db=5").db, 5);
  EXPECT_EQ(ParseOk("unix://:pw@/tmp/r.sock").password, "pw");
}

TEST(RedisUrlTest, RejectsTlsClearly) {
  EXPECT_NE(ParseError("rediss://h:6379/0").find("TLS"), std::string::npos);
}

TEST(RedisUrlTest, RejectsOtherSchemesAndGarbage) {
  EXPECT_NE(ParseError("http://h/0").find("scheme"), std::string::npos);
  ParseError("");
  ParseError("not a url");
  ParseError("redis//h");
}

TEST(RedisUrlTest, RejectsBadPorts) {
  ParseError("redis://h:0");
  ParseError("redis://h:65536");
  ParseError("redis://h:99999999999");
  ParseError("redis://h:");
}

TEST(RedisUrlTest, RejectsBadDbs) {
  ParseError("redis://h/-1");
  ParseError("redis://h/abc");
  ParseError("redis://h/1/2");
  ParseError("redis://h/1x");
  ParseError("redis://h/99999999999");
  ParseError("unix:///tmp/r.sock?db=-2");
  ParseError("unix:///tmp/r.sock?db=");
  ParseError("unix:///tmp/r.sock?db");
}

TEST(RedisUrlTest, RejectsMissingPartsAndExtras) {
  ParseError("redis://");
  ParseError("redis:///0");
  ParseError("redis://user@h");   // userinfo without ':password'
  ParseError("redis://user:@h");  // empty password
  ParseError("redis://h/0?ssl=true");
  ParseError("redis://h/0#frag");
  ParseError("unix://");
  ParseError("unix://host/tmp/r.sock");
  ParseError("unix:///tmp/r.sock?timeout=1");
}

TEST(RedisUrlTest, ErrorMessagesNeverContainThePassword) {
  std::string why = ParseError("redis://u:topsecret@h:70000/0");
  EXPECT_EQ(why.find("topsecret"), std::string::npos) << why;
}

TEST(RedisUrlTest, RedactHidesPassword) {
  EXPECT_EQ(RedactRedisUrl("redis://u:topsecret@h:1/0"), "redis://u:***@h:1/0");
  EXPECT_EQ(RedactRedisUrl("redis://h:1/0"), "redis://h:1/0");
  EXPECT_EQ(RedactRedisUrl("redis://:pw@h:1/0"), "redis://:***@h:1/0");
  // A '/' in the password ends the authority early, so the URL parses without a password.
  EXPECT_EQ(RedactRedisUrl("redis://u:pa/ss@h:1/0"), "redis://***@h:1/0");
  EXPECT_EQ(RedactRedisUrl("redis://:s3cret@[bad/0"), "redis://***@[bad/0");
  EXPECT_EQ(RedactRedisUrl("not a url"), "not a url");
}

TEST(RedisUrlTest, ErrorCategoryHasReadableMessages) {
  EXPECT_EQ(MakeErrorCode(Errc::kTimeout).category().name(), std::string("queuemon.redis"));
  EXPECT_NE(MakeErrorCode(Errc::kAuthFailed).message().find("AUTH"), std::string::npos);
  boost::system::error_code ec = Errc::kTimeout;  // is_error_code_enum
  EXPECT_EQ(ec, MakeErrorCode(Errc::kTimeout));
  // Callers that know no Redis (the API's status mapping) compare with the portable conditions.
  EXPECT_TRUE(ec == boost::system::errc::timed_out);
  EXPECT_TRUE(MakeErrorCode(Errc::kInvalidArgument) == boost::system::errc::invalid_argument);
  EXPECT_FALSE(MakeErrorCode(Errc::kProtocol) == boost::system::errc::timed_out);
}

}  // namespace
}  // namespace queuemon::redis
