#pragma once
// gzip (RFC 1952) with zlib, for response bodies a client accepts compressed: /metrics per
// request, the status page's files at start-up, cache entries once when stored. In base/ so that
// cache/ (which knows no HTTP server) can compress an entry. Pure functions; thread-safe.

#include <string>
#include <string_view>

namespace queuemon::base {

// `bytes` compressed at `level` (1 fastest .. 9 smallest). The default suits bodies made per
// request (/metrics): on Prometheus text level 1 is about 3x faster than 6 for a 14 % larger
// output (bench/event_bench.cc BM_GzipMetrics). Throws std::runtime_error only if zlib cannot
// allocate its state.
std::string Gzip(std::string_view bytes, int level = 1);

}  // namespace queuemon::base
