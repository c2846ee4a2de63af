#include "api/state_file.h"

#include "api/view_service.h"
#include "base/clock.h"
#include "snapshot/file_store.h"
#include "snapshot/record.h"

namespace queuemon::api {

std::string StateFilePath(const std::string& state_dir) {
  return state_dir + "/queuemond.snapshot";
}

StateFileWrite SaveStateFile(const std::string& path, const std::vector<ViewService*>& services) {
  snapshot::SnapshotFile file;
  file.written_unix = base::UnixNow();
  for (const ViewService* service : services) {
    std::vector<snapshot::Record> records = service->Export();
    for (snapshot::Record& record : records) file.records.push_back(std::move(record));
  }
  const std::string bytes = snapshot::EncodeSnapshotFile(file);
  StateFileWrite written;
  written.records = file.records.size();
  written.bytes = bytes.size();
  written.error = snapshot::WriteFileAtomically(path, bytes);
  return written;
}

StateFileRead RestoreStateFile(const std::string& path, const std::vector<ViewService*>& services) {
  StateFileRead read;
  const std::optional<std::string> bytes = snapshot::ReadWholeFile(path, &read.error, &read.missing);
  if (!bytes) {
    if (read.missing) read.error.clear();
    return read;
  }
  std::optional<snapshot::SnapshotFile> file = snapshot::DecodeSnapshotFile(*bytes, &read.error);
  if (!file) return read;
  read.written_unix = file->written_unix;
  read.records = file->records.size();
  for (const snapshot::Record& record : file->records) {
    for (ViewService* service : services) {
      if (service->source() != record.source) continue;
      if (service->Apply(record, /*restored=*/true)) ++read.restored;
    }
  }
  return read;
}

}  // namespace queuemon::api
