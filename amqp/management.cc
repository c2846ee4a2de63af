#include "amqp/management.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <nlohmann/json.hpp>

#include "amqp/errors.h"
#include "base/base64.h"

namespace queuemon::amqp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

std::int64_t Count(const nlohmann::json& queue, const char* key) {
  const auto it = queue.find(key);
  return it != queue.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace

std::string CheckManagementUrl(std::string_view url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return "not a URL: http://user:password@host:15672/api";
  if (parsed->scheme() != "http") return "must be an http:// URL (https is not supported)";
  if (parsed->host_address().empty()) return "needs a host";
  if (parsed->has_query() || parsed->has_fragment()) return "must not have a query or fragment";
  return "";
}

boost::system::result<std::vector<ManagementQueue>> ParseManagementQueues(std::string_view text) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return MakeErrorCode(Errc::kProtocol);
  std::vector<ManagementQueue> out;
  out.reserve(doc.size());
  for (const auto& queue : doc) {
    if (!queue.is_object()) return MakeErrorCode(Errc::kProtocol);
    const auto name = queue.find("name");
    if (name == queue.end() || !name->is_string()) return MakeErrorCode(Errc::kProtocol);
    out.push_back(ManagementQueue{name->get<std::string>(), Count(queue, "messages_ready"),
                                  Count(queue, "messages_unacknowledged"),
                                  Count(queue, "consumers")});
  }
  return out;
}

asio::awaitable<boost::system::result<std::vector<ManagementQueue>>> ReadManagementQueues(
    asio::any_io_executor executor, std::string base_url, std::string vhost,
    std::chrono::steady_clock::time_point deadline, std::size_t max_bytes) {
  const auto url = boost::urls::parse_uri(base_url);
  if (!url || url->scheme() != "http") co_return MakeErrorCode(Errc::kInvalidArgument);
  std::string target(url->encoded_path());
  while (!target.empty() && target.back() == '/') target.pop_back();
  target += "/queues/" + boost::urls::encode(vhost, boost::urls::unreserved_chars) +
            "?columns=name,messages_ready,messages_unacknowledged,consumers";
  const std::string port = url->has_port() ? std::string(url->port()) : "80";

  asio::ip::tcp::resolver resolver(executor);
  beast::tcp_stream stream(executor);
  stream.expires_at(deadline);
  const std::string host(url->host_address());  // named: no temporaries inside co_await (g++ 12)
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(host, port, kAwait);
  if (resolve_ec) co_return MakeErrorCode(Errc::kUnavailable);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, kAwait);
  if (connect_ec) {
    co_return MakeErrorCode(connect_ec == beast::error::timeout ? Errc::kTimeout
                                                                : Errc::kUnavailable);
  }
  http::request<http::empty_body> request(http::verb::get, target, 11);
  request.set(http::field::host, url->host_address());
  request.set(http::field::accept, "application/json");
  if (url->has_userinfo()) {
    request.set(http::field::authorization,
                "Basic " + base::Base64Encode(std::string(url->user()) + ":" +
                                              std::string(url->password())));
  }
  auto [write_ec, written] = co_await http::async_write(stream, request, kAwait);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_bytes);
  boost::system::error_code read_ec = write_ec;
  if (!write_ec) std::tie(read_ec, std::ignore) = co_await http::async_read(stream, buffer, parser, kAwait);
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  if (read_ec == beast::error::timeout) co_return MakeErrorCode(Errc::kTimeout);
  if (read_ec == http::error::body_limit) co_return MakeErrorCode(Errc::kProtocol);
  if (read_ec) co_return MakeErrorCode(Errc::kUnavailable);
  const auto status = parser.get().result_int();
  if (status == 401 || status == 403) co_return MakeErrorCode(Errc::kAuthFailed);
  if (status != 200) co_return MakeErrorCode(Errc::kProtocol);
  co_return ParseManagementQueues(parser.get().body());
}

}  // namespace queuemon::amqp
