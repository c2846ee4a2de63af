// A large view's HIT served as stored vs gzip-compressed (issue 16, item 4). The view is a
// workers view of 1000 Celery workers (346 KiB of JSON), the size that makes compression worth
// having. The gzip form is made once when the entry is stored, so what a HIT costs must not
// depend on the encoding beyond the bytes written:
//  - BM_StoreEntry/<level>: Entry::Make of that body with its gzip form at zlib <level> (0: no
//    gzip form), what each collection adds; counters body_KiB and gzip_KiB.
//  - BM_HitResponse/<gzip>: ViewResponse + AppendResponseHead, the server's per-request work
//    before its write (0 = as stored, 1 = gzip).
//  - BM_ServeOverLoopback/<gzip>: the real server path: HttpServer (session, router, handler,
//    gather write) in-process on 127.0.0.1 with one io_context thread, ViewService and its
//    cache, and one keep-alive client (blocking Beast, 64 KiB reads) that reads every response
//    whole. requests/s = items_per_second, the client's time included; server_us = CPU time
//    of the server's thread per request (the process's CPU time less the client thread's),
//    which does not depend on how fast the client reads.
// Run with repetitions for medians (BENCHMARKS.md has the command and the figures).
#include <time.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "api/api.h"
#include "api/view_handler.h"
#include "api/view_service.h"
#include "base/coarse_clock.h"
#include "cache/entry.h"
#include "http/metrics.h"
#include "http/response_head.h"
#include "http/server.h"
#include "sources/errors.h"
#include "sources/source.h"
#include "tests/testing/gunzip.h"

namespace queuemon::bench {
namespace {

constexpr int kWorkers = 1000;
constexpr const char* kPath = "/api/v1/celery/workers/status";

// What a Celery worker reports (the fields of README's example), for worker `i`.
sources::WorkerInfo Worker(int i) {
  sources::WorkerInfo w;
  w.hostname = "celery@worker-";
  w.hostname += std::to_string(1000 + i);
  w.hostname += ".jobs.example.internal";
  w.status = "online";
  w.last_heartbeat = 1795330122.974733 + i * 0.0137;
  w.heartbeat_freq = 2.0;
  w.active = i % 4;
  w.processed = 10'000 + i * 37;
  w.loadavg = {0.52 + (i % 7) * 0.1, 0.61, 0.7};
  w.pool = "prefork";
  w.concurrency = 8;
  w.queues = {"celery", "reports"};
  w.pid = 30'000 + i;
  w.sw_ident = "py-celery";
  w.sw_ver = "5.3.6";
  w.sw_sys = "Linux";
  w.uptime = 86'400 + i * 13;
  w.prefetch_count = 32;
  return w;
}

sources::WorkersView LargeWorkersView() {
  sources::WorkersView view;
  view.timestamp = 1795330123.2001264;
  for (int i = 0; i < kWorkers; ++i) view.workers.push_back(Worker(i));
  view.online = kWorkers;
  return view;
}

const sources::Collected& LargeCollected() {
  static const sources::Collected collected = sources::MakeCollected(LargeWorkersView());
  return collected;
}

std::shared_ptr<const cache::Entry> LargeEntry(int level) {
  const sources::Collected& collected = LargeCollected();
  cache::EntryContent content;
  content.body = collected.body;
  content.identity = collected.identity;
  cache::EntryEncoding encoding;
  encoding.gzip_min_bytes = level == 0 ? 0 : 1024;
  encoding.gzip_level = level == 0 ? 6 : level;
  return cache::Entry::Make(std::move(content), base::TimePoint{}, encoding);
}

void BM_StoreEntry(benchmark::State& state) {
  const int level = static_cast<int>(state.range(0));
  std::shared_ptr<const cache::Entry> entry;
  for (auto _ : state) {
    entry = LargeEntry(level);
    benchmark::DoNotOptimize(entry.get());
  }
  if (entry->has_gzip() && testing::Gunzip(entry->gzip_body) != entry->body) {
    state.SkipWithError("the gzip form does not inflate to the body");
  }
  state.counters["body_KiB"] = static_cast<double>(entry->body.size()) / 1024;
  state.counters["gzip_KiB"] = static_cast<double>(entry->gzip_body.size()) / 1024;
}
BENCHMARK(BM_StoreEntry)->Arg(0)->Arg(1)->Arg(6)->Arg(9)->Unit(benchmark::kMillisecond);

void BM_HitResponse(benchmark::State& state) {
  cache::ReadResult hit;
  hit.outcome = cache::Outcome::kHit;
  hit.entry = LargeEntry(6);
  hit.age = std::chrono::milliseconds(1500);
  hit.ttl = std::chrono::seconds(5);
  http::Request request;
  request.accepts_gzip = state.range(0) == 1;
  std::string head;
  head.reserve(1024);
  std::size_t body_bytes = 0;
  for (auto _ : state) {
    head.clear();
    const http::Response response = api::ViewResponse(hit, request, "celery");
    http::AppendResponseHead(head, response, 11, true);
    body_bytes = response.Body().size();
    benchmark::DoNotOptimize(head.data());
  }
  state.counters["body_KiB"] = static_cast<double>(body_bytes) / 1024;
}
BENCHMARK(BM_HitResponse)->Arg(0)->Arg(1);

// The one view the loopback benchmark reads: the large workers view; every other view fails.
class LargeViewSource final : public sources::Source {
 public:
  std::string_view Name() const override { return "celery"; }
  std::string_view Kind() const override { return "celery"; }
  void Start() override {}
  void Stop() override {}
  boost::asio::awaitable<boost::system::result<sources::Collected>> Collect(
      sources::ViewRequest request) override {
    if (request.view != sources::View::kWorkers) {
      co_return sources::MakeErrorCode(sources::Errc::kUnavailable);
    }
    co_return LargeCollected();
  }
  sources::SourceStats Stats() const override { return {}; }
};

// ViewService + Api + HttpServer on 127.0.0.1:0, one io_context thread; the workers view is
// fresh for a day (no refresh during a run) and stored with its gzip form (level 6).
class LoopbackServer {
 public:
  LoopbackServer() {
    cache::CacheOptions day;
    day.ttl = std::chrono::hours(24);
    service_ = std::make_unique<api::ViewService>(
        ioc_.get_executor(), source_, std::map<std::string, cache::CacheOptions>{{"worker_status", day}},
        clock_, std::chrono::seconds(5));
    service_->SetGzipMinBytes(1024);
    api_ = std::make_unique<api::Api>(std::vector<api::ViewService*>{service_.get()}, metrics_,
                                      api::ApiOptions{""});
    http::HttpOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;
    server_ = std::make_unique<http::HttpServer>(ioc_, options, api_->router(), metrics_);
    server_->Listen();
    server_->Start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~LoopbackServer() {
    std::atomic<bool> drained{false};
    server_->BeginShutdown([&] { drained = true; });
    for (int i = 0; i < 5000 && !drained; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    work_.reset();
    if (!drained) ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }

 private:
  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  base::CoarseSteadyClock clock_;
  LargeViewSource source_;
  http::HttpMetrics metrics_;
  std::unique_ptr<api::ViewService> service_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
};

// One keep-alive connection, blocking: a GET of kPath, the response read whole with Beast into
// a buffer that keeps its capacity (64 KiB per read, as Beast reads).
class LoopbackClient {
 public:
  LoopbackClient(std::uint16_t port, bool gzip) {
    socket_.connect({boost::asio::ip::address_v4::loopback(), port});
    socket_.set_option(boost::asio::ip::tcp::no_delay(true));
    request_.method(boost::beast::http::verb::get);
    request_.target(kPath);
    request_.version(11);
    request_.set(boost::beast::http::field::host, "127.0.0.1");
    if (gzip) request_.set(boost::beast::http::field::accept_encoding, "gzip");
    buffer_.reserve(1 << 20);
  }
  // The response's X-Cache and Content-Encoding, and its body's size.
  struct Reply {
    std::string x_cache, content_encoding;
    std::size_t body_bytes = 0;
  };
  Reply Get() {
    boost::beast::http::write(socket_, request_);
    boost::beast::http::response_parser<boost::beast::http::string_body> parser;
    parser.body_limit(64 << 20);
    boost::beast::http::read(socket_, buffer_, parser);
    const auto& response = parser.get();
    return {std::string(response["X-Cache"]), std::string(response["Content-Encoding"]),
            response.body().size()};
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_{ioc_};
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::empty_body> request_;
};

double CpuSeconds(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void BM_ServeOverLoopback(benchmark::State& state) {
  static LoopbackServer server;
  const bool gzip = state.range(0) == 1;
  LoopbackClient client(server.port(), gzip);
  client.Get();  // the first request of the process stores the entry (a MISS); time only HITs
  LoopbackClient::Reply reply;
  const double process_cpu = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  const double client_cpu = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  for (auto _ : state) {
    reply = client.Get();
    if (reply.x_cache != "HIT" || (reply.content_encoding == "gzip") != gzip) {
      state.SkipWithError("not the expected HIT");
      return;
    }
  }
  const double server_cpu = (CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - process_cpu) -
                            (CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - client_cpu);
  state.SetItemsProcessed(state.iterations());
  state.counters["server_us"] = server_cpu * 1e6 / static_cast<double>(state.iterations());
  state.counters["body_KiB"] = static_cast<double>(reply.body_bytes) / 1024;
}
BENCHMARK(BM_ServeOverLoopback)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace queuemon::bench

BENCHMARK_MAIN();
