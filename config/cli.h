#pragma once
// The command line of queuemond: parsing argv, and turning it into either an exit code
// (--help, --version, --check-config, bad flags or config) or a Config to run with.
//
//   --config PATH   JSON config file (// comments allowed); default: built-in defaults
//   --listen ADDR   overrides "listen"
//   --broker URL    overrides the first source's "broker"
//   --check-config  validate, print OK or the error, exit 0 / 2
//   --version, --help
// Values may also be given as --flag=value. Exit code 2 for every usage or config error.
//
// Stateless functions; thread-safe (they read the environment: $CREDENTIALS_DIRECTORY).

#include <iosfwd>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/config.h"

namespace queuemon::config {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // start-up failed after the config was accepted
inline constexpr int kExitUsage = 2;    // bad flags or config

struct CommandLine {
  std::string config_path;            // empty: DefaultConfig()
  std::optional<std::string> listen;  // --listen
  std::optional<std::string> broker;  // --broker
  bool check_config = false;
  bool show_version = false;
  bool show_help = false;
};

class UsageError final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `args` excludes argv[0]. Throws UsageError for an unknown flag, a missing value or an operand.
CommandLine ParseCommandLine(std::span<const std::string_view> args);

// The config the command line asks for: the file (or defaults), then the flag overrides, then
// systemd's credential $CREDENTIALS_DIRECTORY/auth-token as http.auth_token_file if the file
// named none. Throws ConfigError naming the key or flag. Reload calls it again, so flags keep
// winning over the file.
Config BuildConfig(const CommandLine& command_line);

std::string HelpText();
std::string VersionText();

// What main does next: exit with `exit_code` (already reported on out/err), or run `config`.
struct StartupDecision {
  std::optional<int> exit_code;
  CommandLine command_line;
  Config config;
};
StartupDecision DecideStartup(std::span<const std::string_view> args, std::ostream& out,
                              std::ostream& err);

}  // namespace queuemon::config
