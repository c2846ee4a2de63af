#include "daemon/logging.h"

#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "base/mutex.h"

namespace queuemon::daemon {
namespace {

// "%*" in a pattern: the sd-daemon(3) priority prefix, "<3>" for error ... "<7>" for debug.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kPriority[] = {'7', '7', '6', '4', '3', '2', '6'};
    const auto level = static_cast<std::size_t>(msg.level);
    const char text[] = {'<', level < sizeof kPriority ? kPriority[level] : '6', '>'};
    dest.append(text, text + sizeof text);
  }
  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

// "%&" in a pattern: "<logger name>: ", or nothing for the default logger, whose callers
// (libraries using spdlog::info(...)) already start their messages with their module.
class ModulePrefixFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    if (msg.logger_name.size() == 0) return;
    dest.append(msg.logger_name.data(), msg.logger_name.data() + msg.logger_name.size());
    dest.push_back(':');
    dest.push_back(' ');
  }
  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override {
    return std::make_unique<ModulePrefixFlag>();
  }
};

// Serializes spdlog's registry lookups with our registrations (get, then register).
base::Mutex& RegistryMutex() {
  static base::Mutex mutex;
  return mutex;
}

// One sink shared by every module logger, so lines from threads never interleave mid-line.
std::shared_ptr<spdlog::sinks::stderr_sink_mt> Sink() {
  static const auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return sink;
}

std::unique_ptr<spdlog::formatter> MakeFormatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<ModulePrefixFlag>('&');
  if (UnderSystemd()) {
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%&%v");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e %-7l %&%v");
  }
  return formatter;
}

}  // namespace

bool UnderSystemd() {
  const char* journal = std::getenv("JOURNAL_STREAM");
  const char* invocation = std::getenv("INVOCATION_ID");
  return (journal != nullptr && *journal != '\0') || (invocation != nullptr && *invocation != '\0');
}

std::shared_ptr<spdlog::logger> ModuleLogger(std::string_view module) {
  base::MutexLock lock(RegistryMutex());
  const std::string name(module);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, Sink());
  logger->set_level(spdlog::get_level());
  spdlog::register_logger(logger);
  return logger;
}

void SetupLogging(const config::LogOptions& options) {
  Sink()->set_formatter(MakeFormatter());
  {
    // Libraries that log through spdlog's default logger share the sink and the format.
    base::MutexLock lock(RegistryMutex());
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("", Sink()));
  }
  for (const auto module : kLogModules) ModuleLogger(module);
  ApplyLogLevel(options);
}

void ApplyLogLevel(const config::LogOptions& options) {
  // spdlog::set_level applies to every registered logger and becomes the level of new ones.
  spdlog::set_level(spdlog::level::from_str(options.level));
}

}  // namespace queuemon::daemon
