#pragma once
// Daemon: queuemond's wiring. Owns the io_context and its N threads, one source and one
// api::ViewService (category caches) per configured source, the HTTP server and API, the sweeper,
// the systemd notifier and watchdog, and the signal handler. It decides nothing about HTTP,
// caching or Celery itself; those live in their libraries.
//
// Lifecycle:
//   Run():    bind the listen address (failure: throws, before READY=1) -> start sources,
//             server, sweeper, watchdog -> warm the default views of every source, bounded by
//             startup.warmup_deadline (a broker that is down does not stop start-up: /readyz
//             answers 503 and a 1 s maintenance tick keeps retrying) -> READY=1 + STATUS= ->
//             serve until Stop() -> returns the exit code (0).
//   Reload(): (SIGHUP) RELOADING=1; re-read the config via the loader; a bad config, or one
//             that changes a restart-only key (reload_plan.h), is logged and refused while the
//             running one keeps serving; otherwise cache options, request timeout, auth token,
//             sweep and log level apply in place without dropping cached entries; READY=1.
//   Stop():   (SIGTERM/SIGINT) STOPPING=1; the server drains until http.drain_timeout; the
//             sources stop; the io threads finish their work and are joined.
//
// Thread-safety: Run once, from the main thread. Stop and Reload may be called from any thread
// (normally the signal handler on the loop); they are serialized.

#include <cstdint>
#include <functional>
#include <memory>

#include "config/config.h"

namespace queuemon::daemon {

class Daemon final {
 public:
  // Re-reads the configuration for Reload; throws config::ConfigError for a bad one.
  using ConfigLoader = std::function<config::Config()>;

  Daemon(config::Config config, ConfigLoader loader);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int Run();
  void Reload();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace queuemon::daemon
