#include "tests/testing/http_client.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace queuemon::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  const auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

bool HttpResponse::HasHeader(std::string_view name) const {
  return headers.count(Lower(name)) != 0;
}

struct HttpClient::Impl {
  explicit Impl(std::chrono::milliseconds t) : timeout(t), stream(ioc) {}

  // Runs the io_context until the operation started before completes (its own deadline is
  // the stream's expiry).
  void RunToCompletion() {
    ioc.restart();
    ioc.run();
  }

  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout,
                       std::string_view source)
    : impl_(std::make_unique<Impl>(timeout)) {
  error_code result;
  if (!source.empty()) {
    auto& socket = impl_->stream.socket();
    socket.open(asio::ip::tcp::v4(), result);
    if (!result) {
      socket.bind(asio::ip::tcp::endpoint(asio::ip::make_address(std::string(source)), 0), result);
    }
    if (result) throw std::runtime_error("HttpClient: bind " + std::string(source) + ": " + result.message());
  }
  impl_->stream.expires_after(timeout);
  impl_->stream.async_connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
      [&](error_code ec) { result = ec; });
  impl_->RunToCompletion();
  if (result) throw std::runtime_error("HttpClient: connect failed: " + result.message());
}

HttpClient::~HttpClient() = default;

bool HttpClient::SendRaw(std::string_view bytes) {
  error_code result;
  impl_->stream.expires_after(impl_->timeout);
  asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()),
                    [&](error_code ec, std::size_t) { result = ec; });
  impl_->RunToCompletion();
  return !result;
}

bool HttpClient::Send(std::string_view method, std::string_view target,
                      const std::map<std::string, std::string>& headers, std::string_view body) {
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::string(body);
  if (!body.empty() || method == "POST") request.prepare_payload();
  error_code result;
  impl_->stream.expires_after(impl_->timeout);
  http::async_write(impl_->stream, request, [&](error_code ec, std::size_t) { result = ec; });
  impl_->RunToCompletion();
  return !result;
}

std::optional<HttpResponse> HttpClient::Read(bool head) {
  http::response_parser<http::string_body> parser;
  parser.skip(head);
  parser.body_limit(64 * 1024 * 1024);
  error_code result;
  impl_->stream.expires_after(impl_->timeout);
  http::async_read(impl_->stream, impl_->buffer, parser,
                   [&](error_code ec, std::size_t) { result = ec; });
  impl_->RunToCompletion();
  if (result) return std::nullopt;
  const auto& message = parser.get();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers[Lower(field.name_string())] = std::string(field.value());
  }
  response.body = message.body();
  response.keep_alive = message.keep_alive();
  return response;
}

std::optional<HttpResponse> HttpClient::Request(std::string_view method, std::string_view target,
                                                const std::map<std::string, std::string>& headers,
                                                std::string_view body) {
  if (!Send(method, target, headers, body)) return std::nullopt;
  return Read(method == "HEAD");
}

bool HttpClient::WaitForClose(std::chrono::milliseconds within) {
  // Discard whatever still arrives; a close shows as EOF or a reset, a timeout as `timeout`.
  error_code result;
  char sink[4096];
  impl_->stream.expires_after(within);
  for (;;) {
    std::size_t got = 0;
    impl_->stream.async_read_some(asio::buffer(sink), [&](error_code ec, std::size_t n) {
      result = ec;
      got = n;
    });
    impl_->RunToCompletion();
    if (result || got == 0) break;
  }
  return result && result != beast::error::timeout;
}

}  // namespace queuemon::testing
