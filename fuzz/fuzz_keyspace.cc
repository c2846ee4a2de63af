// Fuzz target: what the RQ and Sidekiq sources read from a Redis they do not own: worker and
// process hashes, queue heads (job JSON), the registries' counts, job hashes and result streams.
// Contract (rq_layout.h, sidekiq_layout.h, exception_text.h): whatever the replies hold, the
// builders return views (odd data reads as missing), never throw or crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sources/keyspace/replies.h"
#include "sources/rq/exception_text.h"
#include "sources/rq/rq_layout.h"
#include "sources/sidekiq/job_lookup.h"
#include "sources/sidekiq/sidekiq_layout.h"

namespace {

using queuemon::redis::RedisReply;
namespace rq = queuemon::sources::rq;
namespace sk = queuemon::sources::sidekiq;

// The input as NUL-separated strings; each becomes a reply whose type its first byte picks.
std::vector<RedisReply> Replies(std::string_view raw) {
  std::vector<RedisReply> out;
  while (!raw.empty()) {
    const std::size_t end = raw.find('\0');
    std::string_view part = raw.substr(0, end);
    const char tag = part.empty() ? 's' : part.front();
    if (!part.empty()) part.remove_prefix(1);
    if (tag % 4 == 0) {
      out.push_back(RedisReply::Integer(static_cast<std::int64_t>(part.size()) - 3));
    } else if (tag % 4 == 1) {
      out.push_back(RedisReply::Error(std::string(part)));
    } else {
      out.push_back(RedisReply::String(std::string(part)));
    }
    if (end == std::string_view::npos) break;
    raw.remove_prefix(end + 1);
  }
  return out;
}

RedisReply Array(std::vector<RedisReply> elements) { return RedisReply::Array(std::move(elements)); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::vector<RedisReply> replies = Replies(raw);
  while (replies.size() < 12) replies.emplace_back();  // nil: missing keys
  const double now = 1796194031.5;

  (void)rq::WorkerFromHash("w", queuemon::sources::keyspace::Hash(Array(replies)), now);
  std::string head;
  const auto queue = rq::QueueFromReplies("q", replies.data(), head);
  (void)rq::BuildQueuesView({queue}, {queuemon::sources::keyspace::ParseUtcIso(raw)}, false, now);
  (void)rq::JobFromFields("j", Array({replies.begin(), replies.begin() + 9}));
  (void)rq::ExceptionOfJob(Array({replies.begin(), replies.begin() + 9}),
                           Array({Array({replies[0], Array(replies)})}));

  std::vector<queuemon::sources::RunningJob> running;
  const std::vector<RedisReply> work = {Array(replies), replies[0]};
  (void)sk::WorkerFromProcess("p", Array({replies.begin(), replies.begin() + 4}), work, now, running);
  const std::vector<RedisReply> stats(replies.begin(), replies.begin() + 7);
  const std::span<const RedisReply> all(replies);
  (void)sk::BuildQueuesView({"a", "b"}, stats, all.subspan(4, 6), all.subspan(10, 2), now);
  const nlohmann::json job = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!job.is_discarded()) (void)sk::JobFromJson("j", job, "retry");
  (void)sk::FindJob({std::string(raw)}, "j", "dead");
  (void)sk::BusyJob("j", "p", work);
  return 0;
}
