#pragma once
// RedisOptions: how a RedisConnection reaches the broker. Plain data; a source kind's config reader fills it.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace queuemon::redis {

class BrokerLinkMonitor;  // redis/link_monitor.h

struct RedisOptions {
  // redis://[[user]:password@]host[:port][/db]  or  unix:///path/to/socket[?db=N]
  std::string url = "redis://127.0.0.1:6379/0";
  std::chrono::milliseconds connect_timeout{1000};
  // Deadline of one command or pipeline when the caller gives none.
  std::chrono::milliseconds command_timeout{1000};
  // Reconnect backoff: starts here, doubles per failure up to backoff_max, with +-50% jitter.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  // Replies larger than this (bytes) are refused and the connection is reset.
  std::size_t max_reply_bytes = 64 * 1024 * 1024;
  // Optional: every link built from these options reports failures, reconnects and backoff
  // here (shared by all of them; see link_monitor.h). Not configuration: the owner
  // sets it, and config comparison (reload_plan.cc) ignores it.
  std::shared_ptr<BrokerLinkMonitor> monitor;
};

}  // namespace queuemon::redis
