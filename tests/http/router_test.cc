#include "http/router.h"

#include <gtest/gtest.h>

#include "tests/testing/run_coroutine.h"

namespace queuemon::http {
namespace {

Handler Named(std::string name) {
  return [name](const Request&, const RouteParams&) -> boost::asio::awaitable<Response> {
    Response r;
    r.body = name;
    co_return r;
  };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add(Method::kGet, "/api/v1/celery/tasks/status", Named("tasks"));
    router_.Add(Method::kGet, "/api/v1/celery/tasks/{task_id}", Named("task"));
    router_.Add(Method::kPost, "/api/v1/celery/cache/invalidate", Named("invalidate"));
    router_.Add(Method::kGet, "/", Named("landing"));
  }

  // The handler's name, or the error status as a string.
  std::string Call(Method method, std::string_view target, RouteParams* params = nullptr) {
    auto routed = router_.Route(method, target);
    if (auto* error = std::get_if<Response>(&routed)) {
      last_error_ = *error;
      return std::to_string(error->status);
    }
    auto& match = std::get<Router::Match>(routed);
    if (params) *params = match.params;
    boost::asio::io_context ioc;
    return testing::RunToCompletion(ioc, (*match.handler)(Request{}, match.params)).body;
  }

  Router router_;
  Response last_error_;
};

TEST_F(RouterTest, LiteralRoutesWinOverPlaceholdersRegisteredAfterThem) {
  EXPECT_EQ(Call(Method::kGet, "/api/v1/celery/tasks/status"), "tasks");
  RouteParams params;
  EXPECT_EQ(Call(Method::kGet, "/api/v1/celery/tasks/abc-123", &params), "task");
  EXPECT_EQ(params.path.at("task_id"), "abc-123");
  EXPECT_EQ(Call(Method::kGet, "/"), "landing");
}

TEST_F(RouterTest, UnknownPathsAndSourcesAre404WithJsonBody) {
  EXPECT_EQ(Call(Method::kGet, "/api/v1/celery/nope"), "404");
  EXPECT_EQ(Call(Method::kGet, "/api/v1/other/tasks/status"), "404");
  EXPECT_EQ(Call(Method::kGet, "/api/v1/celery/tasks/status/"), "404");
  EXPECT_NE(last_error_.body.find("\"error\":\"not_found\""), std::string::npos);
  EXPECT_EQ(last_error_.Header("content-type"), "application/json");
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  EXPECT_EQ(Call(Method::kPost, "/api/v1/celery/tasks/status"), "405");
  EXPECT_EQ(last_error_.Header("Allow"), "GET, HEAD");
  EXPECT_EQ(Call(Method::kGet, "/api/v1/celery/cache/invalidate"), "405");
  EXPECT_EQ(last_error_.Header("Allow"), "POST");
}

TEST_F(RouterTest, HeadIsServedByTheGetHandler) {
  EXPECT_EQ(Call(Method::kHead, "/api/v1/celery/tasks/status"), "tasks");
}

TEST_F(RouterTest, QueryParametersArePercentDecodedInOrder) {
  RouteParams params;
  Call(Method::kGet, "/api/v1/celery/tasks/status?use_cache=F%61lse&x=a+b&x=2", &params);
  ASSERT_EQ(params.query.size(), 3u);
  EXPECT_EQ(params.Query("use_cache"), "False");
  EXPECT_EQ(params.Query("x"), "a b");
  EXPECT_FALSE(params.Query("missing").has_value());
}

TEST_F(RouterTest, InvalidPercentEncodingIs400) {
  EXPECT_EQ(Call(Method::kGet, "/api/v1/celery/tasks/status?use_cache=%zz"), "400");
  EXPECT_EQ(Call(Method::kGet, "/api/v1/celery/tasks/%G1"), "400");
  EXPECT_NE(last_error_.body.find("\"error\":\"bad_request\""), std::string::npos);
  EXPECT_EQ(Call(Method::kGet, "/api/v1/celery/tasks/a%2Fb"), "400");
}

TEST(ParseBoolParamTest, AcceptsTrueFalseOneZeroInAnyCase) {
  EXPECT_EQ(ParseBoolParam("true"), true);
  EXPECT_EQ(ParseBoolParam("TRUE"), true);
  EXPECT_EQ(ParseBoolParam("1"), true);
  EXPECT_EQ(ParseBoolParam("False"), false);
  EXPECT_EQ(ParseBoolParam("0"), false);
  EXPECT_EQ(ParseBoolParam("yes"), std::nullopt);
  EXPECT_EQ(ParseBoolParam(""), std::nullopt);
  EXPECT_EQ(ParseBoolParam("2"), std::nullopt);
}

}  // namespace
}  // namespace queuemon::http
