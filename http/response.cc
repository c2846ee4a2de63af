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

}  // namespace queuemon::http
