// Keep-alive load with per-request outcome accounting (see http_load.h).
#include "tests/testing/http_load.h"

#include <algorithm>
#include <cctype>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace queuemon::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

// Starts one async operation with a handler that stores its error, and runs the thread's own
// io_context until it completes (the stream's expiry bounds it).
template <typename StartOp>
error_code RunOp(asio::io_context& ioc, StartOp start) {
  error_code result;
  start([&result](error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

HttpResponse ToResponse(const http::response<http::string_body>& message) {
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    response.headers[name] = std::string(field.value());
  }
  response.body = message.body();
  response.keep_alive = message.keep_alive();
  return response;
}

// One GET on an open connection: the response when it came complete, else what happened.
struct Attempt {
  std::optional<HttpResponse> response;
  HttpLoad::Outcome outcome = HttpLoad::Outcome::kOther;  // when there is no response
  Clock::time_point sent_at;  // when the write completed (or failed)
};

Attempt Exchange(asio::io_context& ioc, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                 const std::string& target, std::chrono::milliseconds timeout) {
  using Outcome = HttpLoad::Outcome;
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(true);
  stream.expires_after(timeout);
  const error_code written =
      RunOp(ioc, [&](auto handler) { http::async_write(stream, request, handler); });
  const Clock::time_point sent_at = Clock::now();
  if (written) return {std::nullopt, Outcome::kSendFailure, sent_at};
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  stream.expires_after(timeout);
  const error_code ec =
      RunOp(ioc, [&](auto handler) { http::async_read(stream, buffer, parser, handler); });
  if (!ec) return {ToResponse(parser.get()), Outcome::kComplete, sent_at};
  // Beast says end_of_stream only for EOF before the first byte (partial_message otherwise).
  if (ec == http::error::end_of_stream) return {std::nullopt, Outcome::kUnanswered, sent_at};
  if (ec == beast::error::timeout) return {std::nullopt, Outcome::kTimeout, sent_at};
  if (parser.got_some()) return {std::nullopt, Outcome::kTruncated, sent_at};
  if (ec == asio::error::connection_reset) return {std::nullopt, Outcome::kReset, sent_at};
  return {std::nullopt, Outcome::kOther, sent_at};
}

}  // namespace

HttpLoad::HttpLoad(std::uint16_t port, std::vector<std::string> targets, int threads,
                   Validator validator, std::chrono::milliseconds timeout)
    : port_(port), targets_(std::move(targets)), thread_count_(threads),
      validator_(std::move(validator)), timeout_(timeout) {}

HttpLoad::~HttpLoad() { Stop(); }

void HttpLoad::Start() {
  stop_.store(false);
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this, i] { Run(static_cast<std::size_t>(i)); });
  }
}

HttpLoadCounts HttpLoad::Stop() {
  stop_.store(true);
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  return Counts();
}

HttpLoadCounts HttpLoad::Counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void HttpLoad::Record(Outcome outcome, Clock::time_point at, const HttpResponse* response) {
  std::lock_guard lock(mu_);
  HttpLoadCounts& c = counts_;
  if (outcome != Outcome::kConnectFailure && outcome != Outcome::kSendFailure) ++c.sent;
  if (response != nullptr) {
    ++c.by_status[response->status];
    ++c.by_x_cache[response->Header("X-Cache")];
    c.closed_after_response += response->keep_alive ? 0 : 1;
  }
  switch (outcome) {
    case Outcome::kComplete: ++c.complete; return;  // the only success
    case Outcome::kInvalid: ++c.complete, ++c.invalid; break;
    case Outcome::kUnanswered: ++c.unanswered; break;
    case Outcome::kReset: ++c.reset; break;
    case Outcome::kTruncated: ++c.truncated; break;
    case Outcome::kTimeout: ++c.timeouts; break;
    case Outcome::kOther: ++c.other; break;
    case Outcome::kSendFailure: ++c.send_failures; break;
    case Outcome::kConnectFailure: ++c.connect_failures; break;
  }
  if (!c.first_failure_started || at < *c.first_failure_started) c.first_failure_started = at;
}

void HttpLoad::Run(std::size_t thread_index) {
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port_);
  for (std::size_t i = thread_index; !stop_.load(); ++i) {
    const std::string& target = targets_[i % targets_.size()];
    if (!stream) {
      const Clock::time_point started = Clock::now();
      stream.emplace(ioc);
      buffer.clear();
      stream->expires_after(timeout_);
      if (RunOp(ioc, [&](auto handler) { stream->async_connect(endpoint, handler); })) {
        Record(Outcome::kConnectFailure, started, nullptr);
        stream.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // pacing, see header
        continue;
      }
    }
    const Attempt attempt = Exchange(ioc, *stream, buffer, target, timeout_);
    if (attempt.response) {
      const bool valid = !validator_ || validator_(target, *attempt.response);
      Record(valid ? Outcome::kComplete : Outcome::kInvalid, attempt.sent_at,
             &*attempt.response);
      if (attempt.response->keep_alive) continue;
    } else {
      Record(attempt.outcome, attempt.sent_at, nullptr);
    }
    stream.reset();  // the server closes it (Connection: close), or it failed
  }
}

}  // namespace queuemon::testing
