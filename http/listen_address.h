#pragma once
// The one grammar of a listen address: <IPv4>:<port> or [<IPv6>]:<port>, numeric (no names to
// resolve), port 0..65535 (0: any free port). The server binds what this returns; config
// checks use it too, so --check-config and start-up never disagree.

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace queuemon::http {

// The endpoint, or nullopt with the reason in `why` (a sentence naming what is wrong).
std::optional<boost::asio::ip::tcp::endpoint> ParseListenAddress(std::string_view listen,
                                                                 std::string* why = nullptr);

}  // namespace queuemon::http
