#pragma once
// The state file: the entries of every source's caches (their views, not the task table),
// written atomically to the state directory on SIGTERM and every snapshot interval, and read
// at start-up so that a restarted daemon answers at once with the last known data, as STALE
// with its true Age, until its first collection (cache::Entry::restored). Format and
// atomicity: snapshot/record.h, snapshot/file_store.h.
//
// Thread-safety: any thread; the file is written by one caller at a time (the daemon's).

#include <cstddef>
#include <string>
#include <vector>

namespace queuemon::api {

class ViewService;

// The file's path in a state directory.
std::string StateFilePath(const std::string& state_dir);

struct StateFileWrite {
  std::size_t records = 0;
  std::size_t bytes = 0;
  std::string error;  // empty on success
};
StateFileWrite SaveStateFile(const std::string& path, const std::vector<ViewService*>& services);

struct StateFileRead {
  bool missing = false;     // no file: a first start
  std::string error;        // a corrupt or foreign file (ignored); empty otherwise
  std::size_t records = 0;  // in the file
  std::size_t restored = 0; // stored as restored entries (the rest: too old, unknown source)
  double written_unix = 0;
};
StateFileRead RestoreStateFile(const std::string& path, const std::vector<ViewService*>& services);

}  // namespace queuemon::api
