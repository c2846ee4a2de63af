// Pidbox envelopes (kombu's message shape) and the base64 wrapper.
#include "sources/celery/pidbox_codec.h"

#include "base/base64.h"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <nlohmann/json.hpp>

#include "sources/errors.h"

namespace queuemon::sources::celery {
namespace {

using nlohmann::json;

boost::system::error_code Malformed(std::string* why, std::string reason) {
  if (why != nullptr) *why = std::move(reason);
  return MakeErrorCode(Errc::kMalformedReply);
}

}  // namespace

std::string Base64Encode(std::string_view data) { return base::Base64Encode(data); }

boost::system::result<std::string> Base64Decode(std::string_view text) {
  auto decoded = base::Base64Decode(text);
  if (!decoded) return MakeErrorCode(Errc::kMalformedReply);
  return std::move(*decoded);
}

std::string NewUuid() {
  // One generator per thread: random_generator is not thread-safe and is costly to seed.
  thread_local boost::uuids::random_generator generator;
  return boost::uuids::to_string(generator());
}

std::string PidboxRequestBody(const PidboxRequest& request) {
  json arguments = json::parse(request.arguments_json, nullptr, /*allow_exceptions=*/false);
  if (!arguments.is_object()) arguments = json::object();
  const json body = {
      {"method", request.method},
      {"arguments", std::move(arguments)},
      {"destination", request.destination.empty() ? json(nullptr) : json(request.destination)},
      {"pattern", nullptr},
      {"matcher", nullptr},
      {"ticket", request.ticket},
      {"reply_to",
       {{"exchange", request.reply_exchange}, {"routing_key", request.reply_routing_key}}}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EncodePidboxRequest(const PidboxRequest& request) {
  const json envelope = {
      {"body", Base64Encode(PidboxRequestBody(request))},
      {"content-encoding", "utf-8"},
      {"content-type", "application/json"},
      {"headers", {{"clock", 1}, {"expires", request.expires_unix}}},
      {"properties",
       {{"delivery_mode", 2},
        {"delivery_info", {{"exchange", request.pidbox_exchange}, {"routing_key", ""}}},
        {"priority", 0},
        {"body_encoding", "base64"},
        {"delivery_tag", request.delivery_tag}}}};
  return envelope.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// The members of an envelope the daemon reads (body, properties.body_encoding, headers.ticket),
// with nlohmann's SAX interface: every event message (up to 100 000/s) and every inspect reply
// (1 000 workers: thousands per collection) goes through here, and building the envelope's DOM
// (a dozen nodes never read) cost more than lexing it.
class EnvelopeBodySax final : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& value) override {
    if (depth_ == 1 && key_ == "body") {
      body_ = std::move(value);
      has_body_ = true;
    } else if (depth_ == 2 && in_properties_ && key_ == "body_encoding") {
      base64_ = value == "base64";
    } else if (depth_ == 2 && in_headers_ && key_ == "ticket") {
      ticket_ = std::move(value);
    }
    return true;
  }
  bool start_object(std::size_t) override {
    if (depth_ == 0) top_is_object_ = true;
    if (depth_ == 1) {
      in_properties_ = key_ == "properties";
      in_headers_ = key_ == "headers";
    }
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    if (depth_ == 1) in_properties_ = in_headers_ = false;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& value) override {
    if (depth_ <= 2) key_ = std::move(value);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

  bool top_is_object() const { return top_is_object_; }
  bool has_body() const { return has_body_; }
  bool base64() const { return base64_; }
  std::string& body() { return body_; }
  std::string& ticket() { return ticket_; }

 private:
  int depth_ = 0;
  std::string key_;
  std::string body_, ticket_;
  bool top_is_object_ = false, has_body_ = false, base64_ = false;
  bool in_properties_ = false, in_headers_ = false;
};

// Reads `raw` into `sax`; false (with `why`) unless it is a JSON object within max_bytes.
bool ReadEnvelope(std::string_view raw, std::size_t max_bytes, EnvelopeBodySax& sax,
                  std::string* why) {
  if (raw.size() > max_bytes) {
    Malformed(why, "envelope exceeds max_reply_bytes");
    return false;
  }
  const bool parsed = json::sax_parse(raw, &sax, json::input_format_t::json, /*strict=*/true);
  if (!parsed || !sax.top_is_object()) {
    Malformed(why, "envelope is not a JSON object");
    return false;
  }
  return true;
}

// The body of a read envelope, base64-decoded when its properties say so.
boost::system::result<std::string> BodyOf(EnvelopeBodySax& sax, std::string* why) {
  if (!sax.has_body()) return Malformed(why, "envelope has no string body");
  if (!sax.base64()) return std::move(sax.body());
  auto decoded = Base64Decode(sax.body());
  if (!decoded) return Malformed(why, "envelope body is not valid base64");
  return decoded;
}

}  // namespace

boost::system::result<std::string> DecodeEnvelopeBody(std::string_view raw, std::size_t max_bytes,
                                                      std::string* why) {
  EnvelopeBodySax sax;
  if (!ReadEnvelope(raw, max_bytes, sax, why)) return MakeErrorCode(Errc::kMalformedReply);
  return BodyOf(sax, why);
}

boost::system::result<PidboxReply> DecodePidboxReply(std::string_view raw, std::size_t max_bytes,
                                                     std::string* why) {
  EnvelopeBodySax sax;
  if (!ReadEnvelope(raw, max_bytes, sax, why)) return MakeErrorCode(Errc::kMalformedReply);
  if (sax.ticket().empty()) return Malformed(why, "reply envelope has no headers.ticket");
  auto body = BodyOf(sax, why);
  if (!body) return body.error();
  PidboxReply reply;
  reply.ticket = std::move(sax.ticket());
  reply.body = std::move(*body);
  return reply;
}

}  // namespace queuemon::sources::celery
