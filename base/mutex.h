#pragma once
// Mutex: std::mutex with thread-safety annotations, plus the RAII guard MutexLock, so clang's
// -Wthread-safety checks GUARDED_BY/REQUIRES on what it protects (libstdc++'s own mutex
// carries no annotations).
//
// Thread-safety: a mutex. Not copyable or movable; the guard must not outlive it.

#include <mutex>

#include "base/thread_annotations.h"

namespace queuemon::base {

class CAPABILITY("mutex") Mutex final {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

class SCOPED_CAPABILITY MutexLock final {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace queuemon::base
