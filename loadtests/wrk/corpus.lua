-- wrk script: serves a pre-built request corpus (loadtests/Gateway.LoadTests.Corpus) round-robin
-- per thread, each request exactly once, and prints a JSON summary in done().
--
--   wrk -t T -c C -d D -s corpus.lua http://127.0.0.1:PORT -- PREFIX EXPECT [RATE T]
--
-- PREFIX  corpus files PREFIX.0 .. PREFIX.(T-1), one shard per wrk thread
-- EXPECT  the expected status codes, comma-separated (e.g. "200" or "403" or "429")
-- RATE    optional: a fixed total request rate (req/s) paced with wrk's delay() hook; 0 = as fast as possible
-- T       with RATE: the number of wrk threads (each paces RATE / T)
--
-- CORPUS_HEADER (environment, optional): one header line ("Name: value") added to every request of the corpus, after
-- its request line, when the corpus is read (nothing per request). The signature covers neither its presence nor its
-- value: run.sh sends `Prefer: $LOADTEST_PREFER` this way in the gateway's allow rows.
--
-- A thread that exhausts its shard stops itself; any request it must still produce re-sends the
-- shard's first request, which the gateway refuses as a replay, so it is counted as an error
-- (and "exhausted" in the summary says that the corpus was too small).

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } lt_timespec;
int clock_gettime(int clk_id, lt_timespec *tp);
]]
local ts = ffi.new("lt_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

-- Defined only with a rate (wrk checks for delay() after init): otherwise every request would pay a timer.
local function paced_delay()
  local now = now_us()
  -- never accumulate more than one interval of backlog: a stall is not followed by a burst
  if next_at < now - interval_us then next_at = now end
  next_at = next_at + interval_us
  local d = (next_at - now) / 1000
  if d < 1 then return 0 end
  return math.floor(d)
end

function init(args)
  local prefix = args[1]
  expect = {}
  for code in string.gmatch(args[2] or "200", "%d+") do expect[tonumber(code)] = true end
  rate = tonumber(args[3] or "0") or 0
  local threads_total = tonumber(args[4] or "1") or 1

  local header = os.getenv("CORPUS_HEADER") or ""
  local file = assert(io.open(prefix .. "." .. id, "rb"))
  local data = file:read("*a")
  file:close()
  corpus = {}
  local pos, n = 1, 0
  local len = #data
  while pos <= len do
    local nl = string.find(data, "\n", pos, true)
    if not nl then break end
    local size = tonumber(string.sub(data, pos, nl - 1))
    n = n + 1
    local r = string.sub(data, nl + 1, nl + size)
    if header ~= "" then
      local eol = assert(string.find(r, "\r\n", 1, true), "a corpus request without a request line")
      r = string.sub(r, 1, eol + 1) .. header .. "\r\n" .. string.sub(r, eol + 2)
    end
    corpus[n] = r
    pos = nl + 1 + size
  end
  corpus_size = n
  next_index = 1
  sent = 0
  exhausted = 0
  ok = 0
  unexpected = 0
  statuses = {}

  if rate > 0 then
    -- per-thread share of the total rate; the schedule is per thread (all its connections share it)
    interval_us = 1000000 * threads_total / rate
    next_at = 0
    delay = paced_delay
  end
end

function request()
  if next_index > corpus_size then
    exhausted = exhausted + 1
    if exhausted == 1 then wrk.thread:stop() end
    return corpus[1]
  end
  local r = corpus[next_index]
  next_index = next_index + 1
  sent = sent + 1
  return r
end

function response(status, headers, body)
  if expect[status] then ok = ok + 1 else unexpected = unexpected + 1 end
  statuses[status] = (statuses[status] or 0) + 1
end

local function json_statuses(all)
  local parts = {}
  for code, count in pairs(all) do table.insert(parts, string.format('"%d":%d', code, count)) end
  table.sort(parts)
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local total_ok, total_unexpected, total_exhausted, total_sent, corpus_total = 0, 0, 0, 0, 0
  local all = {}
  for _, thread in ipairs(threads) do
    total_ok = total_ok + (thread:get("ok") or 0)
    total_unexpected = total_unexpected + (thread:get("unexpected") or 0)
    total_exhausted = total_exhausted + (thread:get("exhausted") or 0)
    total_sent = total_sent + (thread:get("sent") or 0)
    corpus_total = corpus_total + (thread:get("corpus_size") or 0)
    local s = thread:get("statuses")
    if s then for code, count in pairs(s) do all[code] = (all[code] or 0) + count end end
  end
  local seconds = summary.duration / 1000000
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    'WRK_JSON {"duration_s":%.3f,"requests":%d,"rps":%.1f,"ok":%d,"ok_rps":%.1f,"unexpected":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"exhausted":%d,"corpus":%d,"sent":%d,' ..
    '"latency_us":{"mean":%.1f,"stdev":%.1f,"min":%d,"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d},' ..
    '"statuses":%s}\n',
    seconds, summary.requests, summary.requests / seconds, total_ok, total_ok / seconds, total_unexpected,
    socket_errors, e.timeout, total_exhausted, corpus_total, total_sent,
    latency.mean, latency.stdev, latency.min, latency:percentile(50), latency:percentile(75),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    json_statuses(all)))
end
