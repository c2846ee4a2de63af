-- wrk script: GET /api/v1/celery/tasks/<id> with a distinct id per request (never repeats within
-- a run; the first script argument is an offset so that consecutive runs use new ids too).
-- Each wrk thread has its own Lua state, so thread ids keep the sequences apart.
local counter = 0
local offset = 0
next_thread = 0  -- main state only: numbers the threads in setup()

setup = function(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
end

init = function(args)
  offset = tonumber(args[1] or "0")
end

request = function()
  counter = counter + 1
  local id = string.format("bench-%02d-%012d", thread_no or 0, offset + counter)
  return wrk.format("GET", "/api/v1/celery/tasks/" .. id)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"p999_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
