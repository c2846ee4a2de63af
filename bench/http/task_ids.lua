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

-- done(): the one WRK_JSON line, shared with percentiles.lua (wrk takes a single -s script).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "percentiles.lua")
