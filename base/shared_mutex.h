#pragma once
// SharedMutex: a reader-writer lock built from std::shared_mutex, with thread-safety
// annotations, plus the RAII guards ReaderLock (shared) and WriterLock (exclusive).
//
// Why striped: a single std::shared_mutex makes every reader do two atomic read-modify-writes
// on one cache line, so two cores taking shared locks bounce that line and hits get slower per
// thread as threads are added. Here each thread takes the shared lock on its own stripe (one of
// kStripes std::shared_mutex, assigned round-robin per thread), and a writer takes all stripes
// exclusively, in index order (so writers cannot deadlock each other). Reads then scale with
// cores; a write costs kStripes uncontended lock/unlock pairs (~0.2 us for 8), which is fine
// for a cache written once per refresh and read on every request. More threads than stripes
// share stripes, which is correct, merely less scalable.
//
// Thread-safety: a mutex. Not copyable or movable; the guards must not outlive it.

#include <array>
#include <cstddef>
#include <shared_mutex>

#include "base/thread_annotations.h"

namespace queuemon::base {

class CAPABILITY("mutex") SharedMutex final {
 public:
  static constexpr std::size_t kStripes = 8;

  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() ACQUIRE() {
    for (Stripe& s : stripes_) s.mu.lock();
  }
  void Unlock() RELEASE() {
    for (std::size_t i = kStripes; i-- > 0;) stripes_[i].mu.unlock();
  }
  // Returns the stripe to pass to UnlockShared.
  std::size_t LockShared() ACQUIRE_SHARED() {
    const std::size_t stripe = ThreadStripe();
    stripes_[stripe].mu.lock_shared();
    return stripe;
  }
  void UnlockShared(std::size_t stripe) RELEASE_SHARED() { stripes_[stripe].mu.unlock_shared(); }

 private:
  struct alignas(64) Stripe {
    std::shared_mutex mu;
  };
  // The calling thread's stripe, fixed for the thread's lifetime (defined in shared_mutex.cc).
  static std::size_t ThreadStripe();

  std::array<Stripe, kStripes> stripes_;
};

class SCOPED_CAPABILITY ReaderLock final {
 public:
  explicit ReaderLock(SharedMutex& mu) ACQUIRE_SHARED(mu) : mu_(mu), stripe_(mu_.LockShared()) {}
  ~ReaderLock() RELEASE() { mu_.UnlockShared(stripe_); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
  const std::size_t stripe_;
};

class SCOPED_CAPABILITY WriterLock final {
 public:
  explicit WriterLock(SharedMutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WriterLock() RELEASE() { mu_.Unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

}  // namespace queuemon::base
