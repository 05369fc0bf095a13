-- wrk script for `make bench`: replays pre-signed requests, each one once.
--   wrk -t T -c C -d Ds --latency -s tools/bench.lua URL -- REQUESTS_FILE T
-- REQUESTS_FILE (tools.bench_requests) holds records "<length>\n<raw HTTP request>". Thread k
-- of T sends records k, k+T, k+2T… in order, so what was sent is known exactly afterwards;
-- a thread that runs out starts again from its first record (bench.py makes 1.5 times the records
-- it expects to need, so that does not happen; a repeat would be stored once anyway).

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local nthreads = tonumber(args[2])
  records, sent, non2xx = {}, 0, 0
  local index = 0
  while true do
    local length = file:read("*l")
    if not length then break end
    local raw = file:read(tonumber(length))
    if index % nthreads == id then table.insert(records, raw) end
    index = index + 1
  end
  file:close()
end

function request()
  sent = sent + 1
  return records[(sent - 1) % #records + 1]
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad, issued = 0, {}
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    table.insert(issued, thread:get("sent"))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non2xx": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "sent": [%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad,
    e.connect + e.read + e.write, e.timeout, table.concat(issued, ", ")))
end
