#include "bench/cluster_sim/cluster_sim.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "bench/cluster_sim/sim_wire.h"
#include "redis/connection.h"
#include "redis/url.h"

namespace queuemon::bench {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kCommandLinks = 8;
constexpr std::size_t kPipelineCommands = 1000;
constexpr std::chrono::milliseconds kHeartbeatEvery = 2s;
constexpr std::size_t kHeartbeatSlots = 20;  // a slot every 100 ms: heartbeats spread evenly

double NowUnix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

redis::RedisOptions LinkOptions(const std::string& url) {
  redis::RedisOptions options;
  options.url = url;
  options.connect_timeout = 5s;
  // Also the subscribers' idle check: a PING per link after this long without traffic. A
  // thousand links pinging every second would be a load of its own.
  options.command_timeout = 30s;
  return options;
}

// The queue named by a binding member "<routing key>\x06\x16<pattern>\x06\x16<queue>" when its
// routing key is `routing_key`.
std::optional<std::string> BoundQueue(const std::string& member, const std::string& routing_key) {
  static constexpr std::string_view kSep = "\x06\x16";
  const std::size_t first = member.find(kSep);
  if (first == std::string::npos) return std::nullopt;
  const std::size_t second = member.find(kSep, first + kSep.size());
  if (second == std::string::npos || member.compare(0, first, routing_key) != 0 ||
      first != routing_key.size()) {
    return std::nullopt;
  }
  return member.substr(second + kSep.size());
}

struct SimulatedWorker {
  SimWorker model;
  std::map<std::string, std::string, std::less<>> results;  // method -> result JSON text
  std::unique_ptr<redis::RedisSubscriber> pidbox;
};

}  // namespace

struct ClusterSimulator::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor, std::string url, ClusterShape shape)
      : strand(asio::make_strand(executor)), redis_url(std::move(url)), model(shape),
        heartbeat_timer(strand) {
    auto parsed = redis::ParseRedisUrl(redis_url);
    const int db = parsed ? parsed->db : 0;
    pidbox_channel = "/" + std::to_string(db) + ".celery.pidbox";
    events_prefix = "/" + std::to_string(db) + ".celeryev/";
    for (std::size_t k = 0; k < kCommandLinks; ++k) {
      links.push_back(std::make_unique<redis::RedisConnection>(strand, LinkOptions(redis_url)));
    }
    for (std::size_t i = 0; i < shape.workers; ++i) {
      auto worker = std::make_unique<SimulatedWorker>();
      worker->model = model.Worker(i);
      for (const char* method : kSimMethods) {
        worker->results[method] = InspectResult(worker->model, method).dump();
      }
      workers.push_back(std::move(worker));
    }
  }
  ~Impl() {
    for (auto& link : links) link->Close();
  }

  redis::RedisConnection& Link(std::size_t i) { return *links[i % links.size()]; }

  asio::awaitable<void> Answer(std::size_t i, PidboxCall call);
  asio::awaitable<void> PublishEvents(std::vector<std::size_t> who, std::string type);
  asio::awaitable<void> HeartbeatLoop();
  asio::awaitable<boost::system::result<void>> Populate();

  asio::strand<asio::any_io_executor> strand;
  std::string redis_url;
  ClusterModel model;
  std::string pidbox_channel, events_prefix;
  std::vector<std::unique_ptr<redis::RedisConnection>> links;
  std::vector<std::unique_ptr<SimulatedWorker>> workers;
  asio::steady_timer heartbeat_timer;
  bool running = false;  // on the strand
  long clock = 0;        // on the strand: one Lamport clock for the whole cluster is enough
  std::atomic<std::uint64_t> requests{0}, replies{0}, heartbeats{0};
};

asio::awaitable<void> ClusterSimulator::Impl::Answer(std::size_t i, PidboxCall call) {
  SimulatedWorker& worker = *workers[i];
  const auto& destination = call.destination;
  if (!destination.empty() &&
      std::find(destination.begin(), destination.end(), worker.model.hostname) == destination.end()) {
    co_return;
  }
  if (call.reply_routing_key.empty()) co_return;  // a cast: no reply
  auto found = worker.results.find(call.method);
  const std::string result = found != worker.results.end()
                                 ? found->second
                                 : InspectResult(worker.model, call.method).dump();
  const std::string envelope = ReplyEnvelope(worker.model.hostname, result, call, ++clock);
  redis::RedisConnection& link = Link(i);
  redis::RedisCommand smembers{"SMEMBERS", "_kombu.binding." + call.reply_exchange};
  auto members = co_await link.Command(std::move(smembers));
  if (!members) co_return;
  std::vector<redis::RedisCommand> pushes;
  for (const redis::RedisReply& member : members->elements) {
    if (auto queue = BoundQueue(member.str, call.reply_routing_key)) {
      pushes.push_back({"LPUSH", *queue, envelope});
    }
  }
  if (pushes.empty()) co_return;
  const std::size_t n = pushes.size();
  if (co_await link.Pipeline(std::move(pushes))) replies += n;
}

asio::awaitable<void> ClusterSimulator::Impl::PublishEvents(std::vector<std::size_t> who,
                                                            std::string type) {
  std::string routing_key = type;
  routing_key[routing_key.find('-')] = '.';
  std::vector<redis::RedisCommand> publishes;
  for (std::size_t i : who) {
    publishes.push_back({"PUBLISH", events_prefix + routing_key,
                         WorkerEventEnvelope(workers[i]->model, type, NowUnix(), ++clock)});
  }
  if (publishes.empty()) co_return;
  const std::size_t n = publishes.size();
  auto sent = co_await Link(0).Pipeline(std::move(publishes));
  if (sent && type == "worker-heartbeat") heartbeats += n;
}

asio::awaitable<void> ClusterSimulator::Impl::HeartbeatLoop() {
  auto self = shared_from_this();
  auto next = std::chrono::steady_clock::now();
  for (std::size_t slot = 0; running; slot = (slot + 1) % kHeartbeatSlots) {
    std::vector<std::size_t> due;
    for (std::size_t i = slot; i < workers.size(); i += kHeartbeatSlots) due.push_back(i);
    std::string type = "worker-heartbeat";  // named: g++ 12 and temporaries in co_await
    co_await PublishEvents(std::move(due), std::move(type));
    next += kHeartbeatEvery / kHeartbeatSlots;
    heartbeat_timer.expires_at(next);
    boost::system::error_code ec;
    co_await heartbeat_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<boost::system::result<void>> ClusterSimulator::Impl::Populate() {
  std::vector<redis::RedisCommand> batch;
  auto flush = [&]() -> asio::awaitable<boost::system::result<void>> {
    if (batch.empty()) co_return boost::system::result<void>();
    auto replies = co_await Link(0).Pipeline(std::move(batch), std::chrono::steady_clock::now() + 30s);
    batch.clear();
    if (!replies) co_return replies.error();
    co_return boost::system::result<void>();
  };
  auto bind = [&](const std::string& queue) {
    batch.push_back({"SADD", "_kombu.binding." + queue, queue + "\x06\x16\x06\x16" + queue});
  };
  bind("celery");
  std::size_t message = 0;
  for (std::size_t j = 0; j < model.shape().queues; ++j) {
    const SimQueue queue = model.Queue(j);
    bind(queue.name);
    for (int step : {0, 3, 6, 9}) {
      const std::string key = step == 0 ? queue.name : queue.name + "\x06\x16" + std::to_string(step);
      batch.push_back({"DEL", key});
      auto it = queue.by_priority.find(step);
      for (std::int64_t m = 0; it != queue.by_priority.end() && m < it->second; ++m) {
        batch.push_back({"LPUSH", key, TaskMessage(queue.name, message++)});
      }
    }
    if (batch.size() >= kPipelineCommands) {
      if (auto done = co_await flush(); !done) co_return done;
    }
  }
  co_return co_await flush();
}

ClusterSimulator::ClusterSimulator(asio::any_io_executor executor, std::string redis_url,
                                   ClusterShape shape)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(redis_url), shape)) {}

ClusterSimulator::~ClusterSimulator() { Stop(); }

boost::system::result<void> ClusterSimulator::Populate() {
  auto impl = impl_;
  return asio::co_spawn(impl->strand,
                        [impl]() -> asio::awaitable<boost::system::result<void>> {
                          co_return co_await impl->Populate();
                        },
                        asio::use_future)
      .get();
}

void ClusterSimulator::Start() {
  std::shared_ptr<Impl> impl = impl_;
  for (std::size_t i = 0; i < impl->workers.size(); ++i) {
    std::weak_ptr<Impl> weak = impl;
    auto on_message = [weak, i](std::string_view, std::string_view payload) {
      auto self = weak.lock();
      if (!self) return;
      self->requests.fetch_add(1, std::memory_order_relaxed);
      auto call = ParsePidboxCall(payload);
      if (!call) return;
      asio::co_spawn(self->strand, [self, i, c = std::move(*call)]() mutable -> asio::awaitable<void> {
        co_await self->Answer(i, std::move(c));
      }, asio::detached);
    };
    impl->workers[i]->pidbox = std::make_unique<redis::RedisSubscriber>(
        impl->strand, LinkOptions(impl->redis_url), std::vector<std::string>{impl->pidbox_channel},
        on_message);
    impl->workers[i]->pidbox->Start();
  }
  asio::co_spawn(impl->strand, [impl]() -> asio::awaitable<void> {
    impl->running = true;
    std::vector<std::size_t> all(impl->workers.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::string type = "worker-online";  // named: g++ 12 and temporaries in co_await
    co_await impl->PublishEvents(std::move(all), std::move(type));
    co_await impl->HeartbeatLoop();
  }, asio::detached);
}

bool ClusterSimulator::Subscribed() const {
  for (const auto& worker : impl_->workers) {
    if (!worker->pidbox || !worker->pidbox->connected()) return false;
  }
  return true;
}

void ClusterSimulator::Stop() {
  std::shared_ptr<Impl> impl = impl_;
  bool started = false;
  for (auto& worker : impl->workers) {
    if (worker->pidbox) {
      started = true;
      worker->pidbox->Stop();
    }
  }
  if (!started) return;
  auto done = asio::co_spawn(impl->strand, [impl]() -> asio::awaitable<void> {
    if (!impl->running) co_return;
    impl->running = false;
    impl->heartbeat_timer.cancel();
    std::vector<std::size_t> all(impl->workers.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::string type = "worker-offline";  // named: g++ 12 and temporaries in co_await
    co_await impl->PublishEvents(std::move(all), std::move(type));
  }, asio::use_future);
  done.wait_for(5s);
  for (auto& worker : impl->workers) worker->pidbox.reset();
}

SimCounts ClusterSimulator::counts() const {
  return {impl_->requests.load(), impl_->replies.load(), impl_->heartbeats.load()};
}

const ClusterModel& ClusterSimulator::model() const { return impl_->model; }

}  // namespace queuemon::bench
