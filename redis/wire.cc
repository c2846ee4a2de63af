#include "redis/wire.h"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <cstdlib>
#include <new>

#include "redis/errors.h"

namespace queuemon::redis {
namespace {

RedisReply Convert(const redisReply& in) {
  RedisReply out;
  switch (in.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = in.integer;
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(in.elements);
      for (std::size_t i = 0; i < in.elements; ++i) out.elements.push_back(Convert(*in.element[i]));
      return out;
    default:  // REDIS_REPLY_NIL
      out.type = RedisReply::Type::kNil;
      return out;
  }
  out.str.assign(in.str, in.len);
  return out;
}

}  // namespace

std::string EncodeRedisCommand(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<std::size_t> lengths;
  args.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const auto& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* target = nullptr;
  const int len =
      redisFormatCommandArgv(&target, static_cast<int>(args.size()), args.data(), lengths.data());
  if (len < 0 || target == nullptr) throw std::bad_alloc();  // hiredis fails only on OOM
  std::string encoded(target, static_cast<std::size_t>(len));
  redisFreeCommand(target);
  return encoded;
}

void RedisReplyDecoder::ReaderDeleter::operator()(redisReader* reader) const {
  redisReaderFree(reader);
}

namespace {

// hiredis 0.14 allocates a multi-bulk reply's element array as soon as it reads the header, so
// "*3000000000\r\n" (14 bytes) would make it calloc 24 GB (found by fuzz_redis_reply). Each
// element takes at least 3 bytes on the wire, so an array with more elements than the reply
// byte limit cannot be a reply we accept: refuse it before the allocation (a null object is
// a reader error). The reader's privdata points at the decoder's byte limit.
redisReplyObjectFunctions* default_functions = nullptr;

void* CreateBoundedArray(const redisReadTask* task, int elements) {
  const auto limit = *static_cast<const std::size_t*>(task->privdata);
  if (elements < 0 || static_cast<std::size_t>(elements) > limit) return nullptr;
  return default_functions->createArray(task, elements);
}

redisReplyObjectFunctions* BoundedFunctions(redisReplyObjectFunctions* defaults) {
  static redisReplyObjectFunctions bounded = [defaults] {
    default_functions = defaults;
    redisReplyObjectFunctions copy = *defaults;
    copy.createArray = &CreateBoundedArray;
    return copy;
  }();
  return &bounded;
}

}  // namespace

RedisReplyDecoder::RedisReplyDecoder(std::size_t max_reply_bytes)
    : reader_(redisReaderCreate()), max_reply_bytes_(max_reply_bytes) {
  if (!reader_) throw std::bad_alloc();
  reader_->fn = BoundedFunctions(reader_->fn);
  reader_->privdata = &max_reply_bytes_;
}

RedisReplyDecoder::~RedisReplyDecoder() = default;

boost::system::result<void> RedisReplyDecoder::Feed(std::string_view bytes) {
  if (failed_) return MakeErrorCode(Errc::kProtocol);
  partial_bytes_ += bytes.size();
  if (partial_bytes_ > max_reply_bytes_ ||
      redisReaderFeed(reader_.get(), bytes.data(), bytes.size()) != REDIS_OK) {
    failed_ = true;
    return MakeErrorCode(Errc::kProtocol);
  }
  return {};
}

boost::system::result<std::optional<RedisReply>> RedisReplyDecoder::Next() {
  if (failed_) return MakeErrorCode(Errc::kProtocol);
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    failed_ = true;
    return MakeErrorCode(Errc::kProtocol);
  }
  if (raw == nullptr) return std::optional<RedisReply>();
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw),
                                                                &freeReplyObject);
  // What is still buffered belongs to later replies; consumed bytes no longer count.
  partial_bytes_ = reader_->len - reader_->pos;
  return std::optional<RedisReply>(Convert(*reply));
}

}  // namespace queuemon::redis
