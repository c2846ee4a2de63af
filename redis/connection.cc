// RedisConnection: all state lives in Impl and is touched only on Impl::strand_ (every public
// entry point hops there with co_spawn or post), except the atomics behind connected()/Stats().
// A call becomes a Request: it waits in `waiting_` while the link is being opened, moves to
// `inflight_` when its bytes are handed to the writer, and is completed by the read loop when
// its last reply arrives (FIFO). Each caller sleeps on its Request's timer until its deadline;
// completion cancels the timer, so the deadline is enforced by the caller itself, whatever the
// link is doing.

#include "redis/connection.h"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>

#include "base/backoff.h"
#include "redis/link_monitor.h"
#include "redis/errors.h"
#include "redis/link.h"
#include "redis/url.h"
#include "redis/wire.h"

namespace queuemon::redis {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

struct Request {
  Request(asio::any_io_executor strand, std::string bytes, std::size_t count)
      : payload(std::move(bytes)), expected(count), timer(std::move(strand)) {}

  void Complete(boost::system::error_code ec) {
    if (done) return;
    done = true;
    error = ec;
    timer.cancel();
  }

  std::string payload;
  std::size_t expected;
  std::vector<RedisReply> replies;
  boost::system::error_code error;
  bool done = false;
  asio::steady_timer timer;
};

}  // namespace

struct RedisConnection::Impl : std::enable_shared_from_this<Impl> {
  enum class State { kDisconnected, kConnecting, kConnected, kBackoff };

  Impl(asio::any_io_executor executor, RedisOptions opts)
      : strand(asio::make_strand(std::move(executor))),
        options(std::move(opts)),
        url(ParseRedisUrl(options.url)),
        backoff(options.backoff_initial, options.backoff_max, base::RandomBackoffSeed()) {}

  asio::awaitable<boost::system::result<std::vector<RedisReply>>> Execute(std::string payload,
                                                                          std::size_t count,
                                                                          Deadline deadline);
  void StartConnect();
  asio::awaitable<void> Connect(std::uint64_t generation);
  void Flush();
  asio::awaitable<void> WriteLoop(std::shared_ptr<RedisLink> link, std::string bytes);
  asio::awaitable<void> ReadLoop(std::shared_ptr<RedisLink> link);
  void Deliver(RedisReply reply);
  // A good reply arrived (see link_monitor.h): the first on this link ends its failure
  // streak and tells the monitor the endpoint is back.
  void Answered();
  void OnTimeout(const std::shared_ptr<Request>& request);
  // `why` (for the monitor's log) defaults to ec's message.
  void Reset(boost::system::error_code ec, std::string_view why = {});
  void FailWaiting(boost::system::error_code ec);
  // Another link to the endpoint answered since this one's last dial began: the backoff that
  // dial's failure started is moot (see link_monitor.h).
  bool EndpointAnsweredSinceDial() const {
    return options.monitor && options.monitor->answered_links() != answered_at_dial;
  }

  asio::strand<asio::any_io_executor> strand;
  const RedisOptions options;
  const boost::system::result<RedisUrl> url;

  // Strand-only state.
  State state = State::kDisconnected;
  bool closed = false;
  bool writing = false;
  std::uint64_t connect_generation = 0;
  Clock::time_point backoff_until;
  base::Backoff backoff;
  std::shared_ptr<RedisLink> link;
  bool link_answered = false;  // the current link delivered a good (non-error) reply
  bool link_failed = false;    // a dial failed or a link was lost since a link last answered
  std::uint64_t answered_at_dial = 0;  // options.monitor->answered_links() when the dial began
  std::deque<std::shared_ptr<Request>> waiting;
  std::deque<std::shared_ptr<Request>> inflight;

  // Readable from any thread.
  std::atomic<bool> is_connected{false};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> connect_failures{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> commands{0};
  std::atomic<std::uint64_t> round_trips{0};
};

asio::awaitable<boost::system::result<std::vector<RedisReply>>> RedisConnection::Impl::Execute(
    std::string payload, std::size_t count, Deadline deadline) {
  auto self = shared_from_this();
  if (closed) co_return MakeErrorCode(Errc::kShuttingDown);
  if (!url) co_return MakeErrorCode(Errc::kInvalidArgument);
  if (Clock::now() >= deadline) {
    ++timeouts;
    co_return MakeErrorCode(Errc::kTimeout);
  }
  if (state == State::kBackoff) {
    if (Clock::now() < backoff_until && !EndpointAnsweredSinceDial()) {
      co_return MakeErrorCode(Errc::kUnavailable);
    }
    state = State::kDisconnected;
  }
  auto request = std::make_shared<Request>(strand, std::move(payload), count);
  waiting.push_back(request);
  commands += count;
  ++round_trips;
  if (state == State::kDisconnected) {
    StartConnect();
  } else {
    Flush();
  }
  request->timer.expires_at(deadline);
  if (!request->done) co_await request->timer.async_wait(kAwait);
  if (!request->done) {
    OnTimeout(request);
    co_return MakeErrorCode(Errc::kTimeout);
  }
  if (request->error) co_return request->error;
  co_return std::move(request->replies);
}

void RedisConnection::Impl::StartConnect() {
  state = State::kConnecting;
  if (options.monitor) answered_at_dial = options.monitor->answered_links();
  asio::co_spawn(strand, Connect(++connect_generation), asio::detached);
}

asio::awaitable<void> RedisConnection::Impl::Connect(std::uint64_t generation) {
  auto self = shared_from_this();
  auto opened = co_await OpenRedisLink(strand, *url, options.max_reply_bytes,
                                       Clock::now() + options.connect_timeout);
  if (closed || generation != connect_generation || state != State::kConnecting) {
    boost::system::error_code ignored;
    if (opened) (*opened)->socket.close(ignored);
    co_return;
  }
  if (!opened) {
    ++connect_failures;
    state = State::kBackoff;
    const auto delay = backoff.Next();
    backoff_until = Clock::now() + delay;
    link_failed = true;
    if (options.monitor) options.monitor->ConnectFailed(opened.error().message(), delay);
    FailWaiting(opened.error());
    co_return;
  }
  // Connected is not answered: the backoff and the monitor wait for a good reply (Answered).
  ++connects;
  link_answered = false;
  link = *opened;
  state = State::kConnected;
  is_connected = true;
  asio::co_spawn(strand, ReadLoop(link), asio::detached);
  Flush();
}

void RedisConnection::Impl::Flush() {
  if (state != State::kConnected || writing || waiting.empty()) return;
  std::string bytes;
  for (auto& request : waiting) {
    bytes += request->payload;
    request->payload.clear();
    inflight.push_back(std::move(request));
  }
  waiting.clear();
  writing = true;
  asio::co_spawn(strand, WriteLoop(link, std::move(bytes)), asio::detached);
}

asio::awaitable<void> RedisConnection::Impl::WriteLoop(std::shared_ptr<RedisLink> target,
                                                       std::string bytes) {
  auto self = shared_from_this();
  auto [ec, written] = co_await asio::async_write(target->socket, asio::buffer(bytes), kAwait);
  if (target != link) co_return;  // that link was reset meanwhile
  writing = false;
  if (ec) {
    Reset(MakeErrorCode(Errc::kUnavailable));
    co_return;
  }
  Flush();
}

asio::awaitable<void> RedisConnection::Impl::ReadLoop(std::shared_ptr<RedisLink> source) {
  auto self = shared_from_this();
  std::array<char, 16 * 1024> buffer;
  for (;;) {
    auto [ec, n] = co_await source->socket.async_read_some(asio::buffer(buffer), kAwait);
    if (source != link) co_return;
    if (ec) {
      Reset(MakeErrorCode(Errc::kUnavailable), ec.message());
      co_return;
    }
    if (auto fed = source->decoder.Feed(std::string_view(buffer.data(), n)); !fed) {
      Reset(fed.error());
      co_return;
    }
    for (;;) {
      auto next = source->decoder.Next();
      if (!next) {
        Reset(next.error());
        co_return;
      }
      if (!*next) break;
      Deliver(std::move(**next));
      if (source != link) co_return;
    }
  }
}

void RedisConnection::Impl::Deliver(RedisReply reply) {
  if (inflight.empty()) {  // a reply nobody asked for: the stream is out of step
    Reset(MakeErrorCode(Errc::kProtocol));
    return;
  }
  if (reply.type != RedisReply::Type::kError) Answered();
  auto& request = inflight.front();
  request->replies.push_back(std::move(reply));
  if (request->replies.size() == request->expected) {
    request->Complete({});
    inflight.pop_front();
  }
}

void RedisConnection::Impl::Answered() {
  if (link_answered) {
    if (options.monitor) options.monitor->Answered();  // after a lost subscription, say
    return;
  }
  link_answered = true;
  backoff.Reset();
  if (options.monitor) options.monitor->LinkAnswered(link_failed);
  link_failed = false;
}

void RedisConnection::Impl::OnTimeout(const std::shared_ptr<Request>& request) {
  ++timeouts;
  for (auto it = waiting.begin(); it != waiting.end(); ++it) {
    if (*it == request) {  // never sent: nothing is out of step
      waiting.erase(it);
      return;
    }
  }
  // Sent: its reply may still come and would be taken for the next caller's.
  Reset(MakeErrorCode(Errc::kUnavailable), "no reply within the command deadline");
}

void RedisConnection::Impl::Reset(boost::system::error_code ec, std::string_view why) {
  is_connected = false;  // before the close: whoever sees the link gone sees this too
  if (link) {
    boost::system::error_code ignored;
    link->socket.close(ignored);
    link.reset();
    if (!closed) {
      link_failed = true;
      // The next call dials again at once (no backoff after a lost link).
      if (options.monitor) {
        options.monitor->Disconnected(why.empty() ? ec.message() : std::string(why),
                                      std::chrono::milliseconds(0));
      }
    }
  }
  writing = false;
  if (state == State::kConnected) state = State::kDisconnected;
  auto failed = std::move(inflight);
  inflight.clear();
  for (auto& request : failed) request->Complete(ec);
  // Callers still waiting for a link get a fresh attempt rather than an error.
  if (!closed && !waiting.empty() && state == State::kDisconnected) StartConnect();
}

void RedisConnection::Impl::FailWaiting(boost::system::error_code ec) {
  auto failed = std::move(waiting);
  waiting.clear();
  for (auto& request : failed) request->Complete(ec);
}

RedisConnection::RedisConnection(boost::asio::any_io_executor executor, RedisOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

RedisConnection::~RedisConnection() { Close(); }

asio::awaitable<boost::system::result<RedisReply>> RedisConnection::Command(
    RedisCommand command, std::optional<Deadline> deadline) {
  if (command.empty()) co_return MakeErrorCode(Errc::kInvalidArgument);
  auto replies = co_await asio::co_spawn(
      impl_->strand,
      impl_->Execute(EncodeRedisCommand(command), 1,
                     deadline.value_or(Clock::now() + impl_->options.command_timeout)),
      asio::use_awaitable);
  if (!replies) co_return replies.error();
  co_return std::move(replies->front());
}

asio::awaitable<boost::system::result<std::vector<RedisReply>>> RedisConnection::Pipeline(
    std::vector<RedisCommand> commands, std::optional<Deadline> deadline) {
  std::string payload;
  for (const auto& command : commands) {
    if (command.empty()) co_return MakeErrorCode(Errc::kInvalidArgument);
    payload += EncodeRedisCommand(command);
  }
  if (commands.empty()) co_return std::vector<RedisReply>();
  co_return co_await asio::co_spawn(
      impl_->strand,
      impl_->Execute(std::move(payload), commands.size(),
                     deadline.value_or(Clock::now() + impl_->options.command_timeout)),
      asio::use_awaitable);
}

void RedisConnection::Close() {
  asio::post(impl_->strand, [impl = impl_] {
    if (impl->closed) return;
    impl->closed = true;
    impl->Reset(MakeErrorCode(Errc::kShuttingDown));
    impl->FailWaiting(MakeErrorCode(Errc::kShuttingDown));
    ++impl->connect_generation;  // a dial in progress is discarded when it ends
  });
}

bool RedisConnection::connected() const { return impl_->is_connected; }

RedisConnectionStats RedisConnection::Stats() const {
  RedisConnectionStats stats;
  stats.connects = impl_->connects;
  stats.connect_failures = impl_->connect_failures;
  stats.timeouts = impl_->timeouts;
  stats.commands = impl_->commands;
  stats.round_trips = impl_->round_trips;
  return stats;
}

const RedisOptions& RedisConnection::options() const { return impl_->options; }

}  // namespace queuemon::redis
