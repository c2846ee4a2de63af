#include "daemon/state_keeper.h"

#include <cstdlib>
#include <utility>

#include <spdlog/spdlog.h>

#include "api/state_file.h"
#include "base/clock.h"
#include "daemon/logging.h"

namespace queuemon::daemon {
namespace {

std::string StateDirectory(const config::StateOptions& state) {
  if (!state.dir.empty()) return state.dir;
  const char* from_systemd = std::getenv("STATE_DIRECTORY");
  if (from_systemd == nullptr || *from_systemd == '\0') return {};
  const std::string dirs(from_systemd);
  return dirs.substr(0, dirs.find(':'));
}

}  // namespace

std::unique_ptr<StateKeeper> StateKeeper::FromConfig(const config::StateOptions& options,
                                                     std::vector<api::ViewService*> services) {
  const std::string dir = StateDirectory(options);
  if (dir.empty()) return nullptr;
  return std::make_unique<StateKeeper>(api::StateFilePath(dir), options.snapshot_interval,
                                       std::move(services));
}

StateKeeper::StateKeeper(std::string path, std::chrono::milliseconds interval,
                         std::vector<api::ViewService*> services)
    : path_(std::move(path)), services_(std::move(services)) {
  periodic_ = std::make_unique<PeriodicTask>(writer_.get_executor(), interval,
                                             [this] { SaveNow(); });
}

StateKeeper::~StateKeeper() {
  periodic_->Stop();
  periodic_.reset();
  writer_.join();
}

void StateKeeper::Restore() {
  const auto log = ModuleLogger("daemon");
  const api::StateFileRead read = api::RestoreStateFile(path_, services_);
  if (read.missing) {
    log->info("state file {}: none yet (first start)", path_);
  } else if (!read.error.empty()) {
    log->warn("state file {}: ignored: {}", path_, read.error);
  } else {
    log->info("state file {}: restored {} of {} entries (written {:.1f} s ago), served as STALE "
              "until collected again", path_, read.restored, read.records,
              base::UnixNow() - read.written_unix);
  }
}

void StateKeeper::Start() { periodic_->Start(/*tick_now=*/false); }
void StateKeeper::Stop() { periodic_->Stop(); }

void StateKeeper::SaveNow() {
  base::MutexLock lock(mu_);
  const api::StateFileWrite written = api::SaveStateFile(path_, services_);
  const auto log = ModuleLogger("daemon");
  if (!written.error.empty()) {
    log->warn("state file not written: {}", written.error);
    return;
  }
  log->debug("state file {}: {} entries, {} bytes", path_, written.records, written.bytes);
}

}  // namespace queuemon::daemon
