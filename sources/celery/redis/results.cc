// Task results from the Redis result backend.
#include "sources/celery/redis/results.h"

#include <nlohmann/json.hpp>

#include "sources/source.h"
#include "redis/errors.h"
#include "sources/errors.h"

namespace queuemon::sources::celery::over_redis {

boost::system::result<TaskResult> ParseTaskMeta(std::string_view task_id, std::string_view text) {
  using nlohmann::json;
  const json meta = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!meta.is_object() || !meta.contains("status") || !meta.at("status").is_string()) {
    return MakeErrorCode(Errc::kMalformedReply);
  }
  TaskResult out;
  out.task_id = std::string(task_id);
  out.state = meta.at("status").get<std::string>();
  const auto result = meta.find("result");
  out.result_json =
      result == meta.end() ? "null" : result->dump(-1, ' ', false, json::error_handler_t::replace);
  const auto traceback = meta.find("traceback");
  if (traceback != meta.end() && traceback->is_string())
    out.traceback = traceback->get<std::string>();
  const auto done = meta.find("date_done");
  if (done != meta.end() && done->is_string()) out.date_done = done->get<std::string>();
  return out;
}

boost::asio::awaitable<boost::system::result<TaskResult>> CeleryResults::Lookup(
    std::string task_id) {
  if (!ValidTaskId(task_id)) co_return MakeErrorCode(Errc::kInvalidArgument);
  // Build the command outside the co_await expression (g++ 12 mis-compiles braced string
  // literals there: "array used as initializer").
  redis::RedisCommand get;
  get.push_back("GET");
  get.push_back("celery-task-meta-" + task_id);
  auto reply = co_await backend_.Command(std::move(get));
  if (!reply) co_return reply.error();
  if (reply->is_nil()) {
    TaskResult pending;
    pending.task_id = std::move(task_id);
    co_return pending;
  }
  if (reply->type != redis::RedisReply::Type::kString) co_return MakeErrorCode(Errc::kProtocol);
  co_return ParseTaskMeta(task_id, reply->str);
}

}  // namespace queuemon::sources::celery::over_redis
