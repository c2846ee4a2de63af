#pragma once
// AmqpInspector: pidbox broadcast rounds over AMQP (docs/celery-amqp-protocol.md). One round
// publishes each method's request to the fanout exchange `celery.pidbox` (every worker's
// `<node>.celery.pidbox` queue is bound to it) with reply_to {exchange reply.celery.pidbox,
// routing_key <oid>}; workers publish their replies to that direct exchange with the request's
// ticket in the `ticket` header, and they reach this process's one reply queue
// `<oid>.reply.celery.pidbox` (exclusive, auto-delete, consumed for the link's life).
//
// The fanout has no receiver count, so a round is complete once every awaited worker
// (RoundHints: alive by heartbeat or replied last time, minus those that just departed) has
// replied to every method; with nobody awaited it collects until its deadline. Replies of
// another round, late ones or undecodable ones are skipped (the undecodable counted).
// Thread-safety: Round() may run concurrently; replies arrive on the link's thread.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "amqp/link.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/celery/amqp/options.h"
#include "sources/celery/transport.h"

namespace queuemon::sources::celery::over_amqp {

class AmqpInspector final {
 public:
  // REQUIRES: `link` outlives the inspector; ReplyConsumer() is added to it before it starts.
  AmqpInspector(boost::asio::any_io_executor executor, const CeleryAmqpOptions& options,
                amqp::AmqpLink& link);

  // The reply queue's consumer, for the link.
  amqp::ConsumerSpec ReplyConsumer();
  boost::asio::awaitable<boost::system::result<InspectRound>> Round(
      std::vector<InspectMethod> methods, RoundHints hints);
  std::uint64_t broadcasts() const { return broadcasts_.load(std::memory_order_relaxed); }

 private:
  struct Pending;
  boost::asio::awaitable<boost::system::result<InspectRound>> StartRound(
      std::vector<InspectMethod> methods, RoundHints hints);
  boost::asio::awaitable<boost::system::result<InspectRound>> RoundOnStrand(
      std::vector<InspectMethod> methods, RoundHints hints);
  amqp::PublishSpec Requests(const std::vector<InspectMethod>& methods, Pending& pending) const;
  void OnReply(const amqp::AmqpMessage& message);

  boost::asio::any_io_executor executor_;
  const CeleryAmqpOptions& options_;
  amqp::AmqpLink& link_;
  const std::string oid_;  // the reply routing key, one per process and source, as kombu's
  std::atomic<std::uint64_t> broadcasts_{0};
  base::Mutex mu_;
  std::map<std::string, std::shared_ptr<Pending>> rounds_ GUARDED_BY(mu_);  // by ticket
};

}  // namespace queuemon::sources::celery::over_amqp
