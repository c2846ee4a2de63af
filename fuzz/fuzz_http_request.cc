// Fuzz target: request handling from bytes to response, without sockets: Beast's request parser
// (with the server's header/body limits) reads as many pipelined requests as the input holds;
// each goes through the real Router and the real handlers of queuemon::api::Api over a ViewService
// whose source answers at once. Contract: every response has a valid status; every error
// response (>= 400) has a JSON body {"error": ..., "detail": ...}; no exception escapes a
// handler; nothing crashes.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "api/api.h"
#include "api/auth.h"

namespace {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using namespace queuemon;

// Answers every view at once with a small body naming it.
class InstantSource final : public queuemon::sources::Source {
 public:
  std::string_view Name() const override { return "celery"; }
  std::string_view Kind() const override { return "celery"; }
  void Start() override {}
  void Stop() override {}
  asio::awaitable<boost::system::result<queuemon::sources::Collected>> Collect(
      queuemon::sources::ViewRequest request) override {
    queuemon::sources::Collected snapshot;
    snapshot.body = nlohmann::json{{"view", queuemon::sources::ViewKey(request.view, request.argument)}}.dump();
    co_return snapshot;
  }
  queuemon::sources::SourceStats Stats() const override { return {}; }
};

struct Harness {
  Harness()
      : service(ioc.get_executor(), source, std::map<std::string, cache::CacheOptions>{}, clock,
                std::chrono::milliseconds(50)),
        api(std::vector<queuemon::api::ViewService*>{&service}, metrics, queuemon::api::ApiOptions{"token"}) {
    api.SetReady(true);
  }
  asio::io_context ioc;
  queuemon::base::ManualClock clock;
  InstantSource source;
  queuemon::http::HttpMetrics metrics;
  queuemon::api::ViewService service;
  queuemon::api::Api api;
};

queuemon::http::Method ToMethod(beast_http::verb verb) {
  switch (verb) {
    case beast_http::verb::get: return queuemon::http::Method::kGet;
    case beast_http::verb::head: return queuemon::http::Method::kHead;
    case beast_http::verb::post: return queuemon::http::Method::kPost;
    case beast_http::verb::delete_: return queuemon::http::Method::kDelete;
    default: return queuemon::http::Method::kOther;
  }
}

void CheckResponse(const queuemon::http::Response& response) {
  if (response.status < 200 || response.status > 599) __builtin_trap();
  if (response.status < 400) return;
  const auto body = nlohmann::json::parse(response.Body(), nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_string() ||
      !body.contains("detail") || !body["detail"].is_string()) {
    __builtin_trap();
  }
}

queuemon::http::Response Serve(Harness& h, const queuemon::http::Request& request) {
  auto routed = h.api.router().Route(request.method, request.target);
  if (auto* error = std::get_if<queuemon::http::Response>(&routed)) return std::move(*error);
  auto& match = std::get<queuemon::http::Router::Match>(routed);
  std::optional<queuemon::http::Response> out;
  asio::co_spawn(h.ioc, (*match.handler)(request, match.params),
                 [&out](std::exception_ptr e, queuemon::http::Response r) {
                   if (e) __builtin_trap();  // handlers must not throw
                   out = std::move(r);
                 });
  while (!out) h.ioc.run_one();
  h.ioc.poll();
  h.ioc.restart();
  return std::move(*out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness* harness = new Harness;  // lives for the whole run
  if (size == 0) return 0;
  boost::beast::flat_buffer buffer;
  auto chunk = buffer.prepare(size);
  std::memcpy(chunk.data(), data, size);
  buffer.commit(size);
  for (int i = 0; i < 8 && buffer.size() > 0; ++i) {  // pipelined requests
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(64 * 1024);
    parser.eager(true);
    boost::system::error_code ec;
    while (!parser.is_done()) {  // header, then body (chunk by chunk when chunked)
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec || used == 0) break;
    }
    if (ec || !parser.is_done()) break;  // malformed or incomplete: the server answers 400/408
    const auto& message = parser.get();
    queuemon::http::Request request;
    request.method = ToMethod(message.method());
    request.target = std::string(message.target());
    request.if_none_match = std::string(message[beast_http::field::if_none_match]);
    request.authorization = std::string(message[beast_http::field::authorization]);
    request.client_address = (size & 1) ? "127.0.0.1" : "192.0.2.1";
    request.client_is_loopback = queuemon::http::IsLoopbackAddress(request.client_address);
    CheckResponse(Serve(*harness, request));
    harness->clock.Advance(std::chrono::milliseconds(700));
  }
  return 0;
}
