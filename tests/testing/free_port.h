#pragma once
// PickFreeLoopbackPort: a TCP port on 127.0.0.1 that was free a moment ago (bound to port 0,
// read back, closed). For servers that cannot bind port 0 themselves (redis-server, Celery's
// helpers); callers must retry with a new port if the server then finds it taken.

#include <cstdint>

namespace queuemon::testing {

std::uint16_t PickFreeLoopbackPort();  // throws std::runtime_error if no socket can be bound

}  // namespace queuemon::testing
