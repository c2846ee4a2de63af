// RedisSubscriber: one coroutine (Run) on the subscriber's strand loops: open a link, PSUBSCRIBE,
// read pushes until the link fails, wait a backoff, repeat. Stop() closes the link and cancels
// the backoff timer on the same strand, so Run notices at its next resumption. Pub/sub has no
// request/reply deadline to catch a broker that went silent (blackholed, frozen), so Watch runs
// beside each session: after an interval with no reply it sends PING, and after a second one it
// closes the link, which makes the session fail and reconnect.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>

#include "base/backoff.h"
#include "redis/link_monitor.h"
#include "redis/errors.h"
#include "redis/connection.h"
#include "redis/link.h"
#include "redis/url.h"

namespace queuemon::redis {
namespace {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kMinWatch{10};
}  // namespace

struct RedisSubscriber::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor, RedisOptions opts, std::vector<std::string> pats,
       MessageHandler message_handler, StateHandler state_handler)
      : strand(asio::make_strand(std::move(executor))),
        options(std::move(opts)),
        url(ParseRedisUrl(options.url)),
        patterns(std::move(pats)),
        on_message(std::move(message_handler)),
        on_state(std::move(state_handler)),
        backoff(options.backoff_initial, options.backoff_max, base::RandomBackoffSeed()),
        timer(strand) {}

  asio::awaitable<void> Run();
  asio::awaitable<boost::system::error_code> Session();
  asio::awaitable<void> Watch(std::shared_ptr<RedisLink> watched);
  // Handles one push; returns an error for replies that mean the session is broken.
  boost::system::error_code Handle(const RedisReply& reply, std::size_t& confirmed);
  void SetConnected(bool value);
  // The session is established (subscriptions confirmed): ends the backoff and the failure
  // streak, and tells the monitor this link answered if the confirmation came within
  // options.command_timeout (a slow broker's late one proves nothing and would make it flap).
  void Established();
  // After a session ended with `ec`: tells the monitor (if any) and returns the retry delay.
  std::chrono::milliseconds Failed(boost::system::error_code ec);
  void StopOnStrand();
  // The monitor's listener (on this strand): another link answered, so a backoff wait ends now.
  void EndBackoff() {
    if (backing_off && !stopped) timer.cancel();
  }
  bool EndpointAnsweredSinceDial() const {
    return options.monitor && options.monitor->answered_links() != answered_seen;
  }

  asio::strand<asio::any_io_executor> strand;
  const RedisOptions options;
  const boost::system::result<RedisUrl> url;
  const std::vector<std::string> patterns;
  const MessageHandler on_message;
  const StateHandler on_state;

  // Strand-only state.
  base::Backoff backoff;
  asio::steady_timer timer;
  std::shared_ptr<RedisLink> link;
  bool started = false;
  bool stopped = false;
  bool activity = false;            // a reply arrived since Watch last looked
  bool dialled = false;             // the session that just ended had opened its link
  bool link_failed = false;         // a dial failed or a link was lost since we last answered
  std::string lost_reason;          // set by Watch when it gives up on a silent link
  Clock::time_point subscribe_sent;  // when this session's PSUBSCRIBE was written
  bool backing_off = false;         // Run is waiting on `timer` before the next dial
  std::uint64_t answered_seen = 0;  // options.monitor->answered_links() at our dial or answer
  std::uint64_t listener_id = 0;    // our answer listener on options.monitor, if any
  std::atomic<bool> is_connected{false};
  // Set by Stop() on the caller's thread, before the strand runs StopOnStrand: connected() is
  // false from the moment Stop() returns, whatever the strand is doing.
  std::atomic<bool> stop_requested{false};
};

asio::awaitable<void> RedisSubscriber::Impl::Run() {
  auto self = shared_from_this();
  while (!stopped) {
    const auto ec = co_await Session();
    if (link) {
      boost::system::error_code ignored;
      link->socket.close(ignored);
      link.reset();
    }
    SetConnected(false);
    if (stopped) break;
    if (ec == Errc::kInvalidArgument) {
      spdlog::error("redis subscriber: invalid broker URL; not subscribing");
      break;
    }
    const auto delay = Failed(ec);
    if (EndpointAnsweredSinceDial()) continue;  // the broker is back: dial now
    timer.expires_after(delay);
    backing_off = true;
    co_await timer.async_wait(kAwait);  // cancelled early by Stop or EndBackoff
    backing_off = false;
  }
}

asio::awaitable<boost::system::error_code> RedisSubscriber::Impl::Session() {
  if (!url) co_return MakeErrorCode(Errc::kInvalidArgument);
  if (options.monitor) answered_seen = options.monitor->answered_links();
  auto opened = co_await OpenRedisLink(strand, *url, options.max_reply_bytes,
                                       Clock::now() + options.connect_timeout);
  dialled = false;
  lost_reason.clear();
  if (!opened) co_return opened.error();
  if (stopped) co_return MakeErrorCode(Errc::kShuttingDown);
  dialled = true;
  link = *opened;
  std::size_t confirmed = 0;
  if (patterns.empty()) {  // no subscription, so no answer to wait for: the monitor is not told
    backoff.Reset();
    SetConnected(true);
  } else {
    RedisCommand command{"PSUBSCRIBE"};
    command.insert(command.end(), patterns.begin(), patterns.end());
    const std::string request = EncodeRedisCommand(command);
    subscribe_sent = Clock::now();
    auto [ec, n] = co_await asio::async_write(link->socket, asio::buffer(request), kAwait);
    if (ec) co_return MakeErrorCode(Errc::kUnavailable);
  }
  asio::co_spawn(strand, Watch(link), asio::detached);
  for (;;) {
    auto reply = co_await ReadRedisReply(*link);
    if (stopped) co_return MakeErrorCode(Errc::kShuttingDown);
    if (!reply) co_return reply.error();
    activity = true;
    if (auto ec = Handle(*reply, confirmed)) co_return ec;
  }
}

asio::awaitable<void> RedisSubscriber::Impl::Watch(std::shared_ptr<RedisLink> watched) {
  auto self = shared_from_this();
  const auto interval = std::max<std::chrono::milliseconds>(options.command_timeout, kMinWatch);
  const RedisCommand ping_command = {"PING"};
  const std::string ping = EncodeRedisCommand(ping_command);
  asio::steady_timer tick(strand);
  bool ping_outstanding = false;
  for (;;) {
    tick.expires_after(interval);
    co_await tick.async_wait(kAwait);
    if (stopped || watched != link) co_return;
    if (activity) {
      activity = false;
      ping_outstanding = false;
      continue;
    }
    if (ping_outstanding) {  // silent for two intervals, PING included
      // Logged by the monitor (state changes only): one line per cycle would flood the log
      // during a long blackhole.
      spdlog::debug("redis subscriber: broker silent; reconnecting");
      lost_reason = "broker silent (no reply to PING)";
      boost::system::error_code ignored;
      watched->socket.close(ignored);
      co_return;
    }
    ping_outstanding = true;
    auto [ec, n] = co_await asio::async_write(watched->socket, asio::buffer(ping), kAwait);
    if (ec) co_return;  // the session's read fails too and handles it
  }
}

boost::system::error_code RedisSubscriber::Impl::Handle(const RedisReply& reply,
                                                        std::size_t& confirmed) {
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
    return MakeErrorCode(Errc::kProtocol);  // e.g. an error reply to PSUBSCRIBE
  }
  const std::string& kind = reply.elements[0].str;  // pong replies need no handling
  if (kind == "psubscribe" && reply.elements.size() == 3) {
    if (++confirmed == patterns.size()) Established();
  } else if (kind == "pmessage" && reply.elements.size() == 4 && on_message) {
    try {
      on_message(reply.elements[2].str, reply.elements[3].str);
    } catch (const std::exception& e) {  // the handler must not throw; keep the session alive
      spdlog::error("redis subscriber: message handler threw: {}", e.what());
    }
  }
  return {};
}

std::chrono::milliseconds RedisSubscriber::Impl::Failed(boost::system::error_code ec) {
  const auto delay = backoff.Next();
  link_failed = true;
  if (!options.monitor) return delay;
  const std::string reason = lost_reason.empty() ? ec.message() : lost_reason;
  if (dialled) {
    options.monitor->Disconnected(reason, delay);
  } else {
    options.monitor->ConnectFailed(reason, delay);
  }
  return delay;
}

void RedisSubscriber::Impl::Established() {
  backoff.Reset();
  if (options.monitor && Clock::now() - subscribe_sent <= options.command_timeout) {
    options.monitor->LinkAnswered(link_failed);
    answered_seen = options.monitor->answered_links();  // our own answer is no news
    link_failed = false;
  } else if (options.monitor) {
    spdlog::debug("redis subscriber: subscriptions confirmed after the command deadline");
  }
  SetConnected(true);  // last: whoever sees connected() sees the monitor told
}

void RedisSubscriber::Impl::SetConnected(bool value) {
  if (is_connected.exchange(value) == value || stopped || !on_state) return;
  try {
    on_state(value);
  } catch (const std::exception& e) {
    spdlog::error("redis subscriber: state handler threw: {}", e.what());
  }
}

void RedisSubscriber::Impl::StopOnStrand() {
  if (stopped) return;
  stopped = true;
  if (options.monitor && listener_id != 0) options.monitor->RemoveAnswerListener(listener_id);
  // Before the close: whoever sees the link gone (the broker, a PUBLISH counting receivers) must
  // also see connected() false.
  is_connected = false;
  timer.cancel();
  if (link) {
    boost::system::error_code ignored;
    link->socket.close(ignored);
    link.reset();
  }
}

RedisSubscriber::RedisSubscriber(asio::any_io_executor executor, RedisOptions options,
                                 std::vector<std::string> patterns, MessageHandler on_message,
                                 StateHandler on_state)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(patterns),
                                   std::move(on_message), std::move(on_state))) {}

RedisSubscriber::~RedisSubscriber() { Stop(); }

void RedisSubscriber::Start() {
  asio::post(impl_->strand, [impl = impl_] {
    if (impl->started || impl->stopped) return;
    impl->started = true;
    if (impl->options.monitor) {
      impl->listener_id =
          impl->options.monitor->AddAnswerListener([weak = std::weak_ptr<Impl>(impl)] {
            if (auto self = weak.lock()) asio::post(self->strand, [self] { self->EndBackoff(); });
          });
    }
    asio::co_spawn(impl->strand, impl->Run(), asio::detached);
  });
}

void RedisSubscriber::Stop() {
  impl_->stop_requested = true;
  asio::post(impl_->strand, [impl = impl_] { impl->StopOnStrand(); });
}

bool RedisSubscriber::connected() const { return !impl_->stop_requested && impl_->is_connected; }

}  // namespace queuemon::redis
