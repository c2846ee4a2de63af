#pragma once
// Clang thread-safety annotations (-Wthread-safety). They expand to nothing on other compilers,
// so g++ builds are unaffected while a clang CI job checks the lock discipline at compile time.
// Names follow abseil's thread_annotations.h.

#if defined(__clang__)
#define QUEUEMON_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define QUEUEMON_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) QUEUEMON_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY QUEUEMON_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) QUEUEMON_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) QUEUEMON_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) QUEUEMON_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) QUEUEMON_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) QUEUEMON_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) QUEUEMON_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) QUEUEMON_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) QUEUEMON_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) QUEUEMON_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS QUEUEMON_THREAD_ANNOTATION(no_thread_safety_analysis)
