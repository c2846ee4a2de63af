#include "snapshot/record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace queuemon::snapshot {
namespace {

using ::testing::HasSubstr;

Record SampleRecord() {
  Record record;
  record.source = "celery";
  record.category = "worker_status";
  record.key = "workers";
  record.etag = "\"9f2c\"";
  record.status = 200;
  record.collected_unix = 1700000000.5;
  record.fence = 7;
  record.nonce = "n-1";
  record.body = R"({"ok":true})";
  return record;
}

void ExpectSameRecord(const Record& actual, const Record& expected) {
  EXPECT_EQ(actual.source, expected.source);
  EXPECT_EQ(actual.category, expected.category);
  EXPECT_EQ(actual.key, expected.key);
  EXPECT_EQ(actual.etag, expected.etag);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.collected_unix, expected.collected_unix);
  EXPECT_EQ(actual.fence, expected.fence);
  EXPECT_EQ(actual.nonce, expected.nonce);
  EXPECT_EQ(actual.body, expected.body);
}

Record RoundTrip(const Record& record) {
  std::string error;
  const std::optional<Record> decoded = DecodeRecord(EncodeRecord(record), &error);
  EXPECT_TRUE(decoded.has_value()) << error;
  return decoded.value_or(Record{});
}

// `text` with its first `from` replaced by `to`; fails the test when `from` is absent.
std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(RecordTest, BodiesRoundTripVerbatim) {
  const std::vector<std::string> bodies = {std::string("\0\x01\xff\xfe binary\0", 13),
                                           "ünïcødé ✓ 漢字", "{\n  \"workers\": []\n}\n", "\n\n",
                                           ""};
  for (const std::string& body : bodies) {
    Record record = SampleRecord();
    record.body = body;
    ExpectSameRecord(RoundTrip(record), record);
  }
}

TEST(RecordTest, StrongAndWeakEtagsNonceAndFenceRoundTrip) {
  Record record = SampleRecord();
  record.etag = "W/\"9f2c0d\"";
  record.nonce = "req-42\nwith newline";
  record.fence = UINT64_MAX;
  record.status = 304;
  record.collected_unix = 0.1 + 0.2;  // every bit of the double survives
  ExpectSameRecord(RoundTrip(record), record);
  record.etag = "\"9f2c0d\"";
  record.nonce.clear();
  record.fence = 0;
  ExpectSameRecord(RoundTrip(record), record);
}

TEST(RecordTest, EncodesOneJsonHeaderLineThenTheBody) {
  EXPECT_EQ(EncodeRecord(SampleRecord()),
            R"({"v":1,"source":"celery","category":"worker_status","key":"workers",)"
            R"("etag":"\"9f2c\"","status":200,"collected_at":1700000000.5,"fence":7,)"
            R"("nonce":"n-1","body_bytes":11})"
            "\n"
            R"({"ok":true})");
}

struct BadHeader {
  std::string from;
  std::string to;
  std::string message_part;
};

TEST(RecordTest, EveryWrongHeaderFieldIsRejectedWithAMessage) {
  const std::vector<BadHeader> cases = {
      {R"("v":1)", R"("v":2)", "record version 2, this build reads 1"},
      {R"("v":1)", R"("v":"1")", R"("v")"},
      {R"("v":1,)", "", R"("v")"},
      {R"("source":"celery")", R"("source":3)", R"("source")"},
      {R"("category":"worker_status")", R"("category":null)", R"("category")"},
      {R"("key":"workers")", R"("key":["workers"])", R"("key")"},
      {R"("etag":"\"9f2c\"")", R"("etag":false)", R"("etag")"},
      {R"("status":200)", R"("status":"200")", R"("status")"},
      {R"("status":200)", R"("status":-200)", R"("status")"},
      {R"("status":200)", R"("status":99)", "100..599"},
      {R"("status":200)", R"("status":600)", "100..599"},
      {R"("collected_at":1700000000.5)", R"("collected_at":"now")", R"("collected_at")"},
      {R"("collected_at":1700000000.5)", R"("collected_at":-1.5)", R"("collected_at")"},
      {R"("fence":7)", R"("fence":-7)", R"("fence")"},
      {R"("fence":7)", R"("fence":7.5)", R"("fence")"},
      {R"("fence":7,)", "", R"("fence")"},
      {R"("nonce":"n-1")", R"("nonce":1)", R"("nonce")"},
      {R"("body_bytes":11)", R"("body_bytes":12)", "body_bytes"},
      {R"("body_bytes":11)", R"("body_bytes":10)", "body_bytes"},
      {R"("body_bytes":11)", R"("body_bytes":11.0)", "body_bytes"},
      {R"("v":1,)", R"("v":1,"extra":1,)", R"("extra")"},
      {R"({"v")", R"(["v")", "not a record"},
  };
  const std::string encoded = EncodeRecord(SampleRecord());
  for (const BadHeader& bad : cases) {
    std::string error;
    EXPECT_FALSE(DecodeRecord(Replaced(encoded, bad.from, bad.to), &error)) << bad.to;
    EXPECT_THAT(error, HasSubstr(bad.message_part)) << bad.from << " -> " << bad.to;
  }
}

TEST(RecordTest, EveryTruncationAndAnExtraByteAreRejected) {
  const std::string encoded = EncodeRecord(SampleRecord());
  for (std::size_t length = 0; length < encoded.size(); ++length) {
    const std::string prefix = encoded.substr(0, length);  // its own buffer: ASan sees overreads
    std::string error;
    EXPECT_FALSE(DecodeRecord(prefix, &error)) << length;
    EXPECT_FALSE(error.empty()) << length;
  }
  std::string error;
  EXPECT_FALSE(DecodeRecord(encoded + "x", &error));
  EXPECT_THAT(error, HasSubstr("body_bytes"));
}

TEST(RecordTest, ArbitraryBytesAreRejectedWithoutCrashing) {
  std::mt19937 random(42);
  const std::string alphabet = "{}[]\":,\n0123456789.-evtrue\\ \xff";
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(random() % 96, '\0');
    for (char& c : bytes) c = alphabet[random() % alphabet.size()];
    std::string error;
    EXPECT_FALSE(DecodeRecord(bytes, &error)) << bytes;
    EXPECT_FALSE(error.empty());
  }
}

TEST(RecordTest, ANullErrorPointerIsAllowed) { EXPECT_FALSE(DecodeRecord("garbage", nullptr)); }

SnapshotFile SampleFile() {
  SnapshotFile file;
  file.written_unix = 1700000100.25;
  file.records = {SampleRecord(), SampleRecord(), SampleRecord()};
  file.records[1].category = "queue_depths";
  file.records[1].key = "queues";
  file.records[1].body = "{\n\"queues\": []\n}";
  file.records[2].key = "task:5e1b";
  file.records[2].etag = "W/\"77\"";
  file.records[2].body.clear();
  return file;
}

std::string DecodeFileError(const std::string& bytes) {
  std::string error;
  EXPECT_FALSE(DecodeSnapshotFile(bytes, &error));
  return error;
}

TEST(SnapshotFileTest, ThreeRecordsRoundTrip) {
  const SnapshotFile file = SampleFile();
  std::string error;
  const std::optional<SnapshotFile> decoded = DecodeSnapshotFile(EncodeSnapshotFile(file), &error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->written_unix, file.written_unix);
  ASSERT_EQ(decoded->records.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) ExpectSameRecord(decoded->records[i], file.records[i]);
}

TEST(SnapshotFileTest, AnEmptySnapshotRoundTrips) {
  std::string error;
  const std::optional<SnapshotFile> decoded = DecodeSnapshotFile(
      EncodeSnapshotFile(SnapshotFile{.written_unix = 5, .records = {}}), &error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->written_unix, 5);
  EXPECT_TRUE(decoded->records.empty());
}

TEST(SnapshotFileTest, StartsWithTheDocumentedHeaderLine) {
  const std::string encoded = EncodeSnapshotFile(SampleFile());
  EXPECT_EQ(encoded.rfind(R"({"format":"queuemon-snapshot","version":1,"written_at":1700000100.25,)"
                          R"("records":3,"bytes":)",
                          0),
            0u)
      << encoded.substr(0, 120);
}

TEST(SnapshotFileTest, EveryFlippedPayloadByteIsCorrupt) {
  const std::string encoded = EncodeSnapshotFile(SampleFile());
  const std::size_t payload_start = encoded.find('\n') + 1;
  for (std::size_t at = payload_start; at < encoded.size(); ++at) {
    std::string flipped = encoded;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x20);
    EXPECT_THAT(DecodeFileError(flipped), HasSubstr("corrupt")) << at;
  }
}

TEST(SnapshotFileTest, TruncatedOrExtendedIsCorrupt) {
  const std::string encoded = EncodeSnapshotFile(SampleFile());
  EXPECT_THAT(DecodeFileError(encoded.substr(0, encoded.size() - 1)), HasSubstr("corrupt"));
  EXPECT_THAT(DecodeFileError(encoded + "\n"), HasSubstr("corrupt"));
}

TEST(SnapshotFileTest, ARecordCountThatDisagreesWithThePayloadIsCorrupt) {
  const std::string encoded = EncodeSnapshotFile(SampleFile());
  EXPECT_THAT(DecodeFileError(Replaced(encoded, R"("records":3)", R"("records":4)")),
              HasSubstr("corrupt: record 3: missing"));
  EXPECT_THAT(DecodeFileError(Replaced(encoded, R"("records":3)", R"("records":2)")),
              HasSubstr("after the last of 2 records"));
}

TEST(SnapshotFileTest, ABadRecordIsNamedByItsIndex) {
  SnapshotFile file = SampleFile();
  file.records[1].status = 700;  // violates EncodeRecord's REQUIRES: a checksum-valid bad record
  EXPECT_THAT(DecodeFileError(EncodeSnapshotFile(file)), HasSubstr("record 1: status 700"));
}

TEST(SnapshotFileTest, ALaterVersionIsNamed) {
  const std::string encoded = EncodeSnapshotFile(SampleFile());
  EXPECT_EQ(DecodeFileError(Replaced(encoded, R"("version":1)", R"("version":2)")),
            "snapshot version 2, this build reads 1");
}

TEST(SnapshotFileTest, ForeignFilesAreNotSnapshots) {
  const std::string encoded = EncodeSnapshotFile(SampleFile());
  EXPECT_THAT(DecodeFileError(""), HasSubstr("not a queuemon snapshot"));
  EXPECT_THAT(DecodeFileError("{\"workers\": []}\n"), HasSubstr("not a queuemon snapshot"));
  EXPECT_THAT(DecodeFileError("{\"workers\": []}"), HasSubstr("not a queuemon snapshot"));
  EXPECT_THAT(DecodeFileError(Replaced(encoded, "queuemon-snapshot", "queuemon-snapshop")),
              HasSubstr("not a queuemon snapshot"));
  EXPECT_THAT(DecodeFileError(std::string("\x7f"
                                          "ELF\x02\x01\x01\0\n\0\0",
                                          11)),
              HasSubstr("not a queuemon snapshot"));
  std::mt19937 random(7);
  for (int i = 0; i < 500; ++i) {
    std::string bytes(1 + random() % 256, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    EXPECT_FALSE(DecodeFileError(bytes).empty());
  }
}

}  // namespace
}  // namespace queuemon::snapshot
