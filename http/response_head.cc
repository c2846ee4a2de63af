#include "http/response_head.h"

#include <charconv>

// Only the status table: the reason phrases are Beast's, so the status line matches it even
// for codes the daemon never sends today.
#include <boost/beast/http/status.hpp>

namespace queuemon::http {
namespace {

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void AppendStatusLine(std::string& out, int status, unsigned version) {
  const char line[] = {'H', 'T', 'T', 'P', '/', static_cast<char>('0' + version / 10), '.',
                       static_cast<char>('0' + version % 10), ' '};
  out.append(line, sizeof(line));
  char code[12];
  const auto end = std::to_chars(code, code + sizeof(code), status).ptr;
  out.append(code, end);
  out.push_back(' ');
  namespace http = boost::beast::http;
  out.append(http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status))));
  out.append("\r\n");
}

}  // namespace

bool StatusHasNoBody(int status) { return status == 304 || status == 204 || status < 200; }

void AppendResponseHead(std::string& out, const Response& response, unsigned version,
                        bool keep_alive) {
  AppendStatusLine(out, response.status, version);
  for (const auto& [name, value] : response.headers) AppendField(out, name, value);
  out.append(response.header_block);
  AppendField(out, "Server", kServerName);
  // What beast::http::message::keep_alive(bool) leaves in the Connection field when no
  // Connection header was set before: HTTP/1.1 is persistent unless told "close", HTTP/1.0
  // only when told "keep-alive".
  if (version >= 11 && !keep_alive) AppendField(out, "Connection", "close");
  if (version < 11 && keep_alive) AppendField(out, "Connection", "keep-alive");
  if (!StatusHasNoBody(response.status)) {
    char length[24];
    const auto end = std::to_chars(length, length + sizeof(length), response.Body().size()).ptr;
    AppendField(out, "Content-Length", std::string_view(length, end - length));
  }
  out.append("\r\n");
}

}  // namespace queuemon::http
