// The management API's queue list as RabbitMQ 3.10 answers
// GET /api/queues/%2F?columns=name,messages_ready,messages_unacknowledged,consumers
// (captured), and hostile answers: never a crash, a clear kProtocol.
#include "amqp/management.h"

#include <gtest/gtest.h>

#include "amqp/errors.h"

namespace queuemon::amqp {
namespace {

TEST(ManagementTest, ParsesTheCapturedAnswer) {
  const auto queues = ParseManagementQueues(
      R"([{"consumers":1,"messages_ready":0,"messages_unacknowledged":0,"name":"celery"},)"
      R"({"consumers":0,"messages_ready":7,"messages_unacknowledged":2,"name":"backlog"},)"
      R"({"messages_ready":3,"name":"no-consumer-field"}])");
  ASSERT_TRUE(queues);
  ASSERT_EQ(queues->size(), 3u);
  EXPECT_EQ((*queues)[0].name, "celery");
  EXPECT_EQ((*queues)[0].consumers, 1);
  EXPECT_EQ((*queues)[1].ready, 7);
  EXPECT_EQ((*queues)[1].unacked, 2);
  EXPECT_EQ((*queues)[2].consumers, 0);  // a missing figure counts as 0
  EXPECT_TRUE(ParseManagementQueues("[]"));
}

TEST(ManagementTest, HostileAnswersAreProtocolErrors) {
  for (const char* bad : {"", "{}", "null", "[1]", R"([{"messages_ready":1}])",
                          R"([{"name":5}])", "[{\"name\":\"x\"", "<html>502</html>"}) {
    const auto parsed = ParseManagementQueues(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error(), MakeErrorCode(Errc::kProtocol)) << bad;
  }
  // Figures of the wrong type or size count as 0, never throw.
  const auto odd = ParseManagementQueues(
      R"([{"name":"q","messages_ready":"7","consumers":1e300,"messages_unacknowledged":-1}])");
  ASSERT_TRUE(odd);
  EXPECT_EQ((*odd)[0].ready, 0);
  EXPECT_EQ((*odd)[0].consumers, 0);
  EXPECT_EQ((*odd)[0].unacked, -1);
}

TEST(ManagementTest, UrlCheckNamesTheProblem) {
  EXPECT_EQ(CheckManagementUrl("http://guest:guest@127.0.0.1:15672/api"), "");
  EXPECT_EQ(CheckManagementUrl("https://h/api"), "must be an http:// URL (https is not supported)");
  EXPECT_EQ(CheckManagementUrl("http://h/api?x=1"), "must not have a query or fragment");
  EXPECT_EQ(CheckManagementUrl("::"), "not a URL: http://user:password@host:15672/api");
}

}  // namespace
}  // namespace queuemon::amqp
