// Content negotiation: what a browser's and an API client's headers ask for.
#include "http/negotiation.h"

#include <gtest/gtest.h>

namespace queuemon::http {
namespace {

TEST(NegotiationTest, HtmlIsWantedOnlyWhenListedWithoutQZero) {
  EXPECT_TRUE(AcceptsHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
  EXPECT_TRUE(AcceptsHtml("application/json, TEXT/HTML;q=0.5"));
  EXPECT_TRUE(AcceptsHtml("text/*"));
  EXPECT_FALSE(AcceptsHtml("*/*"));  // curl: wants the JSON
  EXPECT_FALSE(AcceptsHtml(""));
  EXPECT_FALSE(AcceptsHtml("application/json"));
  EXPECT_FALSE(AcceptsHtml("text/html;q=0"));
  EXPECT_FALSE(AcceptsHtml("text/html; q=0.000, application/json"));
  EXPECT_FALSE(AcceptsHtml("text/htmlx"));
  EXPECT_FALSE(AcceptsHtml("text/html;q=0, text/*")) << "the specific entry wins";
  EXPECT_FALSE(AcceptsHtml("text/*, text/html;q=0"));
  EXPECT_TRUE(AcceptsHtml("text/*;q=0, text/html"));
}

TEST(NegotiationTest, EncodingsFollowTheListAndItsQValues) {
  EXPECT_TRUE(AcceptsEncoding("gzip, deflate, br", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("br;q=1.0, GZIP;q=0.5", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("*", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("identity", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzip;q=0", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("deflate, gzip;q=0.0", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("x-gzip", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzip;q=0, *", "gzip")) << "the named entry wins";
  EXPECT_FALSE(AcceptsEncoding("*, gzip;q=0", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("*;q=0, gzip", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("gzip;q  , ;;, gzip;q= 1", "gzip")) << "odd spacing, empty items";
  EXPECT_FALSE(AcceptsEncoding("gzip ; Q = 0", "gzip"));
}

}  // namespace
}  // namespace queuemon::http
