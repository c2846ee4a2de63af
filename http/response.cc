#include "http/response.h"

#include <nlohmann/json.hpp>

namespace queuemon::http {

Response JsonError(int status, std::string_view error, std::string_view detail) {
  nlohmann::json body = {{"error", error}, {"detail", detail}};
  // Replace invalid UTF-8 (e.g. echoed from a bad request) instead of throwing.
  return JsonResponse(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), status);
}

Response JsonResponse(std::string json_text, int status) {
  Response response;
  response.status = status;
  response.SetHeader("Content-Type", "application/json");
  response.body = std::move(json_text);
  return response;
}

std::string_view StatusReason(int status) {
  switch (status) {
    case 200: return "OK";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace queuemon::http
