// End-to-end cache semantics of the real queuemond binary over HTTP, against a real
// redis-server and two real Celery workers (one of each per test binary, shared by the suite).
// Waiting for time to pass (ages, TTL expiry) polls a condition with a deadline; no test asserts
// how long anything took.
#include <signal.h>

#include <latch>
#include <set>
#include <thread>

#include <boost/beast/core/detail/base64.hpp>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/eventually.h"
#include "tests/testing/gunzip.h"
#include "tests/testing/redis_monitor.h"

namespace queuemon::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Eventually;

// worker_status: ttl 3 s, refresh at 2.5 s (ages and expiry). task_status: ttl 3 s, refresh at
// 1 s (refresh-ahead). queue_status / metrics_summary: 60 s (stay fresh during a test).
// health_check: 60 s, so the daemon's own health refresh sends no ping broadcast mid-test.
constexpr const char* kCaches = R"({
  "worker_status": {"ttl_seconds": 3, "refresh_after_seconds": 2.5, "stale_for_seconds": 60},
  "task_status": {"ttl_seconds": 3, "refresh_after_seconds": 1},
  "queue_status": {"ttl_seconds": 60},
  "metrics_summary": {"ttl_seconds": 60},
  "health_check": {"ttl_seconds": 60}})";

// Views of at least 256 bytes are also stored gzip-compressed (the default, 1 KiB, is more than
// two workers' views hold).
constexpr std::size_t kGzipMinBytes = 256;

class E2eCacheTest : public SharedEnvironmentTest<E2eCacheTest> {
 public:  // read by SharedEnvironmentTest
  static constexpr const char* kCachesJson = kCaches;
  static constexpr const char* kLogName = "e2e_cache_logs";
  static constexpr const char* kTopExtraJson = R"("http": {"gzip_min_bytes": 256})";

 protected:
  static std::optional<testing::HttpResponse> Get(const std::string& path,
                                                  const std::map<std::string, std::string>& h = {}) {
    return Daemon().Get(kApi + path, h);
  }
  static std::optional<testing::HttpResponse> Invalidate(const std::string& query = "") {
    return Daemon().Request("POST", std::string(kApi) + "/cache/invalidate" + query);
  }
  static json CacheStats(const std::string& cache) {
    return Json(Get("/cache/stats")).value("caches", json::object()).value(cache, json::object());
  }
  static std::int64_t Messages(const json& queues_view, const std::string& name) {
    for (const json& q : queues_view.value("queues", json::array())) {
      if (q.value("name", "") == name && q["messages"].is_number()) return q["messages"].get<std::int64_t>();
    }
    return -1;
  }
  // LLEN of every priority sub-list of `queue`, summed (redis-py, via ctl.py).
  static std::int64_t TrueDepth(const std::string& queue) {
    const auto r = env_->workers.Ctl({"depth", queue});
    const json depth = json::parse(r.output, nullptr, false);
    if (!depth.is_object() || !depth.contains(queue)) {
      ADD_FAILURE() << "ctl.py depth: " << r.output;
      return -1;
    }
    std::int64_t total = 0;
    for (const auto& [step, n] : depth[queue].items()) total += n.is_number() ? n.get<std::int64_t>() : 0;
    return total;
  }

};

TEST_F(E2eCacheTest, FirstRequestMissesThenHitsWithAGrowingAge) {
  ASSERT_EQ(Status(Invalidate("?cache_name=worker_status")), 200);
  const auto miss = Get("/workers/status");
  ASSERT_EQ(Status(miss), 200);
  EXPECT_EQ(XCache(miss), "MISS");
  EXPECT_FALSE(miss->HasHeader("X-Cache-Age")) << "a MISS is not served from the cache";
  EXPECT_EQ(miss->Header("Content-Type"), "application/json");
  EXPECT_EQ(miss->Header("Cache-Control").rfind("max-age=", 0), 0u) << miss->Header("Cache-Control");
  const std::string etag = miss->Header("ETag");
  ASSERT_FALSE(etag.empty());

  const auto hit = Get("/workers/status");
  ASSERT_EQ(Status(hit), 200);
  EXPECT_EQ(XCache(hit), "HIT");
  EXPECT_EQ(hit->Header("ETag"), etag);
  EXPECT_EQ(hit->body, miss->body);
  EXPECT_EQ(hit->Header("X-Cache-Age"), hit->Header("Age"));

  // Age grows while the entry is served from the cache (ttl 3 s, refresh only from 2.5 s).
  std::optional<testing::HttpResponse> last;
  ASSERT_TRUE(Eventually(
      [&] {
        last = Get("/workers/status");
        EXPECT_EQ(XCache(last), "HIT");
        EXPECT_EQ(last ? last->Header("ETag") : "", etag) << "the same entry until refresh";
        return last && last->Header("Age") != "" && std::stoi(last->Header("Age")) >= 1;
      },
      10s, 100ms));
  EXPECT_EQ(last->Header("X-Cache-Age"), last->Header("Age"));
  const int age = std::stoi(last->Header("Age"));
  const int max_age = std::stoi(last->Header("Cache-Control").substr(8));
  EXPECT_LE(age + max_age, 3) << "max-age is the freshness left of a 3 s ttl";
  EXPECT_GE(age + max_age, 1);
}

TEST_F(E2eCacheTest, ExpiresAfterTheTtlWithNoReaderInBetween) {
  const auto first = Get("/workers/status?use_cache=false");
  ASSERT_EQ(Status(first), 200);
  ASSERT_EQ(XCache(first), "MISS");
  const double collected = Json(first).value("timestamp", 0.0);
  const std::uint64_t hits = CacheStats("worker_status").value("hits", 0u);

  // Nobody reads worker_status now (not even /metrics, which would be a reader), so nothing
  // refreshes it; let its ttl (3 s) pass. Waiting for time itself: there is no event to await.
  const auto collected_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually([&] { return std::chrono::steady_clock::now() - collected_at >= 3100ms; },
                         15s, 100ms));
  EXPECT_EQ(CacheStats("worker_status").value("hits", 0u), hits) << "no reader in between";

  const auto after = Get("/workers/status");
  ASSERT_EQ(Status(after), 200);
  EXPECT_EQ(XCache(after), "MISS") << "an entry past its ttl is reloaded, not served";
  EXPECT_NE(after->Header("ETag"), first->Header("ETag"));
  EXPECT_GT(Json(after).value("timestamp", 0.0), collected);
}

TEST_F(E2eCacheTest, APollerFasterThanTheTtlOnlySeesHitsAfterTheFirst) {
  ASSERT_EQ(Status(Get("/tasks/status")), 200);  // MISS or HIT: the entry now exists
  std::set<double> timestamps;
  for (int i = 0; i < 30; ++i) {
    const auto response = Get("/tasks/status");
    ASSERT_EQ(Status(response), 200);
    EXPECT_EQ(XCache(response), "HIT") << "poll " << i << " (ttl 3 s, refresh after 1 s)";
    timestamps.insert(Json(response).value("timestamp", 0.0));
    std::this_thread::sleep_for(150ms);  // the poller's pace (~4.5 s in all), not a sync
  }
  // Each tasks body carries its collection timestamp, so a new timestamp means a background
  // refresh replaced the entry while the poller kept getting HITs (the ETag identifies the
  // content without the timestamp, so it stays when the tasks did not change).
  EXPECT_GE(timestamps.size(), 2u);
}

TEST_F(E2eCacheTest, UseCacheFalseFetchesFreshDataAndStoresIt) {
  ASSERT_EQ(Status(Get("/queues/status")), 200);
  const auto before = Get("/queues/status");
  ASSERT_EQ(XCache(before), "HIT");
  const std::int64_t old_depth = Messages(Json(before), kUnconsumed);
  ASSERT_GE(old_depth, 0) << before->body;

  env_->workers.Send("add", Send("[1, 2]", kUnconsumed, {}, 2));
  const std::int64_t truth = TrueDepth(kUnconsumed);
  ASSERT_EQ(truth, old_depth + 2);

  const auto cached = Get("/queues/status");
  EXPECT_EQ(XCache(cached), "HIT");
  EXPECT_EQ(Messages(Json(cached), kUnconsumed), old_depth) << "a HIT serves the stored data";

  const auto fresh = Get("/queues/status?use_cache=false");
  ASSERT_EQ(Status(fresh), 200);
  EXPECT_EQ(XCache(fresh), "MISS");
  EXPECT_EQ(Messages(Json(fresh), kUnconsumed), truth);
  EXPECT_NE(fresh->Header("ETag"), cached->Header("ETag"));

  const auto stored = Get("/queues/status");
  EXPECT_EQ(XCache(stored), "HIT");
  EXPECT_EQ(stored->Header("ETag"), fresh->Header("ETag")) << "the bypass stored its data";

  for (const char* value : {"FALSE", "0", "False"}) {
    EXPECT_EQ(XCache(Get(std::string("/queues/status?use_cache=") + value)), "MISS") << value;
  }
  for (const char* value : {"TRUE", "1", "true"}) {
    EXPECT_EQ(XCache(Get(std::string("/queues/status?use_cache=") + value)), "HIT") << value;
  }
  const auto bad = Get("/queues/status?use_cache=maybe");
  ASSERT_EQ(Status(bad), 400);
  const json error = Json(bad);
  ASSERT_TRUE(error.is_object()) << bad->body;
  EXPECT_TRUE(error.contains("error"));
  EXPECT_NE(error.value("detail", "").find("use_cache"), std::string::npos) << bad->body;
}

TEST_F(E2eCacheTest, MatchingIfNoneMatchGets304WithTheCacheHeaders) {
  const auto full = Get("/queues/status");
  ASSERT_EQ(Status(full), 200);
  const std::string etag = full->Header("ETag");
  const auto not_modified = Get("/queues/status", {{"If-None-Match", etag}});
  ASSERT_EQ(Status(not_modified), 304);
  EXPECT_TRUE(not_modified->body.empty());
  EXPECT_EQ(not_modified->Header("ETag"), etag);
  EXPECT_EQ(XCache(not_modified), "HIT");
  EXPECT_TRUE(not_modified->HasHeader("X-Cache-Age"));
  EXPECT_TRUE(not_modified->HasHeader("Age"));
  EXPECT_EQ(not_modified->Header("Cache-Control").rfind("max-age=", 0), 0u);

  const auto other = Get("/queues/status", {{"If-None-Match", "\"not-the-etag\""}});
  ASSERT_EQ(Status(other), 200);
  EXPECT_EQ(other->body, full->body);
}

// Issue 16, item 4: a view over http.gzip_min_bytes is stored gzip-compressed once and served so
// to clients that accept gzip, with Vary, its own ETag and a 304 per encoding.
TEST_F(E2eCacheTest, ALargeViewIsServedGzipWithItsOwnEtagAndA304PerEncoding) {
  const std::map<std::string, std::string> gzip = {{"Accept-Encoding", "gzip, deflate"}};
  // A fresh entry (queue_status: ttl 60 s, refresh after 30 s): the reads below are its HITs.
  ASSERT_EQ(Status(Get("/queues/status?use_cache=false")), 200);
  const auto plain = Get("/queues/status");
  const auto packed = Get("/queues/status", gzip);
  ASSERT_EQ(Status(plain), 200);
  ASSERT_EQ(Status(packed), 200);
  ASSERT_GE(plain->body.size(), kGzipMinBytes) << "the view must qualify: " << plain->body;
  EXPECT_EQ(XCache(plain), "HIT");
  EXPECT_EQ(XCache(packed), "HIT");

  EXPECT_FALSE(plain->HasHeader("Content-Encoding"));
  EXPECT_EQ(plain->Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(packed->Header("Content-Encoding"), "gzip");
  EXPECT_EQ(packed->Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(packed->Header("Content-Type"), "application/json");
  EXPECT_LT(packed->body.size(), plain->body.size());
  EXPECT_EQ(testing::Gunzip(packed->body), plain->body) << "the same JSON, compressed";
  const std::string etag = plain->Header("ETag");
  const std::string gzip_etag = packed->Header("ETag");
  EXPECT_NE(gzip_etag, etag);
  EXPECT_EQ(gzip_etag, etag.substr(0, etag.size() - 1) + "-gzip\"");

  const auto head = Daemon().Request("HEAD", std::string(kApi) + "/queues/status", gzip);
  ASSERT_EQ(Status(head), 200);
  EXPECT_EQ(head->Header("Content-Encoding"), "gzip");
  EXPECT_EQ(head->Header("Content-Length"), std::to_string(packed->body.size()));

  auto with = [&](const std::string& tag, bool accepts_gzip) {
    std::map<std::string, std::string> headers = {{"If-None-Match", tag}};
    if (accepts_gzip) headers["Accept-Encoding"] = "gzip";
    return Get("/queues/status", headers);
  };
  const auto gzip_304 = with(gzip_etag, true);
  ASSERT_EQ(Status(gzip_304), 304);
  EXPECT_EQ(gzip_304->Header("ETag"), gzip_etag);
  EXPECT_EQ(gzip_304->Header("Vary"), "Accept-Encoding");
  EXPECT_TRUE(gzip_304->body.empty());
  const auto plain_304 = with(etag, false);
  ASSERT_EQ(Status(plain_304), 304);
  EXPECT_EQ(plain_304->Header("ETag"), etag);
  // A tag of the other encoding names a representation this client would not get.
  const auto crossed_to_plain = with(gzip_etag, false);
  ASSERT_EQ(Status(crossed_to_plain), 200);
  EXPECT_EQ(crossed_to_plain->body, plain->body);
  const auto crossed_to_gzip = with(etag, true);
  ASSERT_EQ(Status(crossed_to_gzip), 200);
  EXPECT_EQ(crossed_to_gzip->Header("Content-Encoding"), "gzip");
}

TEST_F(E2eCacheTest, InvalidateDropsEntriesAndValidatesItsInput) {
  ASSERT_EQ(Status(Get("/queues/status")), 200);
  const auto one = Invalidate("?cache_name=queue_status");
  ASSERT_EQ(Status(one), 200) << (one ? one->body : "");
  EXPECT_EQ(Json(one)["invalidated"].value("queue_status", -1), 1) << one->body;
  EXPECT_EQ(XCache(Get("/queues/status")), "MISS");

  const std::int64_t health_sets = CacheStats("health_check").value("sets", 0);
  const auto all = Invalidate();
  ASSERT_EQ(Status(all), 200);
  for (const char* name : {"task_status", "worker_status", "queue_status", "metrics_summary",
                           "health_check"}) {
    EXPECT_TRUE(Json(all)["invalidated"].contains(name)) << all->body;
  }
  EXPECT_EQ(XCache(Get("/queues/status")), "MISS");
  // Dropped cache entries are not news about the broker: /readyz stays 200 until (and after)
  // the maintenance tick has collected the health view again.
  int not_ready = 0;
  ASSERT_TRUE(Eventually([&] {
    not_ready += Status(Daemon().Get("/readyz")) != 200;
    return CacheStats("health_check").value("sets", 0) > health_sets;
  }));
  EXPECT_EQ(not_ready, 0);
  EXPECT_EQ(Status(Daemon().Get("/readyz")), 200);

  const auto unknown = Invalidate("?cache_name=no_such_cache");
  ASSERT_EQ(Status(unknown), 404);
  EXPECT_NE(unknown->body.find("no_such_cache"), std::string::npos) << unknown->body;
  EXPECT_TRUE(Json(unknown).contains("error"));

  const auto get = Get("/cache/invalidate");
  ASSERT_EQ(Status(get), 405);
  EXPECT_NE(get->Header("Allow").find("POST"), std::string::npos) << get->Header("Allow");
  EXPECT_TRUE(Json(get).contains("error"));
}

// Counts the pidbox broadcasts in MONITOR lines by method. Each is a PUBLISH on
// "/0.celery.pidbox" of a kombu envelope whose "body" is base64 of {"method": ..., ...}; base64
// needs no escaping, so it can be cut out of redis-cli's quoted line as is.
std::map<std::string, int> BroadcastMethods(const std::vector<std::string>& lines) {
  static const std::regex body(R"re(\\"body\\": ?\\"([A-Za-z0-9+/=]+)\\")re");
  std::map<std::string, int> methods;
  for (const std::string& line : lines) {
    if (line.find("\"PUBLISH\" \"/0.celery.pidbox\"") == std::string::npos) continue;
    std::smatch match;
    if (!std::regex_search(line, match, body)) {
      ++methods["<undecodable>"];
      continue;
    }
    const std::string encoded = match[1];
    std::string decoded(boost::beast::detail::base64::decoded_size(encoded.size()), '\0');
    const auto sizes =
        boost::beast::detail::base64::decode(decoded.data(), encoded.data(), encoded.size());
    decoded.resize(sizes.first);
    ++methods[json::parse(decoded, nullptr, false).value("method", "<no method>")];
  }
  return methods;
}

// `clients` connections, opened first, then all released at once to GET `target`.
std::vector<std::optional<testing::HttpResponse>> Burst(int clients, const std::string& target,
                                                         std::uint16_t port) {
  std::vector<std::unique_ptr<testing::HttpClient>> connections;
  for (int i = 0; i < clients; ++i) {
    connections.push_back(std::make_unique<testing::HttpClient>(port, 10s));
  }
  std::vector<std::optional<testing::HttpResponse>> responses(clients);
  std::latch go(clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      responses[i] = connections[i]->Request("GET", target);
    });
  }
  for (auto& t : threads) t.join();
  return responses;
}

TEST_F(E2eCacheTest, ConcurrentClientsOnAColdKeyCauseOneBroadcastRound) {
  // A bypass waits for a load that starts after it arrives: once it returns, no tasks load is
  // in flight (per key at most one runs), so the invalidation below leaves the key cold.
  ASSERT_EQ(Status(Get("/tasks/status?use_cache=false")), 200);
  testing::RedisMonitor monitor(env_->redis.port());
  ASSERT_EQ(Status(Invalidate("?cache_name=task_status")), 200);

  constexpr int kClients = 100;
  const auto responses = Burst(kClients, std::string(kApi) + "/tasks/status", Daemon().port());
  const std::vector<std::string> lines = monitor.Fence();

  int misses = 0;
  std::set<std::string> etags;
  for (const auto& response : responses) {
    ASSERT_EQ(Status(response), 200);
    const std::string x_cache = XCache(response);
    EXPECT_TRUE(x_cache == "MISS" || x_cache == "HIT") << x_cache;
    misses += x_cache == "MISS";
    etags.insert(response->Header("ETag"));
  }
  EXPECT_GE(misses, 1);
  EXPECT_EQ(etags.size(), 1u) << "every client got the body of the one load";
  // The daemon's own background loads of other views (the health view kept fresh every
  // second, the workers view read for STATUS=) broadcast stats, active_queues and ping: not
  // this key's round.
  std::map<std::string, int> methods = BroadcastMethods(lines);
  for (const char* other : {"stats", "active_queues", "ping"}) methods.erase(other);
  EXPECT_EQ(methods, (std::map<std::string, int>{{"active", 1}, {"reserved", 1}, {"scheduled", 1}}))
      << "one inspect round (active + reserved + scheduled) for " << kClients << " clients";
}

// SIGSTOPs the suite's workers (their pidbox messages wait in Redis) until Resume or scope exit.
class StoppedWorkers final {
 public:
  explicit StoppedWorkers(testing::CeleryWorkers& workers) : workers_(workers) {
    for (std::size_t i = 0; i < workers_.size(); ++i) ::kill(workers_.Pid(i), SIGSTOP);
  }
  ~StoppedWorkers() { Resume(); }
  StoppedWorkers(const StoppedWorkers&) = delete;
  StoppedWorkers& operator=(const StoppedWorkers&) = delete;
  void Resume() {
    for (std::size_t i = 0; i < workers_.size(); ++i) ::kill(workers_.Pid(i), SIGCONT);
  }

 private:
  testing::CeleryWorkers& workers_;
};

// Concurrent bypasses join one load that started after they arrived: whatever the number of
// clients, at most one round runs and one more is queued behind it. The workers are stopped
// while the bypasses arrive, so the first bypass's round stays open (a daemon whose rounds wait
// 20 s for replies) until /cache/stats shows every bypass waiting: then exactly two rounds run,
// the first bypass's and the one every later bypass joined, however slowly the clients came.
TEST_F(E2eCacheTest, ConcurrentBypassesNeverMultiplyBroadcasts) {
  constexpr int kClients = 50;
  testing::QueuemondProcess daemon(env_->DaemonConfig(kCaches, R"("inspect_timeout_ms": 20000)"));
  ASSERT_TRUE(daemon.WaitReady()) << daemon.log();
  const std::string tasks = std::string(kApi) + "/tasks/status?use_cache=false";
  ASSERT_EQ(Status(daemon.Get(tasks)), 200);  // nothing in flight now
  testing::RedisMonitor monitor(env_->redis.port());
  StoppedWorkers stopped(env_->workers);
  std::vector<std::optional<testing::HttpResponse>> responses;
  std::thread burst([&] { responses = Burst(kClients, tasks, daemon.port()); });
  std::int64_t waiting = -1;
  const bool all_waiting = Eventually(
      [&] {
        const json stats = Json(daemon.Get(std::string(kApi) + "/cache/stats"));
        waiting = stats["caches"]["task_status"].value("waiting", -1);
        return waiting == kClients;
      },
      10s);
  stopped.Resume();
  burst.join();
  ASSERT_TRUE(all_waiting) << "task_status waiting: " << waiting;
  std::map<std::string, int> methods = BroadcastMethods(monitor.Fence());
  for (const char* other : {"stats", "active_queues", "ping"}) methods.erase(other);  // see above
  for (const auto& response : responses) {
    ASSERT_EQ(Status(response), 200);
    EXPECT_EQ(XCache(response), "MISS");
  }
  EXPECT_EQ(methods, (std::map<std::string, int>{{"active", 2}, {"reserved", 2}, {"scheduled", 2}}))
      << "two inspect rounds for " << kClients << " bypasses";
  EXPECT_EQ(Json(daemon.Get(std::string(kApi) + "/cache/stats"))["caches"]["task_status"].value("waiting", -1), 0);
  EXPECT_EQ(daemon.Stop(), 0) << daemon.log();
}

// A fresh daemon on the suite's broker: /cache/stats counts exactly the requests made.
// Warm-up loads count as sets, never as requests.
TEST_F(E2eCacheTest, CacheStatsCountExactlyTheRequestsMade) {
  testing::QueuemondProcess daemon(env_->DaemonConfig(
      R"({"task_status": {"ttl_seconds": 60}, "worker_status": {"ttl_seconds": 60},
          "queue_status": {"ttl_seconds": 60}, "metrics_summary": {"ttl_seconds": 60},
          "health_check": {"ttl_seconds": 60}})"));
  ASSERT_TRUE(daemon.WaitReady()) << daemon.log();
  const std::string api = kApi;
  auto stats = [&] { return Json(daemon.Get(api + "/cache/stats")); };
  // Warm-up: workers, queues, summary, health, and tasks in the background: one set each.
  ASSERT_TRUE(Eventually(
      [&] {
        const json s = stats();
        for (const char* name : {"task_status", "worker_status", "queue_status", "metrics_summary",
                                 "health_check"}) {
          if (s["caches"][name].value("sets", 0) < 1) return false;
        }
        return true;
      },
      15s));
  const json warm = stats();
  EXPECT_EQ(warm["summary"].value("total_requests", -1), 0) << warm.dump();

  auto x_cache = [&](const std::string& method, const std::string& path) {
    return XCache(daemon.Request(method, api + path));
  };
  EXPECT_EQ(x_cache("GET", "/workers/status"), "HIT");
  EXPECT_EQ(x_cache("GET", "/workers/status"), "HIT");
  EXPECT_EQ(x_cache("GET", "/workers/status?use_cache=false"), "MISS");
  EXPECT_EQ(x_cache("GET", "/queues/status"), "HIT");
  ASSERT_EQ(Status(daemon.Request("POST", api + "/cache/invalidate?cache_name=queue_status")), 200);
  EXPECT_EQ(x_cache("GET", "/queues/status"), "MISS");
  EXPECT_EQ(x_cache("GET", "/tasks/0b7c6a4e-unknown-task"), "MISS");
  EXPECT_EQ(x_cache("GET", "/tasks/0b7c6a4e-unknown-task"), "HIT");
  EXPECT_EQ(x_cache("GET", "/metrics/summary?use_cache=0"), "MISS");
  EXPECT_EQ(Status(daemon.Get(api + "/tasks/a*b")), 400);  // rejected before the cache

  const json s = stats();
  struct Want {
    const char* cache;
    int hits, misses, sets, invalidations, size;
  };
  for (const Want& w : {Want{"worker_status", 2, 1, 2, 0, 1}, Want{"queue_status", 1, 1, 2, 1, 1},
                        Want{"task_status", 1, 1, 2, 0, 2}, Want{"metrics_summary", 0, 1, 2, 0, 1},
                        Want{"health_check", 0, 0, 1, 0, 1}}) {
    const json& c = s["caches"][w.cache];
    EXPECT_EQ(c.value("hits", -1), w.hits) << w.cache << " " << c.dump();
    EXPECT_EQ(c.value("misses", -1), w.misses) << w.cache;
    EXPECT_EQ(c.value("total_requests", -1), w.hits + w.misses) << w.cache;
    EXPECT_EQ(c.value("sets", -1), w.sets) << w.cache;
    EXPECT_EQ(c.value("invalidations", -1), w.invalidations) << w.cache;
    EXPECT_EQ(c.value("size", -1), w.size) << w.cache;
    EXPECT_EQ(c.value("waiting", -1), 0) << w.cache;
  }
  EXPECT_EQ(s["summary"].value("total_hits", -1), 4) << s.dump();
  EXPECT_EQ(s["summary"].value("total_misses", -1), 4);
  EXPECT_EQ(s["summary"].value("total_requests", -1), 8);
  EXPECT_DOUBLE_EQ(s["summary"].value("overall_hit_rate_percent", -1.0), 50.0);

  const auto metrics = daemon.Get("/metrics");
  ASSERT_EQ(Status(metrics), 200);
  // The scrape is itself a client of worker_status (its read counts before the counters are
  // rendered): 3 requests above + 1.
  EXPECT_EQ(MetricValue(metrics->body,
                        R"(queuemon_cache_requests_total{source="celery",cache="worker_status"})"),
            4.0);
  EXPECT_EQ(daemon.Stop(), 0) << daemon.log();
}

}  // namespace
}  // namespace queuemon::e2e
