#pragma once
// Gunzip: decompresses a gzip member (RFC 1952) with zlib's inflate, for tests that check what a
// client accepting gzip would read. Independent of base::Gzip (the code under test): it inflates
// with zlib's own decoder and checks the gzip trailer (CRC-32 and length). Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace queuemon::testing {

// The decompressed bytes, or nullopt unless `gzip` is exactly one complete, valid gzip member.
std::optional<std::string> Gunzip(std::string_view gzip);

}  // namespace queuemon::testing
