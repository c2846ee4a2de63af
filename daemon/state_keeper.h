#pragma once
// StateKeeper: the daemon's state file (api/state_file.h) over time: restored once before the
// server listens, written every snapshot interval on a thread of its own (an fsync can take
// long; the io threads serve), and once more after the drain on SIGTERM. Logs what it did.
//
// Ownership: borrows the view services, which must outlive it. Thread-safety: Restore, Start,
// Stop and SaveNow may be called from any thread; writes never overlap.

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "config/config.h"
#include "daemon/periodic_task.h"

namespace queuemon::api {
class ViewService;
}

namespace queuemon::daemon {

class StateKeeper final {
 public:
  // Null when there is no state directory: the config's `state_dir`, else $STATE_DIRECTORY
  // (systemd's StateDirectory=; the first of several).
  static std::unique_ptr<StateKeeper> FromConfig(const config::StateOptions& options,
                                                 std::vector<api::ViewService*> services);
  StateKeeper(std::string path, std::chrono::milliseconds interval,
              std::vector<api::ViewService*> services);
  ~StateKeeper();

  void Restore();  // before the server starts
  void Start();    // the periodic writes
  void Stop();     // no periodic write starts after this
  void SaveNow();  // after the drain

 private:
  const std::string path_;
  const std::vector<api::ViewService*> services_;
  boost::asio::thread_pool writer_{1};  // before the task, so that the task goes first
  std::unique_ptr<PeriodicTask> periodic_;
  base::Mutex mu_;  // one writer at a time (the tick, the drain)
};

}  // namespace queuemon::daemon
