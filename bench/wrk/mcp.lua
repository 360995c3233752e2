-- wrk script for one benchmark case: POSTs a JSON-RPC body and checks every answer.
-- Settings come from the environment so that one script serves every case:
--   BENCH_BODY     the request body; "{{n}}" in it becomes a text unique per request
--                  (create_order needs a fresh idempotency key each time) and "{{id}}" a number
--                  unique per request (a JSON-RPC id: a client never has two calls with one id)
--   BENCH_HEADERS  extra headers, one "Name: value" per line
--   BENCH_EXPECT   a substring that every good answer contains
--   BENCH_RAW_HEAD optional: the request line and headers exactly as a captured client sent them
--                  (bench/requests), ending with the blank line; "{{length}}" in it becomes the
--                  body's length. With it, BENCH_HEADERS and wrk's own headers are not used, so the
--                  server gets the client's bytes: header names' case and order included.
-- At the end it prints one line, "BENCH_RESULT {json}", that bench/wrk.ts parses.

local body = os.getenv("BENCH_BODY") or ""
local expect = os.getenv("BENCH_EXPECT")
if expect == "" then expect = nil end

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^%s*([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end

local raw_head = os.getenv("BENCH_RAW_HEAD") or ""

local function raw_request(payload)
  return (raw_head:gsub("{{length}}", tostring(#payload), 1)) .. payload
end

if raw_head ~= "" then
  -- wrk.init builds its one static request with wrk.format(): replacing it keeps the captured bytes
  -- and still lets wrk reuse one pre-built request when the body never changes.
  wrk.format = function()
    return raw_request(body)
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  bad_status = 0
  rpc_errors = 0
  unexpected = 0
  counter = 0
end

-- Only a body with a placeholder needs a request() function: without one, wrk reuses one
-- pre-built request, which keeps the generator's own cost out of the static cases.
if body:find("{{n}}", 1, true) or body:find("{{id}}", 1, true) then
  function request()
    counter = counter + 1
    local unique = string.format("%d-%d-%d", os.time(), thread_id, counter)
    local payload = body:gsub("{{n}}", unique):gsub("{{id}}", string.format("%d", thread_id * 1000000000 + counter))
    if raw_head ~= "" then return raw_request(payload) end
    return wrk.format(nil, nil, nil, payload)
  end
end

function response(status, headers, answer)
  if status < 200 or status > 299 then
    bad_status = bad_status + 1
  elseif answer:find('"isError":true', 1, true) or answer:find('"error":{', 1, true) then
    rpc_errors = rpc_errors + 1
  elseif expect and not answer:find(expect, 1, true) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local totals = { bad_status = 0, rpc_errors = 0, unexpected = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
      '"write_errors":%d,"status_errors":%d,"timeouts":%d,"latency_p50_us":%d,"latency_p99_us":%d,' ..
      '"latency_max_us":%d,"latency_mean_us":%.1f,"bad_status":%d,"rpc_errors":%d,"unexpected":%d}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout, latency:percentile(50),
    latency:percentile(99), latency.max, latency.mean, totals.bad_status, totals.rpc_errors, totals.unexpected
  ))
end
