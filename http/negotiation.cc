#include "http/negotiation.h"

#include <optional>

#include <boost/beast/core/string.hpp>

namespace queuemon::http {
namespace {

namespace beast = boost::beast;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The part of `list` before `separator` (trimmed), and `list` after it.
std::string_view Next(std::string_view& list, char separator) {
  const auto at = list.find(separator);
  const std::string_view head = list.substr(0, at);
  list = at == std::string_view::npos ? std::string_view() : list.substr(at + 1);
  return Trim(head);
}

// A qvalue is "0", "0.", "0.0" ... "0.000" for "not acceptable" (RFC 9110 §12.4.2).
bool IsZeroQ(std::string_view q) {
  q = Trim(q);
  if (q.empty() || q.front() != '0') return false;
  for (char c : q.substr(1)) {
    if (c != '.' && c != '0') return false;
  }
  return true;
}

// Calls `element(name, acceptable)` for each element of an Accept-style list
// ("name;param=v;q=0.5, name2"): acceptable unless its q is zero. Split by hand rather than with
// Beast's ext_list, which (Boost 1.81) reports an element without parameters with the previous
// element's parameters: "*;q=0, gzip" would refuse gzip. Media ranges ("text/html") are not
// tokens either.
template <class Element>
void ForEachElement(std::string_view list, Element element) {
  while (!list.empty()) {
    std::string_view item = Next(list, ',');
    const std::string_view name = Next(item, ';');
    bool acceptable = true;
    while (!item.empty()) {
      std::string_view param = Next(item, ';');
      const std::string_view key = Next(param, '=');  // `param` is now the value
      if (beast::iequals(key, "q")) acceptable = !IsZeroQ(param);
    }
    if (!name.empty()) element(name, acceptable);
  }
}

}  // namespace

// The most specific entry decides (RFC 9110 §12.5.1): text/html over text/*; */* is ignored.
bool AcceptsHtml(std::string_view accept) {
  std::optional<bool> html, text_any;
  ForEachElement(accept, [&](std::string_view type, bool acceptable) {
    if (beast::iequals(type, "text/html")) html = acceptable;
    if (beast::iequals(type, "text/*")) text_any = acceptable;
  });
  return html.value_or(text_any.value_or(false));
}

// The coding's own entry decides; `*` only when the coding is not listed (RFC 9110 §12.5.3).
bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding) {
  std::optional<bool> named, wildcard;
  ForEachElement(accept_encoding, [&](std::string_view name, bool acceptable) {
    if (beast::iequals(name, coding)) named = acceptable;
    if (name == "*") wildcard = acceptable;
  });
  return named.value_or(wildcard.value_or(false));
}

}  // namespace queuemon::http
