#pragma once
// HttpClient: a small blocking HTTP/1.1 test client (Beast) over one loopback TCP connection.
// Every call is bounded by the client's timeout, so a misbehaving server fails a test instead of
// hanging it. Send raw bytes (garbage, pipelined requests) or whole requests; read responses one
// at a time. Owns its own io_context; not thread-safe (one test thread uses it).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace queuemon::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool keep_alive = true;
  // The header's value, or "" if absent. `name` is case-insensitive.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

class HttpClient final {
 public:
  // Connects to 127.0.0.1:`port`, from `source` when given (another loopback address such as
  // 127.0.0.2, to act as a second client host). Throws std::runtime_error if that fails within
  // `timeout`.
  explicit HttpClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5),
                      std::string_view source = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Writes bytes as they are. False on error or timeout.
  bool SendRaw(std::string_view bytes);
  // Writes a request with Host set (and Content-Length when a body is given).
  bool Send(std::string_view method, std::string_view target,
            const std::map<std::string, std::string>& headers = {}, std::string_view body = {});
  // Reads the next response; nullopt if the connection closed, failed or timed out first.
  // `head` tells the parser the response belongs to a HEAD request (no body follows).
  std::optional<HttpResponse> Read(bool head = false);
  // Send + Read.
  std::optional<HttpResponse> Request(std::string_view method, std::string_view target,
                                      const std::map<std::string, std::string>& headers = {},
                                      std::string_view body = {});
  // True if the server closes the connection (EOF or reset) within `within`.
  bool WaitForClose(std::chrono::milliseconds within);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace queuemon::testing
