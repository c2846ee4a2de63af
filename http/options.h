#pragma once
// HttpOptions: the limits and timeouts of the HTTP server. Plain data; config/ fills it from the
// "listen", "threads" and "http" keys.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace queuemon::http {

struct HttpOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; [v6]:port accepted
  int threads = 0;                         // io_context threads; 0 = number of cores
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_connections = 1024;
  // Connections one client address may hold at once; unset = max_connections / 4 (at least 1),
  // 0 = no per-address limit. Addresses in trusted_proxies are exempt.
  std::optional<std::size_t> max_connections_per_address;
  // Reverse proxies in front of queuemond (IP addresses): exempt from the per-address limit,
  // since all their clients share their address. A proxy enforces its own per-client limits.
  std::vector<std::string> trusted_proxies;
  std::size_t max_requests_per_connection = 0;  // 0 = unlimited
  std::chrono::milliseconds read_timeout{10'000};   // to receive one whole request
  // To receive a request's line and headers: from the connection's accept for its first
  // request, from the first byte for the next ones (slowloris holds a slot this long at most).
  std::chrono::milliseconds header_timeout{5'000};
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds drain_timeout{5'000};   // graceful stop deadline

  // The per-address limit in force (see max_connections_per_address); 0 = none.
  std::size_t PerAddressLimit() const {
    return max_connections_per_address.value_or(std::max<std::size_t>(1, max_connections / 4));
  }
};

}  // namespace queuemon::http
