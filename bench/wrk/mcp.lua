-- wrk script for one benchmark case: POSTs a JSON-RPC body and checks every answer.
-- Settings come from the environment so that one script serves every case:
--   BENCH_BODY     the request body; "{{n}}" in it becomes a number unique per request
--                  (create_order needs a fresh idempotency key each time)
--   BENCH_HEADERS  extra headers, one "Name: value" per line
--   BENCH_EXPECT   a substring that every good answer contains
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
if body:find("{{n}}", 1, true) then
  function request()
    counter = counter + 1
    local unique = string.format("%d-%d-%d", os.time(), thread_id, counter)
    return wrk.format(nil, nil, nil, (body:gsub("{{n}}", unique)))
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
