#pragma once
// The snapshot codec, version 1: cached entries as plain records, one at a time (to Redis, for
// replicas) or many in a file (the state file, for warm restarts). Knows no cache, HTTP or job
// queue. Pure functions; thread-safe.
//
// One record: a one-line JSON header, '\n', then the body verbatim (never escaped: bodies may be
// several MB):
//   {"v":1,"source":S,"category":S,"key":S,"etag":S,"status":N,"collected_at":D,"fence":N,
//    "nonce":S,"body_bytes":N}\n<body_bytes bytes>
// A file: a one-line JSON header, '\n', then `bytes` bytes holding `records` frames, each the
// decimal length of one encoded record, '\n', the encoded record; `crc32` (zlib) covers them:
//   {"format":"queuemon-snapshot","version":1,"written_at":D,"records":K,"bytes":M,"crc32":C}\n

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace queuemon::snapshot {

// One cached entry as it leaves the process: to Redis (replicas) or to the state file (warm
// restarts). The header strings are JSON strings: invalid UTF-8 in them is encoded as U+FFFD.
struct Record {
  std::string source;          // the source's configured name
  std::string category;        // the category cache's name ("worker_status")
  std::string key;             // the cache key ("workers", "task:<id>")
  std::string etag;            // exactly as served: "\"9f2c...\"" or W/"9f2c..."
  std::uint16_t status = 200;  // HTTP status of responses served from it
  double collected_unix = 0;   // wall-clock Unix seconds of the collection
  std::uint64_t fence = 0;     // the lease token of the replica that wrote it (0: none)
  std::string nonce;           // the request it answers (replicas); empty otherwise
  std::string body;            // the response body (JSON text, possibly MBs), stored verbatim
};

// REQUIRES: status in 100..599 and collected_unix finite and >= 0, or the bytes will not decode.
std::string EncodeRecord(const Record& record);
// nullopt + *error set (a short text naming what is wrong) for anything that is not a record
// this version wrote: never throws (but std::bad_alloc), never reads out of bounds, whatever
// the bytes. `error` may be null.
std::optional<Record> DecodeRecord(std::string_view bytes, std::string* error);

// The state file: every record worth keeping across a restart.
struct SnapshotFile {
  double written_unix = 0;  // wall-clock Unix seconds of the write
  std::vector<Record> records;
};

// REQUIRES: written_unix finite and >= 0; each record as for EncodeRecord.
std::string EncodeSnapshotFile(const SnapshotFile& file);
// As DecodeRecord. The messages: "not a queuemon snapshot ...", "snapshot version N, this build
// reads 1", "corrupt: ..." (sizes or checksum), "record I: ..." (I from 0).
std::optional<SnapshotFile> DecodeSnapshotFile(std::string_view bytes, std::string* error);

}  // namespace queuemon::snapshot
