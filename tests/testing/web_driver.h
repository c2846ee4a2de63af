#pragma once
// WebDriver: a real headless Chromium driven through Debian's chromedriver and its W3C
// WebDriver HTTP API (JSON over HTTP on a free loopback port), for the status page's browser
// test. One browser session per object; the destructor ends the session and stops chromedriver.
//
// Start() returns null with the reason when chromedriver or Chromium cannot start (the test
// then skips with that reason, never silently). Not thread-safe; use from the test thread.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/testing/subprocess_runner.h"

namespace queuemon::testing {

class WebDriver final {
 public:
  static constexpr const char* kChromedriver = "/usr/bin/chromedriver";
  static constexpr const char* kChromium = "/usr/bin/chromium";

  // A session of a headless browser of `width` x `height` CSS pixels; logs go to `log_path`.
  static std::unique_ptr<WebDriver> Start(const std::string& log_path, std::string& why,
                                          int width = 1280, int height = 1000);
  ~WebDriver();
  WebDriver(const WebDriver&) = delete;
  WebDriver& operator=(const WebDriver&) = delete;

  bool Navigate(const std::string& url);
  // Runs `script` (a function body: `return ...;`) in the page; its return value, or nullopt
  // if the script threw or the driver failed.
  std::optional<nlohmann::json> Execute(const std::string& script);
  // Writes a PNG of the viewport.
  bool Screenshot(const std::string& path);
  // The browser console entries since the last call ({"level", "message", "source"} each).
  nlohmann::json ConsoleLog();

 private:
  WebDriver() = default;
  // One WebDriver command; the "value" of its answer, or nullopt (with the error in last_error_).
  std::optional<nlohmann::json> Command(const std::string& method, const std::string& path,
                                        const nlohmann::json& body = nullptr);

  ChildProcess driver_;
  std::uint16_t port_ = 0;
  std::string session_;
  std::string last_error_;
};

}  // namespace queuemon::testing
