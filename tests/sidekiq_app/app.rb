# The Sidekiq test app: jobs that succeed, run long, retry (and stay in the retry set for an
# hour), and die at once. Redis comes from QUEUEMON_SIDEKIQ_REDIS.
require "sidekiq"

$VERBOSE = nil  # redis-rb 4.8 warns on every call Sidekiq 6.4 makes; keep the logs readable
Sidekiq.configure_server { |c| c.redis = { url: ENV.fetch("QUEUEMON_SIDEKIQ_REDIS") } }
Sidekiq.configure_client { |c| c.redis = { url: ENV.fetch("QUEUEMON_SIDEKIQ_REDIS") } }

class OkJob
  include Sidekiq::Job
  def perform(x)
    x * 2
  end
end

class SlowJob
  include Sidekiq::Job
  def perform(seconds)
    sleep(seconds)
  end
end

class RetryJob
  include Sidekiq::Job
  sidekiq_options retry: 5
  sidekiq_retry_in { |_count, _exception| 3600 }
  def perform(message)
    raise ArgumentError, message
  end
end

class DeadJob
  include Sidekiq::Job
  sidekiq_options retry: 0
  def perform(message)
    raise ArgumentError, message
  end
end
