#pragma once
// Logging: spdlog set-up from config::LogOptions. One named logger per module ("daemon", "config",
// "http", "collector", "cache"), all writing one line per event to one stderr sink.
// Under systemd (JOURNAL_STREAM or INVOCATION_ID set) lines carry no timestamp of their own
// and start with a "<N>" syslog priority, which journald turns into the entry's priority.
//
// Thread-safety: every function may be called from any thread; the loggers are spdlog's
// thread-safe (_mt) kind. The libraries below daemon/ log through spdlog's default logger,
// which SetupLogging points at the same sink and format; ModuleLogger("daemon") — before
// SetupLogging it still returns a working logger with the default format.

#include <memory>
#include <string_view>

#include "config/config.h"

namespace spdlog {
class logger;
}

namespace queuemon::daemon {

// Module names with a logger created at set-up.
inline constexpr std::string_view kLogModules[] = {"daemon", "config", "http", "collector",
                                                   "cache"};

// Installs the format (journal or terminal) and the level. Call once at start-up.
void SetupLogging(const config::LogOptions& options);
// Reload: applies a new level to every module logger without touching the sink.
void ApplyLogLevel(const config::LogOptions& options);
// The logger of `module`, created on first use.
std::shared_ptr<spdlog::logger> ModuleLogger(std::string_view module);
// True when stderr is (most likely) the journal.
bool UnderSystemd();

}  // namespace queuemon::daemon
