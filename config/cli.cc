#include "config/cli.h"

#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "config/checks.h"
#include "amqp/url.h"
#include "sources/celery/amqp/options.h"
#include "sources/celery/redis/options.h"

namespace queuemon::config {
namespace {

constexpr std::string_view kCredentialName = "auth-token";

// Splits "--flag=value" into its parts; "--flag" has no inline value.
std::pair<std::string_view, std::optional<std::string_view>> SplitFlag(std::string_view arg) {
  const auto eq = arg.find('=');
  if (eq == std::string_view::npos) return {arg, std::nullopt};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

void RequireNoValue(std::string_view flag, const std::optional<std::string_view>& inline_value) {
  if (inline_value) throw UsageError("option '" + std::string(flag) + "' takes no value");
}

}  // namespace

CommandLine ParseCommandLine(std::span<const std::string_view> args) {
  CommandLine result;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto [flag, inline_value] = SplitFlag(args[i]);
    // The value of a flag that needs one: inline, or the next argument.
    auto value = [&, flag = flag, inline_value = inline_value]() -> std::string {
      if (inline_value) return std::string(*inline_value);
      if (i + 1 >= args.size()) throw UsageError("option '" + std::string(flag) + "' needs a value");
      return std::string(args[++i]);
    };
    if (flag == "--config") {
      result.config_path = value();
      if (result.config_path.empty()) throw UsageError("option '--config' needs a path");
    } else if (flag == "--listen") {
      result.listen = value();
    } else if (flag == "--broker") {
      result.broker = value();
    } else if (flag == "--check-config") {
      RequireNoValue(flag, inline_value);
      result.check_config = true;
    } else if (flag == "--version") {
      RequireNoValue(flag, inline_value);
      result.show_version = true;
    } else if (flag == "--help" || flag == "-h") {
      RequireNoValue(flag, inline_value);
      result.show_help = true;
    } else if (flag.starts_with("-")) {
      throw UsageError("unknown option '" + std::string(flag) + "' (see --help)");
    } else {
      throw UsageError("unexpected argument '" + std::string(args[i]) + "' (see --help)");
    }
  }
  return result;
}

namespace {

// sources[0] as a Celery source of transport T on `url`, keeping its transport-neutral options
// (and all of them when it already is one of T).
template <class T>
void MoveToBroker(const std::string& url, const sources::celery::CeleryAppOptions& app,
                  Config& config) {
  auto options = std::make_unique<T>();
  static_cast<sources::celery::CeleryAppOptions&>(*options) = app;
  if (const auto* same = config.sources.front().As<T>()) *options = *same;
  options->broker.url = url;
  config.sources.front() = SourceConfig(std::move(options));
}

// --broker: the broker of sources[0], a celery source; its scheme picks the transport, so an
// amqp:// URL turns a Redis one into a RabbitMQ one.
void SetBroker(const std::string& url, Config& config) {
  const auto* app = config.sources.front().As<sources::celery::CeleryAppOptions>();
  if (app == nullptr) {
    throw ConfigError("--broker: sets the broker of a celery source; sources[0] is of kind '" +
                      std::string(config.sources.front().kind()) + "'");
  }
  if (amqp::IsAmqpUrl(url)) {
    CheckAmqpUrl(url, "--broker");
    MoveToBroker<sources::celery::over_amqp::CeleryAmqpOptions>(url, *app, config);
  } else {
    CheckRedisUrl(url, "--broker");
    MoveToBroker<sources::celery::over_redis::CeleryOptions>(url, *app, config);
  }
}

}  // namespace

Config BuildConfig(const CommandLine& command_line) {
  Config config =
      command_line.config_path.empty() ? DefaultConfig() : LoadConfig(command_line.config_path);
  if (command_line.listen) {
    CheckListenAddress(*command_line.listen, "--listen");
    config.http.listen = *command_line.listen;
  }
  if (command_line.broker) SetBroker(*command_line.broker, config);
  if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
      config.api.auth_token_file.empty() && dir != nullptr && *dir != '\0') {
    const std::filesystem::path token = std::filesystem::path(dir) / kCredentialName;
    std::error_code ec;
    if (std::filesystem::is_regular_file(token, ec)) config.api.auth_token_file = token.string();
  }
  return config;
}

std::string HelpText() {
  return "Usage: queuemond [--config PATH] [--listen ADDR] [--broker URL] [--check-config]\n"
         "\n"
         "Serves the status of Celery-on-Redis workers and queues over HTTP from a TTL cache.\n"
         "\n"
         "Options:\n"
         "  --config PATH   JSON config file (// comments allowed); default: built-in defaults\n"
         "  --listen ADDR   HTTP listen address, IP:PORT or [IPv6]:PORT (overrides \"listen\")\n"
         "  --broker URL    broker of the first source, redis://[[user]:password@]host[:port][/db]\n"
         "                  or unix:///path (overrides sources[0].broker)\n"
         "  --check-config  validate the configuration, print OK or the error, and exit\n"
         "  --version       print the version and exit\n"
         "  --help          print this help and exit\n"
         "\n"
         "Exit status: 0 success, 1 start-up failure, 2 bad option or configuration.\n"
         "Signals: SIGTERM/SIGINT stop gracefully, SIGHUP reloads the config file.\n";
}

std::string VersionText() { return std::string("queuemond ") + QUEUEMON_VERSION + "\n"; }

StartupDecision DecideStartup(std::span<const std::string_view> args, std::ostream& out,
                              std::ostream& err) {
  StartupDecision decision;
  try {
    decision.command_line = ParseCommandLine(args);
  } catch (const UsageError& e) {
    err << "queuemond: " << e.what() << "\n";
    decision.exit_code = kExitUsage;
    return decision;
  }
  const CommandLine& cli = decision.command_line;
  if (cli.show_help || cli.show_version) {
    out << (cli.show_help ? HelpText() : VersionText());
    decision.exit_code = kExitOk;
    return decision;
  }
  try {
    decision.config = BuildConfig(cli);
  } catch (const ConfigError& e) {
    err << "queuemond: " << e.what() << "\n";
    decision.exit_code = kExitUsage;
    return decision;
  }
  if (cli.check_config) {
    out << "OK\n";
    decision.exit_code = kExitOk;
  }
  return decision;
}

}  // namespace queuemon::config
