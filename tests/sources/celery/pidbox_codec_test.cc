// Pidbox envelope codec: the captured kombu shapes of celery-redis-protocol.md §2 and
// malformed input.
#include "sources/celery/pidbox_codec.h"
#include "sources/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "redis/errors.h"

namespace queuemon::sources::celery {
namespace {

using nlohmann::json;

// A reply captured with redis-cli MONITOR (§2.2), headers as observed.
constexpr const char* kCapturedReply =
    R"({"body": "eyJ3MkB2bSI6IHsib2siOiAicG9uZyJ9fQ==", "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {"ticket": "d461ee02-16fb-4455-a248-998188709ea6", "clock": 3},
        "properties": {"delivery_mode": 1, "delivery_info": {"exchange": "reply.celery.pidbox",
        "routing_key": "535c024e-fafb-331b-9ce0-9e8163f90874"}, "priority": 0,
        "body_encoding": "base64", "delivery_tag": "c97352bf"}})";

TEST(Base64Test, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 20; ++i) {
    auto decoded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(decoded) << i;
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<char>(i * 37));
  }
}

TEST(Base64Test, DecodesCapturedBody) {
  auto decoded = Base64Decode("eyJ3MkB2bSI6IHsib2siOiAicG9uZyJ9fQ==");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, R"({"w2@vm": {"ok": "pong"}})");
}

TEST(Base64Test, RejectsBadInput) {
  EXPECT_FALSE(Base64Decode("abc"));   // length not a multiple of 4
  EXPECT_FALSE(Base64Decode("ab!d"));  // bad character
  EXPECT_FALSE(Base64Decode("a==="));  // too much padding
  EXPECT_FALSE(Base64Decode("ab=d"));  // padding in the middle
  EXPECT_TRUE(Base64Decode(""));
}

TEST(PidboxRequestTest, HasKombuShapeAndBase64Body) {
  PidboxRequest request;
  request.method = "stats";
  request.ticket = "t-1";
  request.reply_routing_key = "rk-1";
  request.destination = {"w1@vm"};
  request.delivery_tag = "tag";
  request.expires_unix = 123.5;
  const json envelope = json::parse(EncodePidboxRequest(request));
  EXPECT_EQ(envelope["content-type"], "application/json");
  EXPECT_EQ(envelope["properties"]["body_encoding"], "base64");
  EXPECT_EQ(envelope["properties"]["delivery_info"]["exchange"], "celery.pidbox");
  EXPECT_EQ(envelope["headers"]["expires"], 123.5);
  auto body_text = Base64Decode(envelope["body"].get<std::string>());
  ASSERT_TRUE(body_text);
  const json body = json::parse(*body_text);
  EXPECT_EQ(body["method"], "stats");
  EXPECT_EQ(body["arguments"], json::object());
  EXPECT_EQ(body["destination"], json::array({"w1@vm"}));
  EXPECT_EQ(body["ticket"], "t-1");
  EXPECT_EQ(body["reply_to"]["exchange"], "reply.celery.pidbox");
  EXPECT_EQ(body["reply_to"]["routing_key"], "rk-1");
  EXPECT_TRUE(body["pattern"].is_null());
}

TEST(PidboxRequestTest, NoDestinationIsNullAndBadArgumentsBecomeEmptyObject) {
  PidboxRequest request;
  request.method = "ping";
  request.arguments_json = "[not json";
  const json envelope = json::parse(EncodePidboxRequest(request));
  const json body = json::parse(*Base64Decode(envelope["body"].get<std::string>()));
  EXPECT_TRUE(body["destination"].is_null());
  EXPECT_EQ(body["arguments"], json::object());
}

// AMQP carries the request bare: the same JSON as the envelope's base64 body.
TEST(PidboxRequestTest, TheBareBodyIsTheEnvelopesBody) {
  PidboxRequest request;
  request.method = "active_queues";
  request.ticket = "t-2";
  request.reply_routing_key = "oid";
  const json envelope = json::parse(EncodePidboxRequest(request));
  EXPECT_EQ(*Base64Decode(envelope["body"].get<std::string>()), PidboxRequestBody(request));
  const json body = json::parse(PidboxRequestBody(request));
  EXPECT_EQ(body["method"], "active_queues");
  EXPECT_EQ(body["reply_to"]["routing_key"], "oid");
}

TEST(PidboxReplyTest, DecodesCapturedReply) {
  auto reply = DecodePidboxReply(kCapturedReply, 1 << 20);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->ticket, "d461ee02-16fb-4455-a248-998188709ea6");
  EXPECT_EQ(reply->body, R"({"w2@vm": {"ok": "pong"}})");
}

TEST(PidboxReplyTest, AcceptsPlainBody) {
  auto reply =
      DecodePidboxReply(R"({"body": "{\"w1@vm\": []}", "headers": {"ticket": "t"}})", 4096);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, R"({"w1@vm": []})");
}

TEST(PidboxReplyTest, RejectsMalformedEnvelopes) {
  const char* bad[] = {
      "",
      "not json",
      "[1,2]",
      R"({"headers": {"ticket": "t"}})",                // no body
      R"({"body": 5, "headers": {"ticket": "t"}})",     // body not a string
      R"({"body": "e30=", "headers": {}})",             // no ticket
      R"({"body": "e30=", "headers": {"ticket": 7}})",  // ticket not a string
      R"({"body": "!!!!", "headers": {"ticket": "t"}, "properties": {"body_encoding": "base64"}})",
  };
  for (const char* raw : bad) {
    std::string why;
    auto reply = DecodePidboxReply(raw, 4096, &why);
    EXPECT_FALSE(reply) << raw;
    if (!reply) {
      EXPECT_EQ(reply.error(), sources::MakeErrorCode(sources::Errc::kMalformedReply));
      EXPECT_FALSE(why.empty());
    }
  }
}

TEST(PidboxReplyTest, RejectsHugeEnvelope) {
  const std::string huge =
      R"({"body": ")" + std::string(10000, 'A') + R"(", "headers": {"ticket": "t"}})";
  std::string why;
  EXPECT_FALSE(DecodePidboxReply(huge, 1024, &why));
  EXPECT_NE(why.find("max_reply_bytes"), std::string::npos);
}

TEST(NewUuidTest, IsUuid4Shaped) {
  const std::string a = NewUuid(), b = NewUuid();
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace queuemon::sources::celery
