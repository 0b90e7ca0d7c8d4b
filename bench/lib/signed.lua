-- wrk script for the signed ingestion bench (bench/lib/signed-load.mjs): cycles through a file of requests signed
-- in Node before the run, one per line "<path>\t<signature>\t<body>". Each wrk thread takes every Nth line (its
-- own share), so no request is sent twice; a thread that runs out stops rather than repeat one (a repeat would be
-- a 200 duplicate, not a new row). done() prints one JSON line the driver reads.
local threads = {}
local count = 0

function setup(thread)
  thread:set("tid", count)
  thread:set("nthreads", tonumber(os.getenv("LB_THREADS")))
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  reqs = {}
  local i = 0
  for line in io.lines(os.getenv("LB_REQUESTS")) do
    if i % nthreads == tid then
      local path, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", path, { ["Content-Type"] = "application/json", ["X-Lookback-Signature"] = sig }, body)
    end
    i = i + 1
  end
  idx = 0
  exhausted = 0
end

function request()
  idx = idx + 1
  if idx > #reqs then
    exhausted = 1
    wrk.thread:stop()
    idx = #reqs
  end
  return reqs[idx]
end

function done(summary, latency, requests)
  local out = 0
  for _, t in ipairs(threads) do
    out = out + t:get("exhausted")
  end
  local e = summary.errors
  io.write(string.format(
    'LB_RESULT {"requests":%d,"durationUs":%d,"non2xx":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"exhaustedThreads":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, out))
end
