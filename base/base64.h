#pragma once
// Base64 (RFC 4648, with padding) over Beast's codec. Beast keeps it in its detail namespace, but
// it is the codec Beast itself uses for WebSocket keys and stable across Boost versions; these
// wrappers add the strictness it lacks (its decoder stops silently at the first bad character).
//
// Thread-safety: pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace queuemon::base {

std::string Base64Encode(std::string_view data);
// nullopt unless `text` is padded base64 (length a multiple of 4, at most two trailing '=').
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace queuemon::base
