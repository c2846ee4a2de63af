// queuemond: argv -> config -> Daemon -> Run -> exit code. Everything else lives in daemon/.
#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "config/cli.h"
#include "daemon/daemon.h"
#include "daemon/logging.h"

int main(int argc, char** argv) {
  using namespace queuemon::daemon;
  using namespace queuemon::config;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  StartupDecision startup = DecideStartup(args, std::cout, std::cerr);
  if (startup.exit_code) return *startup.exit_code;

  SetupLogging(startup.config.log);
  const auto log = ModuleLogger("daemon");
  try {
    Daemon daemon(startup.config, [cli = startup.command_line] { return BuildConfig(cli); });
    const int code = daemon.Run();
    spdlog::shutdown();
    return code;
  } catch (const ConfigError& e) {  // e.g. an unreadable http.auth_token_file
    log->critical("start-up failed: {}", e.what());
    spdlog::shutdown();
    return kExitUsage;
  } catch (const std::exception& e) {
    log->critical("start-up failed: {}", e.what());
    spdlog::shutdown();
    return kExitFailure;
  }
}
