-- wrk script of scripts/soak.sh: round-robins over the HIT paths given as arguments
-- (`wrk ... -s soak.lua URL -- /api/v1/celery/workers/status ...`), counts every response by
-- status and by X-Cache, and prints one machine-readable line at the end:
--   SOAK_JSON {"requests":..,"connect":..,"read":..,"write":..,"timeout":..,"non_2xx_3xx":..,
--              "status":{"200":..},"x_cache":{"HIT":..,"STALE":..,"MISS":..},"p50_us":..,...}
-- The response() hook costs wrk some speed; the soak wants every status counted, not a record.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for _, p in ipairs(args) do
    table.insert(paths, wrk.format("GET", p))
  end
  if #paths == 0 then
    table.insert(paths, wrk.format("GET", "/"))
  end
  next_path = 1
  statuses = {}
  x_cache = {}
end

function request()
  local r = paths[next_path]
  next_path = next_path % #paths + 1
  return r
end

function response(status, headers, body)
  local s = tostring(status)
  statuses[s] = (statuses[s] or 0) + 1
  local x = headers["X-Cache"] or "none"
  x_cache[x] = (x_cache[x] or 0) + 1
end

local function merge(into, from)
  for k, v in pairs(from or {}) do
    into[k] = (into[k] or 0) + v
  end
end

local function encode(map)
  local parts = {}
  for k, v in pairs(map) do
    table.insert(parts, string.format('"%s":%d', k, v))
  end
  table.sort(parts)
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local all_status, all_x = {}, {}
  for _, t in ipairs(threads) do
    merge(all_status, t:get("statuses"))
    merge(all_x, t:get("x_cache"))
  end
  local e = summary.errors
  io.write(string.format(
    'SOAK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"timeout":%d,"non_2xx_3xx":%d,"status":%s,"x_cache":%s,"p50_us":%d,"p99_us":%d,' ..
    '"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    encode(all_status), encode(all_x), latency:percentile(50), latency:percentile(99),
    latency.max))
end
