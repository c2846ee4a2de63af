// AmqpLink: the link's thread owns the rabbitmq-c connection; callers reach it through a job
// queue (a mutex-guarded deque plus an eventfd that wakes the thread's poll()), and each caller
// waits on its own timer, on a strand of its own, until its job reports back or its deadline
// passes. Channel use: 0 the connection, 1 every consumer, 2 publishes and pings, 3.. one per
// passive queue.declare of a burst (a 404 closes the channel it was asked on).
#include "amqp/link.h"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <deque>
#include <spdlog/spdlog.h>
#include <thread>

#include "amqp/errors.h"
#include "amqp/url.h"
#include "base/backoff.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "redis/link_monitor.h"

namespace queuemon::amqp {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr amqp_channel_t kConsumeChannel = 1;
constexpr amqp_channel_t kCallChannel = 2;
constexpr amqp_channel_t kFirstDeclareChannel = 3;
constexpr std::chrono::milliseconds kMaxPollWait{250};
constexpr std::chrono::milliseconds kPoliteClose{250};
constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

timeval ToTimeval(std::chrono::microseconds d) {
  if (d.count() < 0) d = std::chrono::microseconds(0);
  return timeval{static_cast<time_t>(d.count() / 1'000'000),
                 static_cast<suseconds_t>(d.count() % 1'000'000)};
}

std::string Str(amqp_bytes_t bytes) {
  return bytes.len == 0 ? std::string() : std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

amqp_bytes_t Bytes(const std::string& s) { return amqp_bytes_t{s.size(), const_cast<char*>(s.data())}; }

// One caller's wait: completed (on the caller's strand) by the link thread's report.
struct Call {
  explicit Call(asio::any_io_executor strand) : timer(std::move(strand)) {}
  void Complete(error_code ec) {
    if (done) return;
    done = true;
    error = ec;
    timer.cancel();
  }
  asio::steady_timer timer;
  bool done = false;
  error_code error;
};

// A delivery being assembled from its method, header and body frames.
struct Delivery {
  bool active = false;
  bool oversized = false;
  std::size_t consumer = 0;
  std::uint64_t size = 0;
  AmqpMessage message;
};

}  // namespace

struct AmqpLink::Impl : std::enable_shared_from_this<Impl> {
  struct Job {
    std::function<error_code(Impl&)> run;    // on the link thread
    std::function<void(error_code)> report;  // posts the outcome to the caller's strand
    Deadline deadline;
  };

  Impl(asio::any_io_executor ex, AmqpOptions opts, std::string name)
      : executor(std::move(ex)),
        options(std::move(opts)),
        who(std::move(name)),
        backoff(options.backoff_initial, options.backoff_max, base::RandomBackoffSeed()),
        wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  // Caller side.
  static Job MakeJob(std::function<error_code(Impl&)> run, std::shared_ptr<Call> call,
                     asio::any_io_executor strand, Deadline deadline);
  // Static, holding its Impl: a link destroyed while the call waits to start stays alive.
  static asio::awaitable<error_code> Execute(std::shared_ptr<Impl> self,
                                             std::function<error_code(Impl&)> run,
                                             Deadline deadline);
  bool Enqueue(Job job);
  void Wake() const;

  // Link thread.
  void Run();
  void RunJob(Job& job);
  void Connect();
  std::string Open(const AmqpUrl& url, Errc* kind);
  amqp_rpc_reply_t Login(const AmqpUrl& url);
  void BoundUnacknowledgedSends() const;
  std::string SetUpConsumers();
  void Drop(const std::string& reason);
  void Pump();
  void SleepUntilRetry();
  error_code Dispatch(const amqp_frame_t& frame);
  void OnConsumerFrame(const amqp_frame_t& frame);
  void FinishDelivery();
  // "" when `reply` is a success; else why, after answering a broker's close with close-ok.
  std::string Failure(const amqp_rpc_reply_t& reply, amqp_channel_t channel);
  error_code RpcError(const amqp_rpc_reply_t& reply, amqp_channel_t channel, std::string_view what);
  amqp_rpc_reply_t DeclareExchange(const ExchangeSpec& exchange);
  error_code Publish(const PublishSpec& spec);
  error_code Ping();
  error_code DeclarePassive(const std::vector<std::string>& queues, Deadline deadline,
                            std::vector<std::optional<QueueStatus>>& out);
  error_code DeclareBurst(const std::vector<std::string>& queues, std::size_t first,
                          std::size_t count, Deadline deadline,
                          std::vector<std::optional<QueueStatus>>& out);
  error_code AwaitBurst(Deadline deadline, const std::function<bool()>& done);
  void Fail(std::deque<Job>& jobs, Errc why);

  const asio::any_io_executor executor;
  const AmqpOptions options;
  const std::string who;
  std::vector<ConsumerSpec> consumers;              // fixed after Start
  std::function<void(bool)> listener;               // fixed after Start

  base::Mutex mu;
  std::deque<Job> jobs GUARDED_BY(mu);
  bool closing GUARDED_BY(mu) = false;
  std::thread thread;
  std::atomic<bool> up{false};
  std::atomic<std::uint64_t> connects{0}, connect_failures{0}, round_trips{0}, messages{0},
      oversized{0};

  // The link thread's own.
  base::Backoff backoff;
  const int wake_fd;
  amqp_connection_state_t conn = nullptr;
  Clock::time_point retry_at{};
  Errc down_kind = Errc::kUnavailable;  // what calls get while there is no connection
  bool failed_before = false;  // a dial failed or a link was lost since the last answer
  std::map<std::string, std::size_t> consumer_of_tag;
  Delivery delivery;
  std::vector<bool> declare_open;  // by channel - kFirstDeclareChannel
  std::size_t burst_size = kDeclareBurst;  // within the negotiated channel_max
  // The burst being awaited: channel -> its reply (set by Dispatch).
  std::map<amqp_channel_t, std::optional<QueueStatus>> burst_replies;
  std::size_t burst_opened = 0;
};

// ---- caller side ----

// A plain function, not a coroutine: g++ 12 mis-handles braced lists and temporaries with
// destructors inside coroutines.
AmqpLink::Impl::Job AmqpLink::Impl::MakeJob(std::function<error_code(Impl&)> run,
                                            std::shared_ptr<Call> call,
                                            asio::any_io_executor strand, Deadline deadline) {
  Job job;
  job.run = std::move(run);
  job.report = [call = std::move(call), strand = std::move(strand)](error_code ec) {
    asio::post(strand, [call, ec] { call->Complete(ec); });
  };
  job.deadline = deadline;
  return job;
}

asio::awaitable<error_code> AmqpLink::Impl::Execute(std::shared_ptr<Impl> self,
                                                    std::function<error_code(Impl&)> run,
                                                    Deadline deadline) {
  auto strand = co_await asio::this_coro::executor;
  auto call = std::make_shared<Call>(strand);
  Job job = MakeJob(std::move(run), call, strand, deadline);
  if (!self->Enqueue(std::move(job))) co_return MakeErrorCode(Errc::kShuttingDown);
  call->timer.expires_at(deadline);
  if (!call->done) co_await call->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!call->done) {
    call->done = true;  // a late report is ignored
    co_return MakeErrorCode(Errc::kTimeout);
  }
  co_return call->error;
}

bool AmqpLink::Impl::Enqueue(Job job) {
  {
    base::MutexLock lock(mu);
    if (closing) return false;
    jobs.push_back(std::move(job));
  }
  Wake();
  return true;
}

void AmqpLink::Impl::Wake() const {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd, &one, sizeof one);
}

// ---- link thread ----

void AmqpLink::Impl::Run() {
  for (;;) {
    std::deque<Job> ready;
    {
      base::MutexLock lock(mu);
      if (closing) break;
      ready.swap(jobs);
    }
    if (conn == nullptr && Clock::now() >= retry_at) Connect();
    for (Job& job : ready) RunJob(job);
    if (conn != nullptr) {
      Pump();
    } else {
      SleepUntilRetry();
    }
  }
  std::deque<Job> left;
  {
    base::MutexLock lock(mu);
    left.swap(jobs);
  }
  Fail(left, Errc::kShuttingDown);
  if (conn != nullptr) {
    // Politely (the broker logs no "unexpectedly closed"), but briefly: Close() waits for it.
    timeval brief = ToTimeval(std::min<std::chrono::microseconds>(options.command_timeout, kPoliteClose));
    amqp_set_rpc_timeout(conn, &brief);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
    conn = nullptr;
  }
}

void AmqpLink::Impl::Fail(std::deque<Job>& failed, Errc why) {
  for (Job& job : failed) job.report(MakeErrorCode(why));
  failed.clear();
}

void AmqpLink::Impl::RunJob(Job& job) {
  if (Clock::now() >= job.deadline) return job.report(MakeErrorCode(Errc::kTimeout));
  if (conn == nullptr) return job.report(MakeErrorCode(down_kind));
  job.report(job.run(*this));
}

void AmqpLink::Impl::SleepUntilRetry() {
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at - Clock::now());
  pollfd fd{wake_fd, POLLIN, 0};
  ::poll(&fd, 1, static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, kMaxPollWait.count())));
  std::uint64_t drained = 0;
  [[maybe_unused]] auto n = ::read(wake_fd, &drained, sizeof drained);
}

void AmqpLink::Impl::Connect() {
  std::string why;
  Errc kind = Errc::kUnavailable;
  const auto url = ParseAmqpUrl(options.url, &why);
  if (url) why = Open(*url, &kind);
  if (why.empty()) why = SetUpConsumers();
  if (!why.empty()) {
    if (conn != nullptr) amqp_destroy_connection(conn);
    conn = nullptr;
    down_kind = kind;
    ++connect_failures;
    failed_before = true;
    const auto wait = backoff.Next();
    retry_at = Clock::now() + wait;
    if (options.monitor) options.monitor->ConnectFailed(why, wait);
    return;
  }
  ++connects;
  backoff.Reset();
  down_kind = Errc::kUnavailable;
  const int channel_max = amqp_get_channel_max(conn);
  burst_size = std::min<std::size_t>(
      kDeclareBurst, channel_max > kFirstDeclareChannel ? channel_max - kFirstDeclareChannel + 1
                                                        : (channel_max == 0 ? kDeclareBurst : 1));
  declare_open.assign(kDeclareBurst, false);
  delivery = Delivery{};
  up.store(true, std::memory_order_relaxed);
  if (options.monitor) options.monitor->LinkAnswered(failed_before);
  failed_before = false;
  if (listener) listener(true);
}

// Dials, logs in, opens the consumer and call channels. "" on success.
std::string AmqpLink::Impl::Open(const AmqpUrl& url, Errc* kind) {
  conn = amqp_new_connection();
  amqp_socket_t* socket = url.tls ? amqp_ssl_socket_new(conn) : amqp_tcp_socket_new(conn);
  if (socket == nullptr) return "cannot create a socket";
  if (url.tls) amqp_ssl_socket_set_cacert(socket, kSystemCaBundle);
  timeval connect_tv = ToTimeval(options.connect_timeout);
  const int opened = amqp_socket_open_noblock(socket, url.host.c_str(), url.port, &connect_tv);
  if (opened != AMQP_STATUS_OK) return std::string("connect: ") + amqp_error_string2(opened);
  amqp_set_handshake_timeout(conn, &connect_tv);
  timeval rpc_tv = ToTimeval(options.command_timeout);
  amqp_set_rpc_timeout(conn, &rpc_tv);
  BoundUnacknowledgedSends();
  const amqp_rpc_reply_t login = Login(url);
  if (std::string why = Failure(login, 0); !why.empty()) {
    // With authentication_failure_close the broker answers a bad login (403) or a vhost it
    // will not open (530) with connection.close instead of dropping the socket.
    if (login.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
        login.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
      const auto code = static_cast<const amqp_connection_close_t*>(login.reply.decoded)->reply_code;
      if (code == AMQP_ACCESS_REFUSED || code == AMQP_NOT_ALLOWED) *kind = Errc::kAuthFailed;
    }
    return "login: " + why;
  }
  for (const amqp_channel_t channel : {kConsumeChannel, kCallChannel}) {
    amqp_channel_open(conn, channel);
    if (std::string why = Failure(amqp_get_rpc_reply(conn), channel); !why.empty()) {
      return "channel.open: " + why;
    }
  }
  return "";
}

// Logs in, naming the connection after the link (the management UI shows it) and asking for
// consumer_cancel_notify, so that a deleted consumer queue is reported (basic.cancel) instead
// of consumption stopping silently. rabbitmq-c merges these with its own capabilities.
amqp_rpc_reply_t AmqpLink::Impl::Login(const AmqpUrl& url) {
  amqp_table_entry_t capabilities[2];
  capabilities[0].key = amqp_cstring_bytes("consumer_cancel_notify");
  capabilities[0].value.kind = AMQP_FIELD_KIND_BOOLEAN;
  capabilities[0].value.value.boolean = 1;
  capabilities[1].key = amqp_cstring_bytes("authentication_failure_close");
  capabilities[1].value.kind = AMQP_FIELD_KIND_BOOLEAN;
  capabilities[1].value.value.boolean = 1;
  const std::string name = "queuemond " + who;
  amqp_table_entry_t properties[2];
  properties[0].key = amqp_cstring_bytes("capabilities");
  properties[0].value.kind = AMQP_FIELD_KIND_TABLE;
  properties[0].value.value.table = amqp_table_t{2, capabilities};
  properties[1].key = amqp_cstring_bytes("connection_name");
  properties[1].value.kind = AMQP_FIELD_KIND_UTF8;
  properties[1].value.value.bytes = Bytes(name);
  const amqp_table_t client_properties{2, properties};
  return amqp_login_with_properties(conn, url.vhost.c_str(), 0, AMQP_DEFAULT_FRAME_SIZE,
                                    static_cast<int>(options.heartbeat.count()),
                                    &client_properties, AMQP_SASL_METHOD_PLAIN, url.user.c_str(),
                                    url.password.c_str());
}

// rabbitmq-c writes without a deadline; a peer that stops acknowledging (a zero window, a
// vanished host) would hold a write for TCP's own retry limit, ~15 min. TCP_USER_TIMEOUT makes
// the kernel fail such a write after two heartbeats (or the command deadline, if longer).
void AmqpLink::Impl::BoundUnacknowledgedSends() const {
  const int fd = amqp_get_sockfd(conn);
  if (fd < 0) return;
  const auto bound = std::max<std::chrono::milliseconds>(options.heartbeat * 2, options.command_timeout);
  const unsigned int ms = static_cast<unsigned int>(bound.count());
  ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
}

// Declares, binds and consumes every consumer's queue. "" on success.
std::string AmqpLink::Impl::SetUpConsumers() {
  consumer_of_tag.clear();
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    const ConsumerSpec& spec = consumers[i];
    if (std::string why = Failure(DeclareExchange(spec.exchange), kCallChannel); !why.empty()) {
      return "exchange.declare " + spec.exchange.name + ": " + why;
    }
    amqp_table_entry_t entries[2];
    int n = 0;
    for (const auto& [key, value] : {std::pair{"x-message-ttl", spec.message_ttl},
                                     std::pair{"x-expires", spec.expires}}) {
      if (value.count() <= 0) continue;
      entries[n].key = amqp_cstring_bytes(key);
      entries[n].value.kind = AMQP_FIELD_KIND_I32;
      entries[n].value.value.i32 = static_cast<int32_t>(value.count());
      ++n;
    }
    const amqp_table_t arguments{n, entries};
    amqp_queue_declare(conn, kConsumeChannel, Bytes(spec.queue), /*passive=*/0, /*durable=*/0,
                       /*exclusive=*/1, /*auto_delete=*/1, arguments);
    if (std::string why = Failure(amqp_get_rpc_reply(conn), kConsumeChannel); !why.empty()) {
      return "queue.declare " + spec.queue + ": " + why;
    }
    amqp_queue_bind(conn, kConsumeChannel, Bytes(spec.queue), Bytes(spec.exchange.name),
                    Bytes(spec.binding_key), amqp_empty_table);
    if (std::string why = Failure(amqp_get_rpc_reply(conn), kConsumeChannel); !why.empty()) {
      return "queue.bind " + spec.queue + ": " + why;
    }
    const amqp_basic_consume_ok_t* ok =
        amqp_basic_consume(conn, kConsumeChannel, Bytes(spec.queue), amqp_empty_bytes,
                           /*no_local=*/0, /*no_ack=*/1, /*exclusive=*/1, amqp_empty_table);
    if (std::string why = Failure(amqp_get_rpc_reply(conn), kConsumeChannel); !why.empty()) {
      return "basic.consume " + spec.queue + ": " + why;
    }
    consumer_of_tag[Str(ok->consumer_tag)] = i;
  }
  return "";
}

amqp_rpc_reply_t AmqpLink::Impl::DeclareExchange(const ExchangeSpec& exchange) {
  amqp_exchange_declare(conn, kCallChannel, Bytes(exchange.name), Bytes(exchange.type),
                        /*passive=*/0, exchange.durable, exchange.auto_delete, /*internal=*/0,
                        amqp_empty_table);
  return amqp_get_rpc_reply(conn);
}

std::string AmqpLink::Impl::Failure(const amqp_rpc_reply_t& reply, amqp_channel_t channel) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "";
    case AMQP_RESPONSE_NONE:
      return "no reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(reply.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      break;
  }
  if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* close = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
    amqp_connection_close_ok_t ok{};
    amqp_send_method(conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
    return "connection closed by the broker: " + std::to_string(close->reply_code) + " " +
           Str(close->reply_text);
  }
  if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const auto* close = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
    amqp_channel_close_ok_t ok{};
    amqp_send_method(conn, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    return "channel closed by the broker: " + std::to_string(close->reply_code) + " " +
           Str(close->reply_text);
  }
  return "unexpected method " + std::to_string(reply.reply.id);
}

// A failed call on channel 2: the channel (or the connection) is gone, so the link starts over.
error_code AmqpLink::Impl::RpcError(const amqp_rpc_reply_t& reply, amqp_channel_t channel,
                                    std::string_view what) {
  const std::string why = Failure(reply, channel);
  if (why.empty()) return {};
  const bool timed_out = reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
                         reply.library_error == AMQP_STATUS_TIMEOUT;
  Drop(std::string(what) + ": " + why);
  return MakeErrorCode(timed_out ? Errc::kTimeout : Errc::kUnavailable);
}

void AmqpLink::Impl::Drop(const std::string& reason) {
  if (conn == nullptr) return;
  amqp_destroy_connection(conn);
  conn = nullptr;
  up.store(false, std::memory_order_relaxed);
  failed_before = true;
  const auto wait = backoff.Next();
  retry_at = Clock::now() + wait;
  if (options.monitor) options.monitor->Disconnected(reason, wait);
  if (listener) listener(false);
}

// Waits for the socket or a wake-up, then handles every frame that arrived.
void AmqpLink::Impl::Pump() {
  if (!amqp_frames_enqueued(conn) && !amqp_data_in_buffer(conn)) {
    auto wait = kMaxPollWait;
    if (options.heartbeat.count() > 0) {
      wait = std::min<std::chrono::milliseconds>(wait, options.heartbeat / 4);
    }
    pollfd fds[2] = {{amqp_get_sockfd(conn), POLLIN, 0}, {wake_fd, POLLIN, 0}};
    ::poll(fds, 2, static_cast<int>(wait.count()));
    if (fds[1].revents != 0) {
      std::uint64_t drained = 0;
      [[maybe_unused]] auto n = ::read(wake_fd, &drained, sizeof drained);
    }
  }
  // Zero-timeout reads return what is buffered or readable now, and send a heartbeat when due.
  for (int i = 0; i < 4096 && conn != nullptr; ++i) {
    amqp_frame_t frame;
    timeval zero{0, 0};
    const int status = amqp_simple_wait_frame_noblock(conn, &frame, &zero);
    if (status == AMQP_STATUS_TIMEOUT) break;
    if (status != AMQP_STATUS_OK) {
      Drop(std::string("read: ") + amqp_error_string2(status));
      return;
    }
    Dispatch(frame);
  }
  if (conn != nullptr) amqp_maybe_release_buffers(conn);
}

// Routes one frame: deliveries to the consumers, declare replies to the burst being awaited,
// a broker's close of the connection or of a channel the link relies on to a redial.
error_code AmqpLink::Impl::Dispatch(const amqp_frame_t& frame) {
  if (frame.channel == kConsumeChannel) {
    OnConsumerFrame(frame);
    return {};
  }
  if (frame.frame_type != AMQP_FRAME_METHOD) return {};
  const amqp_method_number_t id = frame.payload.method.id;
  if (frame.channel >= kFirstDeclareChannel) {
    const std::size_t index = frame.channel - kFirstDeclareChannel;
    if (id == AMQP_CHANNEL_OPEN_OK_METHOD) {
      if (index < declare_open.size()) declare_open[index] = true;
      ++burst_opened;
    } else if (id == AMQP_QUEUE_DECLARE_OK_METHOD) {
      const auto* ok = static_cast<const amqp_queue_declare_ok_t*>(frame.payload.method.decoded);
      burst_replies[frame.channel] = QueueStatus{ok->message_count, ok->consumer_count};
    } else if (id == AMQP_CHANNEL_CLOSE_METHOD) {  // 404 not found, 405 locked: no figures
      amqp_channel_close_ok_t ok{};
      amqp_send_method(conn, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
      if (index < declare_open.size()) declare_open[index] = false;
      burst_replies[frame.channel] = std::nullopt;
    }
    return {};
  }
  if (id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* close = static_cast<const amqp_connection_close_t*>(frame.payload.method.decoded);
    amqp_connection_close_ok_t ok{};
    amqp_send_method(conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
    Drop("connection closed by the broker: " + std::to_string(close->reply_code) + " " +
         Str(close->reply_text));
    return MakeErrorCode(Errc::kUnavailable);
  }
  if (id == AMQP_CHANNEL_CLOSE_METHOD) {
    Drop("channel " + std::to_string(frame.channel) + " closed by the broker");
    return MakeErrorCode(Errc::kUnavailable);
  }
  return {};
}

void AmqpLink::Impl::OnConsumerFrame(const amqp_frame_t& frame) {
  switch (frame.frame_type) {
    case AMQP_FRAME_METHOD: {
      const amqp_method_number_t id = frame.payload.method.id;
      if (id == AMQP_BASIC_DELIVER_METHOD) {
        const auto* deliver = static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded);
        const auto consumer = consumer_of_tag.find(Str(deliver->consumer_tag));
        delivery = Delivery{};
        delivery.active = consumer != consumer_of_tag.end();
        delivery.consumer = delivery.active ? consumer->second : 0;
        delivery.message.exchange = Str(deliver->exchange);
        delivery.message.routing_key = Str(deliver->routing_key);
      } else if (id == AMQP_CHANNEL_CLOSE_METHOD || id == AMQP_BASIC_CANCEL_METHOD) {
        // A consumer's queue was deleted (or the channel failed): declare everything again.
        Drop(id == AMQP_BASIC_CANCEL_METHOD ? "a consumer was cancelled by the broker"
                                            : "the consumer channel was closed by the broker");
      }
      return;
    }
    case AMQP_FRAME_HEADER: {
      if (!delivery.active) return;
      delivery.size = frame.payload.properties.body_size;
      const auto* props = static_cast<const amqp_basic_properties_t*>(frame.payload.properties.decoded);
      if ((props->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG) != 0) {
        delivery.message.content_type = Str(props->content_type);
      }
      if ((props->_flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
        for (int i = 0; i < props->headers.num_entries; ++i) {
          const amqp_table_entry_t& entry = props->headers.entries[i];
          if (entry.value.kind == AMQP_FIELD_KIND_UTF8 || entry.value.kind == AMQP_FIELD_KIND_BYTES) {
            delivery.message.headers[Str(entry.key)] = Str(entry.value.value.bytes);
          }
        }
      }
      delivery.oversized = delivery.size > options.max_message_bytes;
      if (!delivery.oversized) delivery.message.body.reserve(delivery.size);
      if (delivery.size == 0) FinishDelivery();
      return;
    }
    case AMQP_FRAME_BODY: {
      if (!delivery.active) return;
      const amqp_bytes_t& fragment = frame.payload.body_fragment;
      if (!delivery.oversized) {
        delivery.message.body.append(static_cast<const char*>(fragment.bytes), fragment.len);
      }
      if (delivery.size <= fragment.len) {
        FinishDelivery();
      } else {
        delivery.size -= fragment.len;
      }
      return;
    }
    default:
      return;
  }
}

void AmqpLink::Impl::FinishDelivery() {
  delivery.active = false;
  if (delivery.oversized) {
    ++oversized;
    return;
  }
  ++messages;
  consumers[delivery.consumer].on_message(std::move(delivery.message));
}

error_code AmqpLink::Impl::Publish(const PublishSpec& spec) {
  ++round_trips;
  if (error_code ec = RpcError(DeclareExchange(spec.exchange), kCallChannel,
                               "exchange.declare " + spec.exchange.name)) {
    return ec;
  }
  std::vector<amqp_table_entry_t> headers(spec.number_headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) {
    headers[i].key = Bytes(spec.number_headers[i].first);
    headers[i].value.kind = AMQP_FIELD_KIND_F64;
    headers[i].value.value.f64 = spec.number_headers[i].second;
  }
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG |
                 AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_HEADERS_FLAG;
  props.content_type = Bytes(spec.content_type);
  props.content_encoding = Bytes(spec.content_encoding);
  props.delivery_mode = 1;  // transient, as kombu's pidbox
  props.headers = amqp_table_t{static_cast<int>(headers.size()), headers.data()};
  for (std::size_t i = 0; i + 1 < spec.routing_keys_bodies.size(); i += 2) {
    const int status = amqp_basic_publish(conn, kCallChannel, Bytes(spec.exchange.name),
                                          Bytes(spec.routing_keys_bodies[i]), 0, 0, &props,
                                          Bytes(spec.routing_keys_bodies[i + 1]));
    if (status != AMQP_STATUS_OK) {
      Drop(std::string("publish: ") + amqp_error_string2(status));
      return MakeErrorCode(Errc::kUnavailable);
    }
  }
  return {};
}

error_code AmqpLink::Impl::Ping() {
  ++round_trips;
  amqp_basic_qos(conn, kCallChannel, 0, 0, 0);  // a harmless RPC: the channel has no consumer
  return RpcError(amqp_get_rpc_reply(conn), kCallChannel, "ping");
}

error_code AmqpLink::Impl::DeclarePassive(const std::vector<std::string>& queues,
                                          Deadline deadline,
                                          std::vector<std::optional<QueueStatus>>& out) {
  out.assign(queues.size(), std::nullopt);
  const Deadline bound = std::min(deadline, Clock::now() + options.command_timeout);
  for (std::size_t first = 0; first < queues.size(); first += burst_size) {
    const std::size_t count = std::min(burst_size, queues.size() - first);
    if (error_code ec = DeclareBurst(queues, first, count, bound, out)) return ec;
  }
  return {};
}

// Opens the burst's closed channels (one round trip), then asks each for its queue (one more).
error_code AmqpLink::Impl::DeclareBurst(const std::vector<std::string>& queues, std::size_t first,
                                        std::size_t count, Deadline deadline,
                                        std::vector<std::optional<QueueStatus>>& out) {
  std::size_t to_open = 0;
  burst_opened = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (declare_open[i]) continue;
    amqp_channel_open_t open{amqp_empty_bytes};
    const int sent = amqp_send_method(conn, static_cast<amqp_channel_t>(kFirstDeclareChannel + i),
                                      AMQP_CHANNEL_OPEN_METHOD, &open);
    if (sent != AMQP_STATUS_OK) {
      Drop(std::string("channel.open: ") + amqp_error_string2(sent));
      return MakeErrorCode(Errc::kUnavailable);
    }
    ++to_open;
  }
  if (to_open > 0) {
    ++round_trips;
    if (error_code ec = AwaitBurst(deadline, [&] { return burst_opened >= to_open; })) {
      return ec;
    }
  }
  burst_replies.clear();
  std::vector<bool> asked(count, false);
  std::size_t expected = 0;
  for (std::size_t i = 0; i < count; ++i) {
    amqp_queue_declare_t declare{};
    declare.queue = Bytes(queues[first + i]);
    declare.passive = 1;
    declare.arguments = amqp_empty_table;
    const int sent = amqp_send_method(conn, static_cast<amqp_channel_t>(kFirstDeclareChannel + i),
                                      AMQP_QUEUE_DECLARE_METHOD, &declare);
    if (sent == AMQP_STATUS_BAD_AMQP_DATA) continue;  // a name AMQP cannot carry (> 255 bytes)
    if (sent != AMQP_STATUS_OK) {
      Drop(std::string("queue.declare: ") + amqp_error_string2(sent));
      return MakeErrorCode(Errc::kUnavailable);
    }
    asked[i] = true;
    ++expected;
  }
  ++round_trips;
  if (error_code ec = AwaitBurst(deadline, [&] { return burst_replies.size() >= expected; })) {
    return ec;
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (asked[i]) out[first + i] = burst_replies[static_cast<amqp_channel_t>(kFirstDeclareChannel + i)];
  }
  return {};
}

// Reads frames (dispatching every one) until `done` or the deadline; a missed deadline drops
// the connection, whose reply stream is then out of step.
error_code AmqpLink::Impl::AwaitBurst(Deadline deadline, const std::function<bool()>& done) {
  while (!done()) {
    if (conn == nullptr) return MakeErrorCode(Errc::kUnavailable);
    amqp_frame_t frame;
    timeval tv = ToTimeval(std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()));
    const int status = amqp_simple_wait_frame_noblock(conn, &frame, &tv);
    if (status == AMQP_STATUS_TIMEOUT) {
      Drop("no reply to a declare burst within the command deadline");
      return MakeErrorCode(Errc::kTimeout);
    }
    if (status != AMQP_STATUS_OK) {
      Drop(std::string("read: ") + amqp_error_string2(status));
      return MakeErrorCode(Errc::kUnavailable);
    }
    if (error_code ec = Dispatch(frame)) return ec;
  }
  return {};
}

// ---- AmqpLink ----

AmqpLink::AmqpLink(asio::any_io_executor executor, AmqpOptions options, std::string who)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(who))) {}

AmqpLink::~AmqpLink() { Close(); }

void AmqpLink::AddConsumer(ConsumerSpec spec) { impl_->consumers.push_back(std::move(spec)); }

void AmqpLink::SetStateListener(std::function<void(bool)> listener) {
  impl_->listener = std::move(listener);
}

void AmqpLink::Start() {
  if (impl_->thread.joinable()) return;
  impl_->thread = std::thread([impl = impl_.get()] { impl->Run(); });
}

void AmqpLink::Close() {
  {
    base::MutexLock lock(impl_->mu);
    impl_->closing = true;
  }
  impl_->Wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool AmqpLink::connected() const { return impl_->up.load(std::memory_order_relaxed); }

AmqpLinkStats AmqpLink::Stats() const {
  return AmqpLinkStats{impl_->connects.load(), impl_->connect_failures.load(),
                       impl_->round_trips.load(), impl_->messages.load(), impl_->oversized.load()};
}

namespace {

Deadline DeadlineOr(std::optional<Deadline> deadline, std::chrono::milliseconds timeout) {
  return deadline.value_or(Clock::now() + timeout);
}

}  // namespace

// A plain function: the coroutines below keep every temporary out of their co_await
// expressions (g++ 12).
asio::awaitable<error_code> AmqpLink::Run(std::function<error_code(Impl&)> run,
                                          std::optional<Deadline> deadline) {
  auto impl = impl_;
  const Deadline bound = DeadlineOr(deadline, impl->options.command_timeout);
  return asio::co_spawn(asio::make_strand(impl->executor),
                        Impl::Execute(impl, std::move(run), bound), asio::use_awaitable);
}

asio::awaitable<boost::system::result<void>> AmqpLink::Publish(PublishSpec spec,
                                                                std::optional<Deadline> deadline) {
  auto shared = std::make_shared<PublishSpec>(std::move(spec));
  std::function<error_code(Impl&)> run = [shared](Impl& link) { return link.Publish(*shared); };
  auto call = Run(std::move(run), deadline);
  const error_code ec = co_await std::move(call);
  if (ec) co_return ec;
  co_return boost::system::result<void>();
}

asio::awaitable<boost::system::result<std::vector<std::optional<QueueStatus>>>>
AmqpLink::DeclarePassive(std::vector<std::string> queues, std::optional<Deadline> deadline) {
  const Deadline bound = DeadlineOr(deadline, impl_->options.command_timeout);
  auto names = std::make_shared<std::vector<std::string>>(std::move(queues));
  auto out = std::make_shared<std::vector<std::optional<QueueStatus>>>();
  std::function<error_code(Impl&)> run = [names, out, bound](Impl& link) {
    return link.DeclarePassive(*names, bound, *out);
  };
  auto call = Run(std::move(run), bound);
  const error_code ec = co_await std::move(call);
  if (ec) co_return ec;
  co_return std::move(*out);
}

asio::awaitable<boost::system::result<void>> AmqpLink::Ping(std::optional<Deadline> deadline) {
  std::function<error_code(Impl&)> run = [](Impl& link) { return link.Ping(); };
  auto call = Run(std::move(run), deadline);
  const error_code ec = co_await std::move(call);
  if (ec) co_return ec;
  co_return boost::system::result<void>();
}

}  // namespace queuemon::amqp
