-- wrk script for `make bench-members` (loadbench.py): fetch the members'
-- pages in turn, with the session cookie when one is given, count every
-- answer other than 200, and print one JSON line at the end.
--
--   wrk -s loadbench.lua URL -- PATHS_FILE [COOKIE]

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    table.insert(paths, line)
  end
  if args[2] and args[2] ~= "" then
    wrk.headers["Cookie"] = args[2]
  end
  counter = 0
  not_ok = 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads) do
    refused = refused + thread:get("not_ok")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, "errors": %d, "not_ok": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, e.connect + e.read + e.write + e.timeout, refused))
end
