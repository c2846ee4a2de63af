#pragma once
// Pidbox codec: builds the kombu envelope of an inspect/control request and decodes the reply
// envelopes workers LPUSH back (celery-redis-protocol.md §2). Pure functions, no I/O; safe to
// call from any thread. Malformed input yields sources::Errc::kMalformedReply (with a reason in `why`
// when given), never an exception or a crash.

#include <boost/system/result.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace queuemon::sources::celery {

// One broadcast request. `arguments_json` must be a JSON object text ("{}" by default).
struct PidboxRequest {
  std::string method;  // "stats", "active", "ping", ...
  std::string arguments_json = "{}";
  std::vector<std::string> destination;  // node names; empty = every worker
  std::string ticket;                    // echoed in the reply's headers.ticket
  std::string reply_exchange = "reply.celery.pidbox";
  std::string reply_routing_key;  // the worker LPUSHes to queues bound with this key
  std::string pidbox_exchange = "celery.pidbox";
  double expires_unix = 0;   // headers.expires (workers ignore it; kombu sends it)
  std::string delivery_tag;  // any unique string (uuid4 as kombu does)
};

// The request itself, JSON text: what AMQP carries as the message body.
std::string PidboxRequestBody(const PidboxRequest& request);
// The kombu envelope to PUBLISH on "/<db>.<pidbox_exchange>" (Redis): its body is base64 of
// PidboxRequestBody.
std::string EncodePidboxRequest(const PidboxRequest& request);

// A decoded reply: the request's ticket and the decoded body text, `{"<node>": <result>}`.
struct PidboxReply {
  std::string ticket;
  std::string body;
};

// Decodes one reply envelope. Accepts base64 bodies (properties.body_encoding == "base64") and
// plain JSON-text bodies. Envelopes or decoded bodies larger than `max_bytes` are refused.
boost::system::result<PidboxReply> DecodePidboxReply(std::string_view raw, std::size_t max_bytes,
                                                     std::string* why = nullptr);

// The body text of any kombu envelope (events use the same shape): base64-decoded when
// properties.body_encoding says so. Refuses envelopes larger than `max_bytes`.
boost::system::result<std::string> DecodeEnvelopeBody(std::string_view raw, std::size_t max_bytes,
                                                      std::string* why = nullptr);

// Standard padded base64 (Beast's codec behind a checked wrapper). Decode rejects bad
// characters, bad padding and bad lengths.
std::string Base64Encode(std::string_view data);
boost::system::result<std::string> Base64Decode(std::string_view text);

// A random uuid4 string ("xxxxxxxx-xxxx-4xxx-...").
std::string NewUuid();

}  // namespace queuemon::sources::celery
