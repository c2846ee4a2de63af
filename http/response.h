#pragma once
// Canned responses: JSON error bodies ({"error": "...", "detail": "..."}) and JSON documents.
// Every error the HTTP layer produces goes through here so that all error bodies share one shape.
// Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "http/message.h"

namespace queuemon::http {

// `error` is a short machine-readable word ("not_found"), `detail` a sentence for humans.
Response JsonError(int status, std::string_view error, std::string_view detail);
// A 200 (or `status`) response with Content-Type: application/json and `json_text` as body.
Response JsonResponse(std::string json_text, int status = 200);

}  // namespace queuemon::http
