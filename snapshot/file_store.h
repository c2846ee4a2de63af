#pragma once
// Whole-file reads and crash-safe replacing writes (POSIX), for the snapshot state file. Knows
// nothing of the bytes' format.
//
// Thread-safety: thread-safe for different paths. Two writes of one path at once from one
// process share its temporary name and must be serialized by the caller.

#include <optional>
#include <string>
#include <string_view>

namespace queuemon::snapshot {

// Writes `bytes` to `path` atomically: a temporary file next to it (same directory, name
// `<path>.tmp.<pid>`, mode 0600: it can hold task arguments), write all, fsync, rename over
// `path`, fsync the directory. On failure the old file stays as it was and the temporary is
// removed. Returns an empty string on success, else a message naming the path and the failing
// step with strerror. A failing directory fsync comes after the rename: the new file is then in
// place but may not survive a crash, and the message says so.
std::string WriteFileAtomically(const std::string& path, std::string_view bytes);

// Reads the whole file. nullopt + *error on failure; a missing file (ENOENT) also sets
// *missing = true (not an error worth a warning), any other failure *missing = false.
// `error` and `missing` may be null.
std::optional<std::string> ReadWholeFile(const std::string& path, std::string* error,
                                         bool* missing);

}  // namespace queuemon::snapshot
