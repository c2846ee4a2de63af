#pragma once
// CeleryAmqpOptions: one Celery-on-RabbitMQ source ("kind": "celery" with an amqp:// or
// amqps:// broker). Plain data; its reader is config/celery_reader.cc.

#include <string>

#include "amqp/options.h"
#include "redis/options.h"
#include "sources/celery/app_options.h"

namespace queuemon::sources::celery::over_amqp {

struct CeleryAmqpOptions final : CeleryAppOptions {
  std::unique_ptr<SourceOptions> Clone() const override;
  // A CelerySource over an AmqpTransport (celery_source.cc).
  std::unique_ptr<Source> MakeSource(boost::asio::any_io_executor executor,
                                     const base::Clock& clock) const override;
  std::string Describe() const override;  // "broker <redacted URL>[, management <redacted>]"

  amqp::AmqpOptions broker;
  // A Redis result backend; url empty (the default): none, task lookups report what the
  // events know (PENDING when they know nothing).
  redis::RedisOptions result_backend = [] {
    redis::RedisOptions o;
    o.url.clear();
    return o;
  }();
  // RabbitMQ's management API ("http://user:pass@host:15672/api"): queue figures in one
  // request. Empty: one passive queue.declare per candidate queue instead (ready messages and
  // consumers, no unacked count).
  std::string management_url;
};

}  // namespace queuemon::sources::celery::over_amqp
