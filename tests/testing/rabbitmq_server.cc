#include "tests/testing/rabbitmq_server.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/testing/free_port.h"
#include "tests/testing/http_client.h"

namespace queuemon::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kServer = "/usr/lib/rabbitmq/bin/rabbitmq-server";
constexpr const char* kEpmd = "/usr/bin/epmd";
constexpr auto kStartDeadline = std::chrono::seconds(60);
constexpr const char* kGuestAuth = "Basic Z3Vlc3Q6Z3Vlc3Q=";  // guest:guest

}  // namespace

RabbitMqServer::RabbitMqServer() {
  std::string pattern = (std::filesystem::temp_directory_path() / "queuemon-rabbitmq-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("RabbitMqServer: mkdtemp");
  dir_ = pattern;
  amqp_port_ = PickFreeLoopbackPort();
  management_port_ = PickFreeLoopbackPort();
  dist_port_ = PickFreeLoopbackPort();
  epmd_port_ = PickFreeLoopbackPort();
  std::ofstream(dir_ + "/rabbitmq.conf")
      << "listeners.tcp.1 = 127.0.0.1:" << amqp_port_ << "\n"
      << "management.tcp.ip = 127.0.0.1\n"
      << "management.tcp.port = " << management_port_ << "\n"
      // Queue figures every second instead of five, so tests wait less for them.
      << "collect_statistics_interval = 1000\n";
  std::ofstream(dir_ + "/enabled_plugins") << "[rabbitmq_management].\n";
  ProcessSpec epmd;
  epmd.argv = {kEpmd, "-port", std::to_string(epmd_port_), "-address", "127.0.0.1"};
  epmd.log_path = dir_ + "/epmd.log";
  epmd_ = ChildProcess::Start(epmd);
  Start();
}

RabbitMqServer::~RabbitMqServer() {
  if (running()) Resume();
  Stop();
  epmd_.Stop(std::chrono::seconds(2));
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::vector<std::string> RabbitMqServer::Env() const {
  return {"HOME=" + dir_,
          "RABBITMQ_NODENAME=queuemon-test-" + std::to_string(amqp_port_) + "@localhost",
          "RABBITMQ_CONFIG_FILE=" + dir_ + "/rabbitmq.conf",
          "RABBITMQ_ENABLED_PLUGINS_FILE=" + dir_ + "/enabled_plugins",
          "RABBITMQ_MNESIA_BASE=" + dir_ + "/mnesia",
          "RABBITMQ_LOG_BASE=" + dir_ + "/log",
          "RABBITMQ_PID_FILE=" + dir_ + "/rabbitmq.pid",
          "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
          "ERL_EPMD_PORT=" + std::to_string(epmd_port_),
          "ERL_EPMD_ADDRESS=127.0.0.1",
          "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"};
}

void RabbitMqServer::Start() {
  if (running()) return;
  ProcessSpec spec;
  spec.argv = {kServer};
  spec.extra_env = Env();
  spec.log_path = dir_ + "/server.log";
  node_ = ChildProcess::Start(spec);
  WaitUntilReady(kStartDeadline);
}

void RabbitMqServer::Stop() {
  if (!running()) return;
  node_.Stop(std::chrono::seconds(20));
  node_ = ChildProcess();
}

void RabbitMqServer::Pause() { node_.Signal(SIGSTOP); }
void RabbitMqServer::Resume() { node_.Signal(SIGCONT); }

void RabbitMqServer::WaitUntilReady(std::chrono::milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    if (!node_.running()) break;
    if (!Management("/overview").is_null()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("RabbitMqServer: not ready:\n" + log());
}

std::string RabbitMqServer::amqp_url() const {
  return "amqp://guest:guest@127.0.0.1:" + std::to_string(amqp_port_) + "//";
}

std::string RabbitMqServer::management_url() const {
  return "http://guest:guest@127.0.0.1:" + std::to_string(management_port_) + "/api";
}

nlohmann::json RabbitMqServer::Management(const std::string& path) const {
  try {
    HttpClient client(management_port_, std::chrono::seconds(5));
    auto response = client.Request("GET", "/api" + path, {{"Authorization", kGuestAuth}});
    if (!response || response->status != 200) return nullptr;
    return nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::vector<std::string> RabbitMqServer::QueueNames() const {
  std::vector<std::string> names;
  const nlohmann::json queues = Management("/queues/%2F?columns=name");
  if (!queues.is_array()) throw std::runtime_error("RabbitMqServer: cannot list queues");
  for (const auto& q : queues) names.push_back(q.value("name", ""));
  return names;
}

std::string RabbitMqServer::log() const {
  std::ifstream in(dir_ + "/server.log");
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace queuemon::testing
