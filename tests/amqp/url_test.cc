// ParseAmqpUrl: Celery's (kombu's) URL forms, and refusals that name the part, never a password.
#include "amqp/url.h"

#include <gtest/gtest.h>

#include "amqp/errors.h"

namespace queuemon::amqp {
namespace {

AmqpUrl Parse(std::string_view text) {
  std::string why;
  auto url = ParseAmqpUrl(text, &why);
  if (!url) throw std::runtime_error(why);
  return *url;
}

std::string Why(std::string_view text) {
  std::string why;
  EXPECT_FALSE(ParseAmqpUrl(text, &why)) << text;
  return why;
}

TEST(AmqpUrlTest, CeleryForms) {
  const AmqpUrl plain = Parse("amqp://guest:guest@localhost:5672//");
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.host, "localhost");
  EXPECT_EQ(plain.port, 5672);
  EXPECT_EQ(plain.user, "guest");
  EXPECT_EQ(plain.password, "guest");
  EXPECT_EQ(plain.vhost, "/");
  EXPECT_EQ(Parse("amqp://h").vhost, "/");  // kombu: no path is the default vhost
  EXPECT_EQ(Parse("amqp://h/").vhost, "/");
  EXPECT_EQ(Parse("amqp://h/%2F").vhost, "/");
  EXPECT_EQ(Parse("amqp://h/prod").vhost, "prod");
  EXPECT_EQ(Parse("amqp://h/a%2Fb").vhost, "a/b");
  EXPECT_EQ(Parse("amqp://h").user, "guest");
  EXPECT_EQ(Parse("amqp://h").password, "guest");
  const AmqpUrl tls = Parse("amqps://u:p%40ss@[::1]/v");
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.port, 5671);
  EXPECT_EQ(tls.host, "::1");
  EXPECT_EQ(tls.password, "p@ss");  // percent-decoded
  EXPECT_EQ(Parse("amqp://u@h:1").password, "");
  EXPECT_TRUE(IsAmqpUrl("amqp://h"));
  EXPECT_TRUE(IsAmqpUrl("amqps://h"));
  EXPECT_FALSE(IsAmqpUrl("redis://h"));
  EXPECT_FALSE(IsAmqpUrl("amqpx://h"));
}

TEST(AmqpUrlTest, RefusalsNameThePartNotThePassword) {
  EXPECT_EQ(Why("redis://h/0"), "AMQP URL scheme must be amqp:// or amqps://");
  EXPECT_EQ(Why("amqp://u:secret@h:0//"), "AMQP URL port must be 1..65535");
  EXPECT_EQ(Why("amqp://u:secret@h:70000//"), "AMQP URL port must be 1..65535");
  EXPECT_EQ(Why("amqp:///vhost"), "AMQP URL needs a host: amqp://host[:port]/vhost");
  EXPECT_EQ(Why("amqp://:secret@h//"), "AMQP URL has an empty user");
  EXPECT_EQ(Why("amqp://h//?heartbeat=5"),
            "AMQP URL options (?...) are not supported; use the source's keys");
  EXPECT_EQ(Why("not a url"), "not a URL: amqp://[user:password@]host[:port]/vhost");
  for (const char* bad : {"amqp://u:secret@h:0//", "amqp://:secret@h//"}) {
    EXPECT_EQ(Why(bad).find("secret"), std::string::npos);
  }
  std::string why;
  EXPECT_EQ(ParseAmqpUrl("", &why).error(), MakeErrorCode(Errc::kInvalidArgument));
}

TEST(AmqpErrorsTest, BrokerDownMeansUnreachableTimedOutOrRefused) {
  EXPECT_TRUE(IsBrokerDown(MakeErrorCode(Errc::kUnavailable)));
  EXPECT_TRUE(IsBrokerDown(MakeErrorCode(Errc::kTimeout)));
  EXPECT_TRUE(IsBrokerDown(MakeErrorCode(Errc::kAuthFailed)));
  EXPECT_FALSE(IsBrokerDown(MakeErrorCode(Errc::kProtocol)));
  EXPECT_FALSE(IsBrokerDown(MakeErrorCode(Errc::kShuttingDown)));
  // The portable condition, as the API's 504 test reads it.
  EXPECT_TRUE(MakeErrorCode(Errc::kTimeout) == boost::system::errc::timed_out);
}

}  // namespace
}  // namespace queuemon::amqp
