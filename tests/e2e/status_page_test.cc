// The status page in a real headless Chromium (Debian's chromium + chromium-driver, driven over
// WebDriver by tests/testing/web_driver.h) against the real stack: redis-server, two Celery
// workers sending events, queuemond. The page loads without console errors; the workers and
// queue depths it renders equal the JSON API's at that moment; the recent failures list the
// failed tasks; a worker stopped with SIGTERM turns offline on the page within its heartbeat
// window; with Redis stopped the page shows its stale/broker banner. Screenshots of both are
// written next to the test binary (status_page_live.png, status_page_broker_down.png).
// Skipped, with the reason, only when the browser cannot start.
#include <cstdio>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/eventually.h"
#include "tests/testing/web_driver.h"

namespace queuemon::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Eventually;

// What the page rendered: rows of the source's workers and queues tables.
constexpr const char* kRenderedScript = R"(
  const source = document.querySelector('[data-source="celery"]');
  if (!source) return null;
  const workers = [...source.querySelectorAll('tr[data-hostname]')]
      .map((r) => [r.dataset.hostname, r.dataset.status]);
  const queues = [...source.querySelectorAll('tr[data-queue]')]
      .map((r) => [r.dataset.queue, Number(r.dataset.messages)]);
  const failures = [...source.querySelectorAll('tr[data-task]')].map((r) => r.dataset.task);
  const banner = document.getElementById('banner');
  return {workers, queues, failures, banner: banner.hidden ? '' : banner.textContent,
          stats: window.queuemonStats};
)";

class StatusPageTest : public SharedEnvironmentTest<StatusPageTest> {
 public:  // read by SharedEnvironmentTest
  // Short TTLs, so that a stopped broker shows within seconds.
  static constexpr const char* kCachesJson =
      R"({"worker_status": {"ttl_seconds": 1}, "queue_status": {"ttl_seconds": 1},
          "health_check": {"ttl_seconds": 1}, "task_status": {"ttl_seconds": 1}})";
  static constexpr const char* kLogName = "e2e_status_page_logs";

 protected:
  // The API's workers and queues as the page shows them.
  static json ApiRows() {
    json workers = json::array(), queues = json::array();
    const json workers_view = Json(Daemon().Get(std::string(kApi) + "/workers/status"));
    const json queues_view = Json(Daemon().Get(std::string(kApi) + "/queues/status"));
    for (const json& w : workers_view.value("workers", json::array())) {
      workers.push_back({w["hostname"], w["status"]});
    }
    for (const json& q : queues_view.value("queues", json::array())) {
      queues.push_back({q["name"], q["messages"]});
    }
    return {{"workers", workers}, {"queues", queues}};
  }
  static std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(Daemon().port()) + path;
  }
};

TEST_F(StatusPageTest, ShowsWhatTheApiShowsAndFollowsAWorkerAndTheBroker) {
  std::string why;
  auto browser = testing::WebDriver::Start(::testing::TempDir() + "/chromedriver.log", why);
  if (!browser) GTEST_SKIP() << "status page browser test skipped: " << why;

  auto& workers = env_->workers;
  const std::vector<std::string> failed = workers.Send("fail", Send("[]", "", {}, 2));
  workers.Send("add", Send("[1, 2]", "", {}, 3));
  workers.Send("add", Send("[0, 0]", kUnconsumed, {}, 4));  // a queue with a depth to show
  ASSERT_TRUE(browser->Navigate(Url("/?interval=1")));

  // Rendered, with the failures the workers reported.
  json page;
  ASSERT_TRUE(Eventually([&] {
    page = browser->Execute(kRenderedScript).value_or(json());
    if (!page.is_object() || page["workers"].size() < 2) return false;
    std::set<std::string> shown(page["failures"].begin(), page["failures"].end());
    return shown.count(failed[0]) && shown.count(failed[1]);
  }, 30s, 200ms)) << page.dump();
  // The page equals the API at one moment: the API read before and after the page agree.
  ASSERT_TRUE(Eventually([&] {
    const json before = ApiRows();
    page = browser->Execute(kRenderedScript).value_or(json());
    const json after = ApiRows();
    return before == after && page.is_object() && page["workers"] == before["workers"] &&
           page["queues"] == before["queues"];
  }, 20s, 300ms)) << "page " << page.dump() << "\napi " << ApiRows().dump();
  bool unconsumed_shown = false;
  for (const json& q : page["queues"]) unconsumed_shown |= q[0] == kUnconsumed && q[1] == 4;
  EXPECT_TRUE(unconsumed_shown) << page["queues"].dump();
  EXPECT_EQ(page["banner"], "");
  // No errors: none from the page's script, no failed request but a 503/504 the daemon may
  // answer for a view it could not collect in time (not the page's fault).
  for (const json& entry : browser->ConsoleLog()) {
    const std::string message = entry.value("message", "");
    const bool busy_view = entry.value("source", "") == "network" &&
                           (message.find("status of 503") != std::string::npos ||
                            message.find("status of 504") != std::string::npos);
    EXPECT_TRUE(entry.value("level", "") != "SEVERE" || busy_view) << entry.dump();
  }
  EXPECT_TRUE(browser->Screenshot("status_page_live.png"));
  std::printf("status page: %s; screenshot %s/status_page_live.png\n", page["stats"].dump().c_str(),
              std::filesystem::current_path().c_str());

  // w2 stopped with SIGTERM: offline on the page within its heartbeat window (2 x 2 s) of the
  // moment it was gone.
  workers.Stop(1);
  const auto stopped_at = std::chrono::steady_clock::now();
  const std::string w2 = workers.Node(1);
  ASSERT_TRUE(Eventually([&] {
    page = browser->Execute(kRenderedScript).value_or(json());
    for (const json& w : page.value("workers", json::array())) {
      if (w[0] == w2) return w[1] == "offline";
    }
    return false;
  }, 10s, 100ms)) << page.dump();
  EXPECT_LE(std::chrono::steady_clock::now() - stopped_at, 4s + 1s) << "heartbeat window + a poll";

  // Redis stopped: the banner says so (a broker that does not answer, or stale data).
  env_->redis.Stop();
  ASSERT_TRUE(Eventually([&] {
    page = browser->Execute(kRenderedScript).value_or(json());
    return page.is_object() && !page.value("banner", "").empty();
  }, 20s, 200ms)) << page.dump();
  EXPECT_NE(page["banner"].get<std::string>().find("broker"), std::string::npos) << page.dump();
  EXPECT_TRUE(browser->Screenshot("status_page_broker_down.png"));
  env_->redis.Restart();  // the daemon's shutdown is checked against a live broker
}

}  // namespace
}  // namespace queuemon::e2e
