#include "api/view_handler.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "redis/errors.h"
#include "sources/errors.h"
#include "api/auth.h"
#include "api/cache_control.h"
#include "api/cache_handlers.h"
#include "tests/testing/gunzip.h"
#include "tests/testing/run_coroutine.h"
#include "sources/fake/fake_source.h"

namespace queuemon::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

http::Request Request(std::string if_none_match = "", bool accepts_gzip = false) {
  http::Request request;
  request.if_none_match = std::move(if_none_match);
  request.accepts_gzip = accepts_gzip;
  return request;
}

cache::ReadResult Result(cache::Outcome outcome, base::Duration age, base::Duration ttl) {
  cache::ReadResult r;
  r.outcome = outcome;
  r.entry = cache::Entry::Make(R"({"x":1})", base::TimePoint{});
  r.age = age;
  r.ttl = ttl;
  return r;
}

TEST(ViewResponseTest, HitCarriesCacheHeadersAndReferencesTheEntryBody) {
  const cache::ReadResult hit = Result(cache::Outcome::kHit, milliseconds(2500), seconds(5));
  const http::Response r = ViewResponse(hit, Request(), "celery");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("X-Cache"), "HIT");
  EXPECT_EQ(r.Header("X-Cache-Age"), "2");
  EXPECT_EQ(r.Header("Age"), "2");
  EXPECT_EQ(r.Header("ETag"), hit.entry->etag);
  EXPECT_EQ(r.Header("Cache-Control"), "max-age=2");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Body().data(), hit.entry->body.data());  // no copy
}

TEST(ViewResponseTest, MissHasNoAgeAndStaleHasZeroMaxAge) {
  const http::Response miss = ViewResponse(Result(cache::Outcome::kMiss, {}, seconds(3)), Request(), "celery");
  EXPECT_EQ(miss.Header("X-Cache"), "MISS");
  EXPECT_EQ(miss.Header("Age"), "");
  EXPECT_EQ(miss.Header("Cache-Control"), "max-age=3");
  const http::Response stale = ViewResponse(Result(cache::Outcome::kStale, seconds(9), seconds(3)), Request(), "celery");
  EXPECT_EQ(stale.Header("X-Cache"), "STALE");
  EXPECT_EQ(stale.Header("Age"), "9");
  EXPECT_EQ(stale.Header("Cache-Control"), "max-age=0");
}

TEST(ViewResponseTest, MatchingIfNoneMatchGives304WithHeadersAndNoBody) {
  const cache::ReadResult hit = Result(cache::Outcome::kHit, seconds(1), seconds(5));
  const http::Response r = ViewResponse(hit, Request("\"other\", " + hit.entry->etag), "celery");
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.Header("ETag"), hit.entry->etag);
  EXPECT_EQ(r.Header("X-Cache"), "HIT");
  EXPECT_TRUE(r.Body().empty());
  EXPECT_EQ(ViewResponse(hit, Request("\"other\""), "celery").status, 200);
  EXPECT_TRUE(IfNoneMatchMatches("*", hit.entry->etag));
  EXPECT_TRUE(IfNoneMatchMatches("W/" + hit.entry->etag, hit.entry->etag));
}

TEST(ViewResponseTest, FailuresAre503Or504WithRetryAfterAndJsonError) {
  cache::ReadResult failed;
  failed.error = sources::MakeErrorCode(sources::Errc::kUnavailable);
  failed.ttl = seconds(5);
  const http::Response unavailable = ViewResponse(failed, Request(), "celery");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.Header("Retry-After"), "5");
  const auto body = nlohmann::json::parse(unavailable.body);
  EXPECT_EQ(body["error"], "collector_unavailable");
  EXPECT_TRUE(body.contains("detail"));
  // Any layer's timeout is a 504: the Redis client's, and the wait for a shared load's.
  failed.error = redis::MakeErrorCode(redis::Errc::kTimeout);
  EXPECT_EQ(ViewResponse(failed, Request(), "celery").status, 504);
  failed.error = make_error_code(boost::system::errc::timed_out);
  EXPECT_EQ(ViewResponse(failed, Request(), "celery").status, 504);
}

// Issue 11: the cause comes first; a bypass says why no cached data stood in.
TEST(ViewResponseTest, AFailedBypassNamesTheBrokerNotTheCache) {
  cache::ReadResult failed;
  failed.error = sources::MakeErrorCode(sources::Errc::kUnavailable);
  failed.ttl = seconds(5);
  failed.bypassed_cache = true;
  const auto detail = nlohmann::json::parse(ViewResponse(failed, Request(), "celery").body)["detail"];
  EXPECT_EQ(detail, "celery: broker unavailable (cannot connect, or the connection was lost); "
                    "use_cache=false asks for fresh data, so cached data is not served instead");
}

// Issue 11: a health view that finds its broker unreachable is a 503 for load balancers, and
// a 304 never stands in for it.
TEST(ViewResponseTest, AnEntryThatReportsAFailureKeepsItsStatus) {
  cache::EntryContent content;
  content.body = R"({"status":"unhealthy"})";
  content.status = 503;
  cache::ReadResult hit = Result(cache::Outcome::kHit, seconds(1), seconds(10));
  hit.entry = cache::Entry::Make(std::move(content), base::TimePoint{});
  EXPECT_EQ(ViewResponse(hit, Request(), "celery").status, 503);
  const http::Response again = ViewResponse(hit, Request(hit.entry->etag), "celery");
  EXPECT_EQ(again.status, 503);
  EXPECT_EQ(again.Body(), R"({"status":"unhealthy"})");
}

// A HIT on an entry made with compression from 1 KiB on: `bytes` of JSON-ish body.
cache::ReadResult CompressibleHit(std::size_t bytes) {
  cache::EntryContent content;
  content.body = R"({"pad":")" + std::string(bytes - 10, 'x') + R"("})";
  cache::ReadResult hit = Result(cache::Outcome::kHit, seconds(1), seconds(5));
  hit.entry = cache::Entry::Make(std::move(content), base::TimePoint{}, cache::EntryEncoding{1024});
  return hit;
}

TEST(ViewResponseGzipTest, AClientThatAcceptsGzipGetsTheStoredGzipFormWithItsOwnEtag) {
  const cache::ReadResult hit = CompressibleHit(4096);
  ASSERT_TRUE(hit.entry->has_gzip());
  const http::Response gzip = ViewResponse(hit, Request("", /*accepts_gzip=*/true), "celery");
  EXPECT_EQ(gzip.status, 200);
  EXPECT_EQ(gzip.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(gzip.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(gzip.Header("ETag"), hit.entry->gzip_etag);
  EXPECT_EQ(gzip.Header("Content-Type"), "application/json");
  EXPECT_EQ(gzip.Header("X-Cache"), "HIT");
  EXPECT_EQ(gzip.Body().data(), hit.entry->gzip_body.data()) << "the stored bytes, no copy";
  EXPECT_EQ(testing::Gunzip(gzip.Body()), hit.entry->body);

  const http::Response identity = ViewResponse(hit, Request(), "celery");
  EXPECT_EQ(identity.Header("Content-Encoding"), "");
  EXPECT_EQ(identity.Header("Vary"), "Accept-Encoding") << "compressed or not";
  EXPECT_EQ(identity.Header("ETag"), hit.entry->etag);
  EXPECT_NE(identity.Header("ETag"), gzip.Header("ETag"));
  EXPECT_EQ(identity.Body().data(), hit.entry->body.data());
}

TEST(ViewResponseGzipTest, AnEntryWithoutAGzipFormIsSentAsItIsWithVary) {
  const cache::ReadResult small = CompressibleHit(1000);
  ASSERT_FALSE(small.entry->has_gzip());
  const http::Response r = ViewResponse(small, Request("", /*accepts_gzip=*/true), "celery");
  EXPECT_EQ(r.Header("Content-Encoding"), "");
  EXPECT_EQ(r.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(r.Header("ETag"), small.entry->etag);
  EXPECT_EQ(r.Body(), small.entry->body);
}

// RFC 9110 13.1.2: If-None-Match compares with the selected representation's ETag (weakly).
// Each coding has its own, so a tag of the other coding is no match.
TEST(ViewResponseGzipTest, IfNoneMatchGives304PerEncodingAndNeverAcrossEncodings) {
  const cache::ReadResult hit = CompressibleHit(4096);
  const std::string& gzip_etag = hit.entry->gzip_etag;
  const std::string& etag = hit.entry->etag;

  const http::Response gzip_304 = ViewResponse(hit, Request(gzip_etag, true), "celery");
  EXPECT_EQ(gzip_304.status, 304);
  EXPECT_EQ(gzip_304.Header("ETag"), gzip_etag);
  EXPECT_EQ(gzip_304.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(gzip_304.Header("Content-Encoding"), "") << "no body to decode";
  EXPECT_TRUE(gzip_304.Body().empty());
  const http::Response identity_304 = ViewResponse(hit, Request(etag, false), "celery");
  EXPECT_EQ(identity_304.status, 304);
  EXPECT_EQ(identity_304.Header("ETag"), etag);
  EXPECT_EQ(identity_304.Header("Vary"), "Accept-Encoding");

  const http::Response gzip_tag_identity_client = ViewResponse(hit, Request(gzip_etag, false), "celery");
  EXPECT_EQ(gzip_tag_identity_client.status, 200);
  EXPECT_EQ(gzip_tag_identity_client.Body(), hit.entry->body);
  const http::Response identity_tag_gzip_client = ViewResponse(hit, Request(etag, true), "celery");
  EXPECT_EQ(identity_tag_gzip_client.status, 200);
  EXPECT_EQ(identity_tag_gzip_client.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(ViewResponse(hit, Request("W/" + gzip_etag, true), "celery").status, 304) << "weak comparison";
  EXPECT_EQ(ViewResponse(hit, Request(etag + ", " + gzip_etag, true), "celery").status, 304);
}

class ServeViewTest : public ::testing::Test {
 protected:
  http::Response Serve(sources::View view, std::string target_query, std::string task_id = "") {
    http::RouteParams params;
    if (!target_query.empty()) {
      params.query.emplace_back(target_query.substr(0, target_query.find('=')),
                                target_query.substr(target_query.find('=') + 1));
    }
    if (!task_id.empty()) params.path["task_id"] = task_id;
    return testing::RunToCompletion(ioc_, ServeView(service_, view, http::Request{}, params));
  }

  boost::asio::io_context ioc_;
  base::ManualClock clock_;
  sources::fake::FakeSource source_;
  ViewService service_{ioc_.get_executor(), source_, {}, clock_, milliseconds(1000)};
};

TEST_F(ServeViewTest, UseCacheAcceptsBooleansAndRejectsOthersNamingTheParameter) {
  EXPECT_EQ(Serve(sources::View::kWorkers, "use_cache=TRUE").Header("X-Cache"), "MISS");
  EXPECT_EQ(Serve(sources::View::kWorkers, "use_cache=1").Header("X-Cache"), "HIT");
  EXPECT_EQ(Serve(sources::View::kWorkers, "use_cache=0").Header("X-Cache"), "MISS");
  const http::Response bad = Serve(sources::View::kWorkers, "use_cache=maybe");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("use_cache"), std::string::npos);
}

TEST_F(ServeViewTest, InvalidTaskIdIs400AndValidOneIsServed) {
  EXPECT_EQ(Serve(sources::View::kTask, "", "bad id*").status, 400);
  EXPECT_EQ(Serve(sources::View::kTask, "", std::string(156, 'a')).status, 400);
  const http::Response ok = Serve(sources::View::kTask, "", "6f1c-uuid");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Body(), R"({"view":"task:6f1c-uuid","call":1})");
  EXPECT_EQ(source_.calls(), 1u);
}

TEST_F(ServeViewTest, CacheStatsHasTheOriginalShape) {
  Serve(sources::View::kWorkers, "");
  Serve(sources::View::kWorkers, "");
  const auto body = nlohmann::json::parse(CacheStatsJson(service_));
  const std::string ts = body["timestamp"];
  EXPECT_EQ(ts.back(), 'Z');
  EXPECT_EQ(ts[10], 'T');
  for (const char* name : {"task_status", "worker_status", "queue_status", "metrics_summary",
                           "health_check"}) {
    const auto& c = body["caches"][name];
    for (const char* field : {"size", "max_size", "utilization_percent", "hits", "misses",
                              "hit_rate_percent", "sets", "evictions", "expirations",
                              "invalidations", "total_requests"}) {
      EXPECT_TRUE(c.contains(field)) << name << "." << field;
    }
  }
  EXPECT_EQ(body["caches"]["worker_status"]["hits"], 1);
  EXPECT_EQ(body["caches"]["worker_status"]["hit_rate_percent"], 50.0);
  EXPECT_EQ(body["summary"]["total_requests"], 2);
  EXPECT_EQ(body["summary"]["overall_hit_rate_percent"], 50.0);
  for (const char* field : {"total_hits", "total_misses", "total_requests"}) {
    EXPECT_TRUE(body["summary"].contains(field)) << field;
  }
}

TEST_F(ServeViewTest, InvalidateNamesWhatItRemovedAndRejectsUnknownCaches) {
  Serve(sources::View::kWorkers, "");
  http::Request local;
  local.client_is_loopback = true;
  local.client_address = "127.0.0.1";
  http::RouteParams params;
  params.query.emplace_back("cache_name", "worker_status");
  const http::Response ok = InvalidateResponse(service_, local, params, "");
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok.body)["invalidated"]["worker_status"], 1);
  EXPECT_EQ(nlohmann::json::parse(ok.body)["total"], 1);
  params.query.front().second = "nope";
  EXPECT_EQ(InvalidateResponse(service_, local, params, "").status, 404);
}

// Issue 11: the original service's clients name the cache in a JSON body.
TEST_F(ServeViewTest, InvalidateReadsTheCacheNameFromAJsonBody) {
  Serve(sources::View::kWorkers, "");
  Serve(sources::View::kQueues, "");
  http::Request local;
  local.client_is_loopback = true;
  local.body = R"({"cache_name": "worker_status"})";
  const http::Response ok = InvalidateResponse(service_, local, http::RouteParams{}, "");
  ASSERT_EQ(ok.status, 200) << ok.body;
  const auto body = nlohmann::json::parse(ok.body);
  EXPECT_EQ(body["invalidated"], nlohmann::json({{"worker_status", 1}})) << "only that cache";
  EXPECT_EQ(Serve(sources::View::kQueues, "").Header("X-Cache"), "HIT");

  local.body = R"({"cache_name": "nope"})";
  EXPECT_EQ(InvalidateResponse(service_, local, http::RouteParams{}, "").status, 404);
  for (const char* bad : {"[1]", "{\"cache_name\": 3}", "{\"cache\": \"x\"}", "{oops"}) {
    local.body = bad;
    const http::Response r = InvalidateResponse(service_, local, http::RouteParams{}, "");
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(nlohmann::json::parse(r.body).contains("detail")) << bad;
  }
  http::RouteParams query;
  query.query.emplace_back("cache_name", "queue_status");
  local.body = R"({"cache_name": "worker_status"})";
  EXPECT_EQ(InvalidateResponse(service_, local, query, "").status, 400) << "query and body differ";
  local.body = " \r\n";
  EXPECT_EQ(InvalidateResponse(service_, local, query, "").status, 200) << "blank body: query";
}

TEST_F(ServeViewTest, WarmAnswers202WithWhatItStartedAndIsAuthorizedAsInvalidate) {
  Serve(sources::View::kTask, "", "t1");
  http::Request local;
  local.client_is_loopback = true;
  http::RouteParams params;
  params.query.emplace_back("cache_name", "task_status");
  const http::Response ok = WarmResponse(service_, local, params, "");
  ASSERT_EQ(ok.status, 202) << ok.body;
  EXPECT_EQ(ok.Header("Cache-Control"), "no-store");
  const auto body = nlohmann::json::parse(ok.body);
  EXPECT_EQ(body["started"], nlohmann::json({{"task_status", {"tasks", "task:t1"}}}));
  EXPECT_EQ(body["joined"], nlohmann::json({{"task_status", nlohmann::json::array()}}));
  EXPECT_EQ(body["total_started"], 2);
  EXPECT_EQ(body["source"], "celery");
  params.query.front().second = "nope";
  const http::Response unknown = WarmResponse(service_, local, params, "");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("worker_status"), std::string::npos) << "lists the known caches";
  local.body = R"({"key": "task:*"})";
  EXPECT_EQ(WarmResponse(service_, local, http::RouteParams{}, "").status, 400) << "no key for warm";
  http::Request remote;
  remote.client_address = "192.0.2.7";
  EXPECT_EQ(WarmResponse(service_, remote, http::RouteParams{}, "").status, 403);
  remote.authorization = "Bearer wrong";
  EXPECT_EQ(WarmResponse(service_, remote, http::RouteParams{}, "secret").status, 401);
  EXPECT_EQ(service_.control().Stats().triggers[kWarmCause], 1u) << "refused calls do nothing";
}

TEST_F(ServeViewTest, InvalidateWithAKeyGlobDropsOnlyMatchingEntriesAndCountsThem) {
  Serve(sources::View::kTask, "", "a");
  Serve(sources::View::kTask, "", "b");
  Serve(sources::View::kTasks, "");
  http::Request local;
  local.client_is_loopback = true;
  http::RouteParams params;
  params.query.emplace_back("cache_name", "task_status");
  params.query.emplace_back("key", "task:*");
  const http::Response ok = InvalidateResponse(service_, local, params, "");
  ASSERT_EQ(ok.status, 200) << ok.body;
  const auto body = nlohmann::json::parse(ok.body);
  EXPECT_EQ(body["invalidated"], nlohmann::json({{"task_status", 2}}));
  EXPECT_EQ(body["total"], 2);
  EXPECT_EQ(body["key"], "task:*");
  EXPECT_EQ(Serve(sources::View::kTasks, "").Header("X-Cache"), "HIT");
  local.body = R"({"key": "tasks"})";  // from a body, over every cache
  const auto all = nlohmann::json::parse(InvalidateResponse(service_, local, http::RouteParams{}, "").body);
  EXPECT_EQ(all["total"], 1);
  for (const char* bad : {R"({"key": ""})", R"({"key": 7})", "{\"key\": \"a\\u0001\"}"}) {
    local.body = bad;
    const http::Response r = InvalidateResponse(service_, local, http::RouteParams{}, "");
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find("key"), std::string::npos) << r.body;
  }
  local.body = R"({"key": ")" + std::string(513, 'k') + R"("})";
  EXPECT_EQ(InvalidateResponse(service_, local, http::RouteParams{}, "").status, 400);
  local.body = R"({"key": "*a*b*c*d*e*f*g*h*"})";  // 9 stars: fnmatch could backtrack for long
  EXPECT_EQ(InvalidateResponse(service_, local, http::RouteParams{}, "").status, 400);
  const auto stats = nlohmann::json::parse(CacheStatsJson(service_));
  EXPECT_EQ(stats["caches"]["task_status"]["control"]["invalidate_pattern"],
            nlohmann::json({{"refreshes", 0}, {"coalesced", 0}, {"dropped", 3}}));
  EXPECT_EQ(stats["control"]["triggers"]["invalidate_pattern"], 2);
  EXPECT_EQ(stats["control"]["triggers"]["worker-offline"], 0) << "configured causes are listed";
  EXPECT_FALSE(stats["control"]["triggers"].contains("worker-heartbeat")) << "no rule for it";
  EXPECT_EQ(stats["control"]["min_refresh_interval_ms"], 500);
  EXPECT_EQ(stats["caches"]["task_status"]["invalidations"], 3);
}

TEST(AuthTest, WithoutTokenOnlyLoopbackMayMutate) {
  http::Request request;
  request.client_is_loopback = true;
  EXPECT_FALSE(CheckMutationAllowed(request, "").has_value());
  request.client_is_loopback = false;
  const auto denied = CheckMutationAllowed(request, "");
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(denied->status, 403);
  EXPECT_NE(denied->body.find("\"error\""), std::string::npos);
}

TEST(AuthTest, WithTokenEveryClientNeedsTheBearerToken) {
  http::Request request;
  request.client_is_loopback = true;
  auto denied = CheckMutationAllowed(request, "s3cret");
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(denied->status, 401);
  EXPECT_NE(denied->Header("WWW-Authenticate").find("Bearer"), std::string_view::npos);
  request.authorization = "Bearer s3creT";
  EXPECT_EQ(CheckMutationAllowed(request, "s3cret")->status, 401);
  request.authorization = "Bearer s3cret";
  EXPECT_FALSE(CheckMutationAllowed(request, "s3cret").has_value());
}

TEST(AuthTest, ConstantTimeEqualsAndLoopbackDetection) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(http::IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(http::IsLoopbackAddress("127.3.2.1"));
  EXPECT_TRUE(http::IsLoopbackAddress("::1"));
  EXPECT_TRUE(http::IsLoopbackAddress("::ffff:127.0.0.1"));
  EXPECT_FALSE(http::IsLoopbackAddress("10.0.0.1"));
  EXPECT_FALSE(http::IsLoopbackAddress("::ffff:10.0.0.1"));
}

}  // namespace
}  // namespace queuemon::api
