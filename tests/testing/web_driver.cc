#include "tests/testing/web_driver.h"

#include <unistd.h>

#include <fstream>
#include <thread>

#include "tests/testing/free_port.h"
#include "tests/testing/http_client.h"

namespace queuemon::testing {
namespace {

using nlohmann::json;

// PNG bytes from the base64 text WebDriver returns.
std::string DecodeBase64(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0;
  unsigned value = 0;
  for (char c : text) {
    const auto at = kAlphabet.find(c);
    if (at == std::string::npos) continue;  // padding, line breaks
    value = (value << 6) | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((value >> bits) & 0xff));
    }
  }
  return out;
}

json Capabilities(int width, int height) {
  const json args = {"--headless=new",         "--no-sandbox",          "--disable-gpu",
                     "--disable-dev-shm-usage", "--no-first-run",        "--disable-extensions",
                     "--window-size=" + std::to_string(width) + "," + std::to_string(height)};
  return {{"capabilities",
           {{"alwaysMatch",
             {{"browserName", "chrome"},
              {"goog:chromeOptions", {{"binary", WebDriver::kChromium}, {"args", args}}},
              {"goog:loggingPrefs", {{"browser", "ALL"}}}}}}}};
}

}  // namespace

std::unique_ptr<WebDriver> WebDriver::Start(const std::string& log_path, std::string& why,
                                            int width, int height) {
  if (access(kChromedriver, X_OK) != 0 || access(kChromium, X_OK) != 0) {
    why = std::string("no browser: ") + kChromedriver + " or " + kChromium +
          " is missing (Debian packages chromium, chromium-driver)";
    return nullptr;
  }
  std::unique_ptr<WebDriver> driver(new WebDriver());
  driver->port_ = PickFreeLoopbackPort();
  driver->driver_ = ChildProcess::Start(
      ProcessSpec{{kChromedriver, "--port=" + std::to_string(driver->port_), "--allowed-ips=127.0.0.1"},
                  {},
                  "",
                  log_path});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    auto status = driver->Command("GET", "/status");
    if (status && status->value("ready", false)) break;
    if (std::chrono::steady_clock::now() > deadline || !driver->driver_.running()) {
      why = "chromedriver did not become ready (log: " + log_path + ")";
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto session = driver->Command("POST", "/session", Capabilities(width, height));
  if (!session || !session->contains("sessionId")) {
    why = "the browser did not start: " + driver->last_error_ + " (log: " + log_path + ")";
    return nullptr;
  }
  driver->session_ = session->at("sessionId").get<std::string>();
  return driver;
}

WebDriver::~WebDriver() {
  if (!session_.empty()) Command("DELETE", "/session/" + session_);
  driver_.Stop(std::chrono::seconds(5));
}

std::optional<json> WebDriver::Command(const std::string& method, const std::string& path,
                                       const json& body) {
  try {
    HttpClient client(port_, std::chrono::seconds(60));
    std::map<std::string, std::string> headers;
    std::string text;
    if (!body.is_null()) {
      headers["Content-Type"] = "application/json";
      text = body.dump();
    }
    const auto response = client.Request(method, path, headers, text);
    if (!response) {
      last_error_ = "no answer from chromedriver to " + method + " " + path;
      return std::nullopt;
    }
    const json answer = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
    if (response->status != 200 || !answer.is_object() || !answer.contains("value")) {
      last_error_ = "HTTP " + std::to_string(response->status) + ": " + response->body.substr(0, 500);
      return std::nullopt;
    }
    return answer.at("value");
  } catch (const std::exception& e) {
    last_error_ = e.what();
    return std::nullopt;
  }
}

bool WebDriver::Navigate(const std::string& url) {
  return Command("POST", "/session/" + session_ + "/url", {{"url", url}}).has_value();
}

std::optional<json> WebDriver::Execute(const std::string& script) {
  return Command("POST", "/session/" + session_ + "/execute/sync",
                 {{"script", script}, {"args", json::array()}});
}

bool WebDriver::Screenshot(const std::string& path) {
  const auto png = Command("GET", "/session/" + session_ + "/screenshot");
  if (!png || !png->is_string()) return false;
  std::ofstream out(path, std::ios::binary);
  out << DecodeBase64(png->get<std::string>());
  return static_cast<bool>(out);
}

json WebDriver::ConsoleLog() {
  // chromedriver's log endpoint (outside W3C WebDriver; the one selenium's get_log uses).
  const auto entries = Command("POST", "/session/" + session_ + "/se/log", {{"type", "browser"}});
  return entries && entries->is_array() ? *entries : json::array();
}

}  // namespace queuemon::testing
