#include "snapshot/record.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

namespace queuemon::snapshot {
namespace {

// Decoding parses with exceptions off and checks every type before a get, so that no input
// throws; encoding keeps the documented field order (ordered_json) for readers of the files.
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::uint64_t kVersion = 1;
constexpr std::string_view kFormat = "queuemon-snapshot";
constexpr std::array<std::string_view, 10> kRecordFields = {
    "v",      "source",       "category", "key",   "etag",
    "status", "collected_at", "fence",    "nonce", "body_bytes"};
constexpr std::array<std::string_view, 6> kFileFields = {"format",  "version", "written_at",
                                                         "records", "bytes",   "crc32"};
// The longest decimal std::uint64_t.
constexpr std::size_t kMaxLengthDigits = 20;

bool Fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return false;
}

std::string Dump(const OrderedJson& header) {
  // Replace, not throw, on invalid UTF-8 in a name: encoding has no error path.
  return header.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::uint32_t Crc32(std::string_view bytes) {
  const uLong initial = crc32_z(0L, Z_NULL, 0);
  return static_cast<std::uint32_t>(
      crc32_z(initial, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

// Splits `bytes` at its first '\n' into the header line and what follows it.
bool SplitHeaderLine(std::string_view bytes, std::string_view* line, std::string_view* rest) {
  const std::size_t newline = bytes.find('\n');
  if (newline == std::string_view::npos) return false;
  *line = bytes.substr(0, newline);
  *rest = bytes.substr(newline + 1);
  return true;
}

// The header line as a JSON object, or nullopt.
std::optional<Json> ParseHeader(std::string_view line) {
  Json header = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) return std::nullopt;
  return header;
}

std::string Missing(std::string_view name, std::string_view what) {
  return "header field \"" + std::string(name) + "\" is missing or not " + std::string(what);
}

bool ReadString(const Json& header, std::string_view name, std::string* out, std::string* error) {
  const auto it = header.find(name);
  if (it == header.end() || !it->is_string()) return Fail(error, Missing(name, "a string"));
  *out = it->get_ref<const std::string&>();
  return true;
}

bool ReadUnsigned(const Json& header, std::string_view name, std::uint64_t* out,
                  std::string* error) {
  const auto it = header.find(name);
  if (it == header.end() || !it->is_number_unsigned()) {
    return Fail(error, Missing(name, "an unsigned integer"));
  }
  *out = it->get<std::uint64_t>();
  return true;
}

// Unix seconds: a finite number >= 0 (an integer is accepted too).
bool ReadTime(const Json& header, std::string_view name, double* out, std::string* error) {
  const auto it = header.find(name);
  if (it == header.end() || !it->is_number()) return Fail(error, Missing(name, "a number"));
  *out = it->get<double>();
  if (!std::isfinite(*out) || *out < 0) {
    return Fail(error, "header field \"" + std::string(name) + "\" is not finite and >= 0");
  }
  return true;
}

template <std::size_t N>
bool CheckKnownFields(const Json& header, const std::array<std::string_view, N>& known,
                      std::string* error) {
  for (const auto& [name, value] : header.items()) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Fail(error, "unknown header field \"" + name + "\"");
    }
  }
  return true;
}

// The version first, so that a later version's record says so instead of "unknown field".
bool ReadRecordHeader(const Json& header, std::size_t body_size, Record* record,
                      std::string* error) {
  std::uint64_t version = 0, status = 0, body_bytes = 0;
  if (!ReadUnsigned(header, "v", &version, error)) return false;
  if (version != kVersion) {
    return Fail(error, "record version " + std::to_string(version) + ", this build reads 1");
  }
  if (!CheckKnownFields(header, kRecordFields, error) ||
      !ReadString(header, "source", &record->source, error) ||
      !ReadString(header, "category", &record->category, error) ||
      !ReadString(header, "key", &record->key, error) ||
      !ReadString(header, "etag", &record->etag, error) ||
      !ReadUnsigned(header, "status", &status, error) ||
      !ReadTime(header, "collected_at", &record->collected_unix, error) ||
      !ReadUnsigned(header, "fence", &record->fence, error) ||
      !ReadString(header, "nonce", &record->nonce, error) ||
      !ReadUnsigned(header, "body_bytes", &body_bytes, error)) {
    return false;
  }
  if (status < 100 || status > 599) {
    return Fail(error, "status " + std::to_string(status) + " is not in 100..599");
  }
  if (body_bytes != body_size) {
    return Fail(error, "body_bytes is " + std::to_string(body_bytes) + " but " +
                           std::to_string(body_size) + " bytes follow the header");
  }
  record->status = static_cast<std::uint16_t>(status);
  return true;
}

struct FileHeader {
  double written_unix = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t crc32 = 0;
};

// The format and the version first: a foreign or newer file is named as such.
bool ReadFileHeader(const Json& header, FileHeader* out, std::string* error) {
  const auto format = header.find("format");
  if (format == header.end() || !format->is_string() ||
      format->get_ref<const std::string&>() != kFormat) {
    return Fail(error, "not a queuemon snapshot (no \"format\":\"queuemon-snapshot\")");
  }
  std::uint64_t version = 0;
  std::string field_error;
  if (!ReadUnsigned(header, "version", &version, &field_error)) {
    return Fail(error, "corrupt: " + field_error);
  }
  if (version != kVersion) {
    return Fail(error, "snapshot version " + std::to_string(version) + ", this build reads 1");
  }
  if (!CheckKnownFields(header, kFileFields, &field_error) ||
      !ReadTime(header, "written_at", &out->written_unix, &field_error) ||
      !ReadUnsigned(header, "records", &out->records, &field_error) ||
      !ReadUnsigned(header, "bytes", &out->bytes, &field_error) ||
      !ReadUnsigned(header, "crc32", &out->crc32, &field_error)) {
    return Fail(error, "corrupt: " + field_error);
  }
  return true;
}

// A snapshot file's header line as JSON, and the payload after it.
std::optional<Json> ParseFileHeaderLine(std::string_view bytes, std::string_view* payload,
                                        std::string* error) {
  if (bytes.empty()) {
    Fail(error, "not a queuemon snapshot (the file is empty)");
    return std::nullopt;
  }
  std::string_view line;
  std::optional<Json> header;
  if (SplitHeaderLine(bytes, &line, payload)) header = ParseHeader(line);
  if (!header) Fail(error, "not a queuemon snapshot (the first line is not a JSON object)");
  return header;
}

void AppendFrame(std::string_view encoded, std::string* out) {
  out->append(std::to_string(encoded.size()));
  out->push_back('\n');
  out->append(encoded);
}

// Takes the next frame off `rest`; nullptr, or what is wrong with it.
const char* NextFrame(std::string_view* rest, std::string_view* frame) {
  if (rest->empty()) return "missing (the payload ends before it)";
  const std::size_t newline = rest->find('\n');
  if (newline == std::string_view::npos || newline == 0 || newline > kMaxLengthDigits) {
    return "no frame length";
  }
  std::uint64_t length = 0;
  const char* end = rest->data() + newline;
  const auto [parsed_end, ec] = std::from_chars(rest->data(), end, length);
  if (ec != std::errc() || parsed_end != end) return "the frame length is not a decimal";
  rest->remove_prefix(newline + 1);
  if (length > rest->size()) return "the frame runs past the payload";
  *frame = rest->substr(0, length);
  rest->remove_prefix(length);
  return nullptr;
}

bool DecodeFrames(std::string_view payload, std::uint64_t count, std::vector<Record>* records,
                  std::string* error) {
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view frame;
    if (const char* frame_error = NextFrame(&payload, &frame)) {
      return Fail(error, "corrupt: record " + std::to_string(i) + ": " + frame_error);
    }
    std::string record_error;
    std::optional<Record> record = DecodeRecord(frame, &record_error);
    if (!record) return Fail(error, "record " + std::to_string(i) + ": " + record_error);
    records->push_back(std::move(*record));
  }
  if (!payload.empty()) {
    return Fail(error, "corrupt: " + std::to_string(payload.size()) + " bytes after the last of " +
                           std::to_string(count) + " records");
  }
  return true;
}

}  // namespace

std::string EncodeRecord(const Record& record) {
  const OrderedJson header = {{"v", kVersion},
                              {"source", record.source},
                              {"category", record.category},
                              {"key", record.key},
                              {"etag", record.etag},
                              {"status", record.status},
                              {"collected_at", record.collected_unix},
                              {"fence", record.fence},
                              {"nonce", record.nonce},
                              {"body_bytes", record.body.size()}};
  const std::string line = Dump(header);  // JSON escapes '\n': the line ends at the first one
  std::string out;
  out.reserve(line.size() + 1 + record.body.size());
  out.append(line).push_back('\n');
  out.append(record.body);
  return out;
}

std::optional<Record> DecodeRecord(std::string_view bytes, std::string* error) {
  std::string_view line, body;
  if (!SplitHeaderLine(bytes, &line, &body)) {
    Fail(error, "not a record: no header line");
    return std::nullopt;
  }
  const std::optional<Json> header = ParseHeader(line);
  if (!header) {
    Fail(error, "not a record: the header line is not a JSON object");
    return std::nullopt;
  }
  Record record;
  if (!ReadRecordHeader(*header, body.size(), &record, error)) return std::nullopt;
  record.body.assign(body);
  return record;
}

std::string EncodeSnapshotFile(const SnapshotFile& file) {
  std::string payload;
  for (const Record& record : file.records) AppendFrame(EncodeRecord(record), &payload);
  const OrderedJson header = {{"format", kFormat},
                              {"version", kVersion},
                              {"written_at", file.written_unix},
                              {"records", file.records.size()},
                              {"bytes", payload.size()},
                              {"crc32", Crc32(payload)}};
  std::string out = Dump(header);
  out.reserve(out.size() + 1 + payload.size());
  out.push_back('\n');
  out.append(payload);
  return out;
}

std::optional<SnapshotFile> DecodeSnapshotFile(std::string_view bytes, std::string* error) {
  std::string_view payload;
  const std::optional<Json> header = ParseFileHeaderLine(bytes, &payload, error);
  FileHeader parsed;
  if (!header || !ReadFileHeader(*header, &parsed, error)) return std::nullopt;
  if (parsed.bytes != payload.size()) {
    Fail(error, "corrupt: the header says " + std::to_string(parsed.bytes) + " bytes follow, " +
                    std::to_string(payload.size()) + " do");
    return std::nullopt;
  }
  if (parsed.crc32 != Crc32(payload)) {
    Fail(error, "corrupt: crc32 mismatch");
    return std::nullopt;
  }
  SnapshotFile file{.written_unix = parsed.written_unix, .records = {}};
  if (!DecodeFrames(payload, parsed.records, &file.records, error)) return std::nullopt;
  return file;
}

}  // namespace queuemon::snapshot
