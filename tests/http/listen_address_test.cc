// The one listen-address grammar (the server binds it, the config check uses it).
#include "http/listen_address.h"

#include <gtest/gtest.h>

namespace queuemon::http {
namespace {

TEST(ListenAddressTest, AcceptsNumericIpv4AndIpv6WithAPort) {
  const auto v4 = ParseListenAddress("127.0.0.1:8080");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->address().to_string(), "127.0.0.1");
  EXPECT_EQ(v4->port(), 8080);
  const auto v6 = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->address().is_v6());
  EXPECT_EQ(v6->port(), 0);
  EXPECT_TRUE(ParseListenAddress("0.0.0.0:65535").has_value());
}

TEST(ListenAddressTest, RejectsNamesMissingPortsAndBadPortsSayingWhy) {
  std::string why;
  EXPECT_FALSE(ParseListenAddress("localhost:8080", &why));
  EXPECT_NE(why.find("<IP>:<port>"), std::string::npos) << why;
  EXPECT_FALSE(ParseListenAddress("127.0.0.1", &why));
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:", &why));
  EXPECT_FALSE(ParseListenAddress("u@127.0.0.1:80", &why));
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:65536", &why));
  EXPECT_EQ(why, "port must be 0..65535");
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:8x", &why));
  EXPECT_FALSE(ParseListenAddress("", &why));
}

}  // namespace
}  // namespace queuemon::http
