#include "http/negotiation.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace queuemon::http {
namespace {

namespace beast = boost::beast;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
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

}  // namespace

bool AcceptsHtml(std::string_view accept) {
  // Media ranges hold a '/', which Beast's token lists do not take: split on ',' and ';'.
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    const auto semicolon = range.find(';');
    const std::string_view type = Trim(range.substr(0, semicolon));
    if (!beast::iequals(type, "text/html") && !beast::iequals(type, "text/*")) continue;
    bool refused = false;
    for (std::string_view params = semicolon == std::string_view::npos ? "" : range.substr(semicolon + 1);
         !params.empty();) {
      const auto next = params.find(';');
      const std::string_view param = Trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        refused = IsZeroQ(param.substr(2));
      }
    }
    if (!refused) return true;
  }
  return false;
}

bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding) {
  for (const auto& element : beast::http::ext_list{accept_encoding}) {
    if (!beast::iequals(element.first, coding) && element.first != "*") continue;
    bool refused = false;
    for (const auto& param : element.second) {
      if (beast::iequals(param.first, "q")) refused = IsZeroQ(param.second);
    }
    if (!refused) return true;
  }
  return false;
}

}  // namespace queuemon::http
