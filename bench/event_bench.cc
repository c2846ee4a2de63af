// Micro-benchmarks of the Celery task-event path on one core, without Redis:
//  - BM_IngestEvents: EventStream::OnMessage over real-shaped messages (the captured 5.2.6
//    events, tests/data/celery-events-captured.txt, with a fresh task id per task): task-sent
//    alone, then received + started + succeeded (or failed, 1 in 10, with its traceback) in one
//    task.multi list. Items are EVENTS, so items_per_second is events/s and its inverse the CPU
//    per event. Every event goes through the worker table, the task table and the metrics.
//  - BM_IngestEventsWithCacheControl: the same, with the daemon's event-driven cache control
//    (api::CacheControl, default rules) listening.
//  - BM_CacheControlOnChange/<0|1>: CacheControl::OnChange alone, for a change with no rule (0)
//    and for a finished task with no entry to drop (1).
//  - BM_RenderTaskMetrics/<names>/<hosts>: TaskMetrics::Families() after one new event with
//    names x hosts label sets, each with every counter and both histograms: the changed label
//    set is re-rendered, the rest concatenated. first_ms: the first rendering (every label set).
//  - BM_GzipMetrics/<names>/<level>: gzip of that rendered text, what /metrics adds for
//    Prometheus (it uses level 1).
//  - BM_CachedTaskMetrics: Families() when nothing changed (what a scrape costs then).
#include <benchmark/benchmark.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>

#include "api/cache_control.h"
#include "api/view_service.h"
#include "base/clock.h"
#include "sources/celery/view_families.h"
#include "base/gzip.h"
#include "sources/celery/event_stream.h"
#include "sources/fake/fake_source.h"
#include "sources/celery/pidbox_codec.h"

namespace queuemon::sources::celery {
namespace {

// ordered_json: the messages keep kombu's key order (body first, properties.body_encoding
// after delivery_info), byte for byte as workers send them.
using json = nlohmann::ordered_json;

// The captured events by type (the first of each), and one envelope to wrap bodies in.
struct Captured {
  std::map<std::string, json> events;
  json envelope;
};

Captured LoadCaptured() {
  Captured out;
  std::ifstream in(std::string(QUEUEMON_SOURCE_DIR) + "/tests/data/celery-events-captured.txt");
  for (std::string line; std::getline(in, line);) {
    const json envelope = json::parse(json::parse(line).at("data").get<std::string>());
    const json body = json::parse(DecodeEnvelopeBody(envelope.dump(), 1 << 20).value());
    if (line.find("task.multi") != std::string::npos) out.envelope = envelope;
    for (const json& event : body.is_array() ? body : json::array({body})) {
      out.events.try_emplace(event.at("type").get<std::string>(), event);
    }
  }
  return out;
}

std::string Wrap(const Captured& c, const json& body) {
  json envelope = c.envelope;
  envelope["body"] = Base64Encode(body.dump());
  return envelope.dump();
}

// `tasks` tasks as 2 messages each (sent; received+started+succeeded|failed): 4 events.
std::vector<std::string> Messages(int tasks) {
  const Captured c = LoadCaptured();
  std::vector<std::string> messages;
  for (int i = 0; i < tasks; ++i) {
    const std::string id = "bench-task-" + std::to_string(i);
    const std::string name = "bench.task" + std::to_string(i % 20);
    auto with = [&](const char* type) {
      json e = c.events.at(type);
      e["uuid"] = id;
      if (e.contains("name")) e["name"] = name;
      return e;
    };
    messages.push_back(Wrap(c, with("task-sent")));
    messages.push_back(Wrap(c, json::array({with("task-received"), with("task-started"),
                                            with(i % 10 == 9 ? "task-failed" : "task-succeeded")})));
  }
  return messages;
}

void BM_IngestEvents(benchmark::State& state) {
  static const std::vector<std::string> messages = Messages(50'000);
  base::SteadyClock clock;
  EventStream stream(clock, TaskEventsOptions{}, std::chrono::minutes(10), 4 << 20);
  std::size_t i = 0;
  for (auto _ : state) {
    stream.OnMessage(messages[i]);
    i = (i + 1) % messages.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(stream.counts().received));
  state.counters["malformed"] = static_cast<double>(stream.counts().malformed);
  state.counters["tasks"] = static_cast<double>(stream.tasks().size());
  std::size_t bytes = 0;
  for (const std::string& m : messages) bytes += m.size();
  state.counters["bytes_per_message"] = static_cast<double>(bytes) / static_cast<double>(messages.size());
}
BENCHMARK(BM_IngestEvents)->MinTime(3);

// The same stream feeding a real api::CacheControl with the default rules (issue 20): every
// event is looked up; worker events would refresh, each task-succeeded/-failed drops its
// task's entry (none stored: the common case, decided under the shared lock). Run side by
// side with BM_IngestEvents; the difference is what event-driven cache control costs.
void BM_IngestEventsWithCacheControl(benchmark::State& state) {
  static const std::vector<std::string> messages = Messages(50'000);
  base::SteadyClock clock;
  boost::asio::io_context ioc;  // never run: no refresh loads (no entry is stored anyway)
  fake::FakeSource source;
  api::ViewService views(ioc.get_executor(), source, {}, clock, std::chrono::seconds(2));
  EventStream stream(clock, TaskEventsOptions{}, std::chrono::minutes(10), 4 << 20);
  stream.SetChangeListener([&views](const StateChange& change) { views.control().OnChange(change); });
  std::size_t i = 0;
  for (auto _ : state) {
    stream.OnMessage(messages[i]);
    i = (i + 1) % messages.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(stream.counts().received));
  state.counters["drop_triggers"] = static_cast<double>(
      views.control().Stats().triggers[*ChangeIndex("task-succeeded")] +
      views.control().Stats().triggers[*ChangeIndex("task-failed")]);
}
BENCHMARK(BM_IngestEventsWithCacheControl)->MinTime(3);

// What the cache control adds per event, alone: arg 0 a worker-heartbeat (no rule), arg 1 a
// task-succeeded whose task has no entry (the drop rule's common case).
void BM_CacheControlOnChange(benchmark::State& state) {
  base::SteadyClock clock;
  boost::asio::io_context ioc;
  fake::FakeSource source;
  api::ViewService views(ioc.get_executor(), source, {}, clock, std::chrono::seconds(2));
  const bool drop = state.range(0) == 1;
  const StateChange change{*ChangeIndex(drop ? "task-succeeded" : "worker-heartbeat"), "w1@host",
                           "0b5e7c4e-3f6a-4d2b-9c41-7a2f8e9d1c3b"};
  for (auto _ : state) views.control().OnChange(change);
}
BENCHMARK(BM_CacheControlOnChange)->Arg(0)->Arg(1);

void BM_DecodeEnvelope(benchmark::State& state) {
  static const std::vector<std::string> messages = Messages(50'000);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(DecodeEnvelopeBody(messages[i], 4 << 20));
    i = (i + 1) % messages.size();
  }
}
BENCHMARK(BM_DecodeEnvelope);

void BM_ParseBody(benchmark::State& state) {
  static const std::vector<std::string> messages = Messages(50'000);
  std::vector<std::string> bodies;
  for (const auto& m : messages) bodies.push_back(DecodeEnvelopeBody(m, 4 << 20).value());
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(nlohmann::json::parse(bodies[i]));
    i = (i + 1) % bodies.size();
  }
}
BENCHMARK(BM_ParseBody);

void Fill(TaskMetrics& metrics, int names, int hosts) {
  for (int n = 0; n < names; ++n) {
    const std::string name = "app.tasks.task_" + std::to_string(n);
    for (int h = 0; h < hosts; ++h) {
      TaskEvent e;
      e.hostname = "celery@worker-" + std::to_string(h);
      e.type = TaskEventType::kSucceeded;
      e.runtime = 0.01 * (n % 100);
      metrics.Record(e, TaskFacts{name, "celery", 1.5});
    }
  }
}

void BM_RenderTaskMetrics(benchmark::State& state) {
  base::SteadyClock clock;
  TaskMetricsOptions options;
  options.max_task_names = 100'000;
  TaskMetrics metrics(options, clock);
  Fill(metrics, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const auto start = std::chrono::steady_clock::now();
  metrics.Families();  // the first rendering renders every label set
  state.counters["first_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  TaskEvent one;
  one.hostname = "celery@worker-0";
  one.type = TaskEventType::kStarted;
  std::size_t bytes = 0;
  for (auto _ : state) {
    metrics.Record(one, TaskFacts{"app.tasks.task_0", "celery", std::nullopt});  // a change
    const auto families = metrics.Families();
    bytes = 0;
    for (const MetricFamily& f : *families) bytes += f.samples.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["series"] = static_cast<double>(metrics.series());
  state.counters["MiB"] = static_cast<double>(bytes) / (1 << 20);
}
BENCHMARK(BM_RenderTaskMetrics)->Args({1000, 1})->Args({1000, 50})->Args({100, 50})
    ->Unit(benchmark::kMillisecond)->MinTime(2);

void BM_CachedTaskMetrics(benchmark::State& state) {
  base::SteadyClock clock;
  TaskMetricsOptions options;
  options.max_task_names = 100'000;
  TaskMetrics metrics(options, clock);
  Fill(metrics, 1000, 50);
  metrics.Families();
  for (auto _ : state) benchmark::DoNotOptimize(metrics.Families());
}
BENCHMARK(BM_CachedTaskMetrics);

// What /metrics adds when the scraper accepts gzip (base::Gzip at <level>): the task families of
// <names> x 1 host, rendered once, compressed per iteration. bytes/s is of the input text.
void BM_GzipMetrics(benchmark::State& state) {
  base::SteadyClock clock;
  TaskMetricsOptions options;
  options.max_task_names = 100'000;
  TaskMetrics metrics(options, clock);
  Fill(metrics, static_cast<int>(state.range(0)), 1);
  std::string text;
  for (const MetricFamily& f : *metrics.Families()) text += f.samples;
  std::size_t compressed = 0;
  for (auto _ : state) {
    compressed = base::Gzip(text, static_cast<int>(state.range(1))).size();
    benchmark::DoNotOptimize(compressed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["text_KiB"] = static_cast<double>(text.size()) / 1024;
  state.counters["gzip_KiB"] = static_cast<double>(compressed) / 1024;
}
BENCHMARK(BM_GzipMetrics)->Args({10, 1})->Args({100, 1})->Args({1000, 1})->Args({1000, 6});

// The job-queue families /metrics renders from a Celery source's cached workers and queues views
// (CeleryViewFamilies, since issue 15 behind Source::ViewFamilies): <workers> workers on 10
// hosts, each consuming 2 of <queues> queues. Per scrape; no I/O.
void BM_CeleryViewFamilies(benchmark::State& state) {
  const int n_workers = static_cast<int>(state.range(0)), n_queues = static_cast<int>(state.range(1));
  WorkersView workers;
  for (int i = 0; i < n_workers; ++i) {
    WorkerInfo w;
    w.hostname = "w" + std::to_string(i) + "@host" + std::to_string(i % 10);
    w.status = "online";
    w.active = i % 3;
    w.concurrency = 4;
    w.queues = {"q" + std::to_string(i % n_queues), "q" + std::to_string((i + 1) % n_queues)};
    workers.workers.push_back(std::move(w));
  }
  QueuesView queues;
  for (int i = 0; i < n_queues; ++i) {
    QueueInfo q;
    q.name = "q" + std::to_string(i);
    q.messages = i;
    q.consumers = 2;
    queues.queues.push_back(std::move(q));
  }
  const MetricStyle style{"celery_", ""};
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const MetricFamily& f : CeleryViewFamilies("celery", style, &workers, &queues)) bytes += f.samples.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["text_KiB"] = static_cast<double>(bytes) / 1024;
}
BENCHMARK(BM_CeleryViewFamilies)->Args({2, 2})->Args({1000, 1000})->Args({1000, 10000})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace queuemon::sources::celery

BENCHMARK_MAIN();
