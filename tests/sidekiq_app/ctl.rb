# Drives the Sidekiq test app and reports what Sidekiq's own API says (the tests' ground truth).
#
#   ctl.rb wait-processes N [--timeout S]  until ProcessSet lists N processes
#   ctl.rb scenario                        enqueue jobs that succeed, run long, retry, die, are
#                                          scheduled, or wait in an unconsumed queue
#   ctl.rb wait-settled [--timeout S]      until the scenario's quick jobs are done
#   ctl.rb truth                           Stats, ProcessSet, Queue sizes and latencies, as JSON
#   ctl.rb simulate PROCESSES QUEUES       heartbeats of processes (the keys Sidekiq's launcher
#                                          writes) and one job per queue (Sidekiq::Client)
#   ctl.rb trickle SECONDS                 enqueue a mix of jobs for that long (run.sh's demo)
#   ctl.rb time-api ROUNDS                 median ms of what Sidekiq Web's pages read per poll
#                                          (ProcessSet, Stats, every Queue's size and latency)
require "json"
require "sidekiq/api"
require_relative "app"

def timeout_arg(default = 30.0)
  i = ARGV.index("--timeout")
  i ? ARGV[i + 1].to_f : default
end

def wait_for(what)
  deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout_arg
  until yield
    abort("timed out waiting for #{what}") if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
    sleep 0.05
  end
end

def scenario
  ids = {
    ok: Array.new(3) { |i| OkJob.perform_async(i) },
    retry: RetryJob.perform_async("again"),
    dead: Array.new(2) { |i| DeadJob.perform_async("dead #{i}") },
    slow: SlowJob.perform_async(600),
    scheduled: Array.new(2) { |i| OkJob.perform_in(3600, i) },
    parked: Array.new(2) { |i| OkJob.set(queue: "parked").perform_async(i) }
  }
  puts JSON.generate(ids)
end

def settled?
  stats = Sidekiq::Stats.new
  # 3 ok + 1 retried + 2 dead jobs processed, 3 of them failed, the slow one running.
  stats.retry_size == 1 && stats.dead_size == 2 && stats.processed == 6 && stats.failed == 3 &&
    Sidekiq::Workers.new.size == 1
end

def truth
  stats = Sidekiq::Stats.new
  processes = Sidekiq::ProcessSet.new.map do |p|
    { identity: p.identity, busy: p["busy"], concurrency: p["concurrency"], queues: p["queues"], quiet: p["quiet"] }
  end
  queues = Sidekiq::Queue.all.to_h do |q|
    head = Sidekiq.redis { |conn| conn.lindex("queue:#{q.name}", -1) }
    [q.name, { size: q.size, latency: q.latency, oldest_enqueued_at: head && JSON.parse(head)["enqueued_at"] }]
  end
  workers = Sidekiq::Workers.new.map { |process, _thread, work| { process: process, jid: work["payload"]["jid"] } }
  puts JSON.generate(
    stats: { processed: stats.processed, failed: stats.failed, scheduled_size: stats.scheduled_size,
             retry_size: stats.retry_size, dead_size: stats.dead_size, processes_size: stats.processes_size,
             enqueued: stats.enqueued, workers_size: stats.workers_size },
    processes: processes, queues: queues, workers: workers, now: Time.now.to_f
  )
end

def simulate(processes, queues)
  now = Time.now.to_f
  Sidekiq.redis do |conn|
    processes.times do |i|
      identity = format("sim-host:%d:%06x", 1000 + i, i)
      info = { hostname: "sim-host", started_at: now, pid: 1000 + i, tag: "", concurrency: 5,
               queues: [format("sim%03d", i % queues)], labels: [], identity: identity }
      conn.sadd("processes", identity)
      conn.hset(identity, "info", JSON.generate(info), "busy", 0, "beat", now, "quiet", "false")
      conn.expire(identity, 3600)  # Sidekiq's own: 60 s, renewed by a heartbeat these lack
    end
  end
  queues.times { |j| Sidekiq::Client.push("queue" => format("sim%03d", j), "class" => "OkJob", "args" => [j]) }
end

def trickle(seconds)
  finish = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
  while Process.clock_gettime(Process::CLOCK_MONOTONIC) < finish
    r = rand
    if r < 0.05 then DeadJob.perform_async("demo failure")
    elsif r < 0.1 then OkJob.perform_in(30, 1)
    else SlowJob.perform_async(rand(0.2..2.0))
    end
    sleep rand(0.2..1.0)
  end
end

def time_api(rounds)
  times = Array.new(rounds) do
    start = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    Sidekiq::ProcessSet.new.to_a
    Sidekiq::Stats.new.enqueued
    Sidekiq::Queue.all.each { |q| [q.size, q.latency] }
    (Process.clock_gettime(Process::CLOCK_MONOTONIC) - start) * 1000
  end.sort
  puts JSON.generate(median_ms: times[rounds / 2], rounds: rounds)
end

case ARGV[0]
when "wait-processes"
  n = ARGV[1].to_i
  wait_for("#{n} Sidekiq processes") { Sidekiq::ProcessSet.new.size == n }
when "scenario" then scenario
when "wait-settled" then wait_for("the Sidekiq scenario to settle") { settled? }
when "truth" then truth
when "simulate" then simulate(ARGV[1].to_i, ARGV[2].to_i)
when "trickle" then trickle(ARGV[1].to_f)
when "time-api" then time_api(ARGV[1].to_i)
else abort("unknown command #{ARGV[0]}")
end
