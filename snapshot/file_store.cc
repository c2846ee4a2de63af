#include "snapshot/file_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace queuemon::snapshot {
namespace {

// strerror's text through std::generic_category, which libstdc++ builds on strerror_r: unlike
// strerror it is thread-safe.
std::string StepFailed(std::string_view step, const std::string& target, int err) {
  return std::string(step) + " " + target + ": " + std::generic_category().message(err);
}

int OpenRetrying(const std::string& path, int flags, mode_t mode = 0) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// 0, or the errno. Retries on EINTR and continues after partial writes.
int WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return errno;
    if (written == 0) return EIO;  // a regular file never does this; do not spin if one does
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

// 0, or the errno.
int FsyncRetrying(int fd) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// 0, or the errno. Reads into `out` directly, sized from fstat, growing if the file does.
int ReadAll(int fd, std::string* out) {
  struct stat info {};
  const bool sized = ::fstat(fd, &info) == 0 && info.st_size > 0;
  // One byte over the size: end-of-file is then seen without growing the string.
  out->resize(std::max<std::size_t>(sized ? static_cast<std::size_t>(info.st_size) + 1 : 0, 4096));
  std::size_t used = 0;
  for (;;) {
    if (used == out->size()) out->resize(out->size() * 2);
    const ssize_t got = ::read(fd, out->data() + used, out->size() - used);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errno;
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  out->resize(used);
  return 0;
}

std::string DirectoryOf(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Creates (mode 0600), writes, fsyncs and closes the temporary: "" or the failing step.
std::string WriteTemporary(const std::string& temporary, std::string_view bytes) {
  const int fd =
      OpenRetrying(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    const int err = errno;
    return StepFailed("create temporary", temporary, err);
  }
  int err = 0;
  std::string_view step;
  // fchmod: a temporary left by a crashed process of the same pid would keep its old mode.
  if (::fchmod(fd, 0600) != 0) {
    err = errno;
    step = "chmod 0600";
  } else if ((err = WriteAll(fd, bytes)) != 0) {
    step = "write";
  } else if ((err = FsyncRetrying(fd)) != 0) {
    step = "fsync";
  }
  // Not retried: Linux releases the descriptor even when close fails with EINTR, and after a
  // good fsync an EINTR loses nothing.
  if (::close(fd) != 0 && errno != EINTR && step.empty()) {
    err = errno;
    step = "close";
  }
  return step.empty() ? "" : StepFailed(step, temporary, err);
}

// "" or the failing step.
std::string SyncDirectory(const std::string& directory) {
  const int fd = OpenRetrying(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return StepFailed("open directory", directory, err);
  }
  const int err = FsyncRetrying(fd);
  ::close(fd);
  return err == 0 ? "" : StepFailed("fsync directory", directory, err);
}

}  // namespace

std::string WriteFileAtomically(const std::string& path, std::string_view bytes) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  std::string failure = WriteTemporary(temporary, bytes);
  if (failure.empty() && ::rename(temporary.c_str(), path.c_str()) != 0) {
    const int err = errno;
    failure = StepFailed("rename " + temporary + " to", path, err);
  }
  if (!failure.empty()) {
    ::unlink(temporary.c_str());  // ENOENT when its creation was what failed: nothing to do
    return "cannot write " + path + ": " + failure;
  }
  failure = SyncDirectory(DirectoryOf(path));
  if (!failure.empty()) return path + " replaced, but " + failure + " (may not survive a crash)";
  return "";
}

std::optional<std::string> ReadWholeFile(const std::string& path, std::string* error,
                                         bool* missing) {
  if (missing != nullptr) *missing = false;
  const int fd = OpenRetrying(path, O_RDONLY | O_CLOEXEC);
  int err = fd < 0 ? errno : 0;
  std::string content;
  if (fd >= 0) {
    err = ReadAll(fd, &content);
    ::close(fd);
  }
  if (err == 0) return content;
  if (missing != nullptr) *missing = fd < 0 && err == ENOENT;
  if (error != nullptr) *error = StepFailed(fd < 0 ? "open" : "read", path, err);
  return std::nullopt;
}

}  // namespace queuemon::snapshot
