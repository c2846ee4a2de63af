#pragma once
// Numbered: "prefix" + n, for test and benchmark keys.

#include <cstdint>
#include <string>
#include <string_view>

namespace queuemon::testing {

// Built by appending: g++ 12 -O3 reports a bogus -Wrestrict for `"literal" +
// std::to_string(n)` (GCC bug 105329), which -Werror turns into a build failure.
inline std::string Numbered(std::string_view prefix, std::uint64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

}  // namespace queuemon::testing
