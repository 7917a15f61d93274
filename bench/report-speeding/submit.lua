-- wrk script: each request submits one prepared draft (POST /report-speeding/submit
-- with its cookie and form token), each draft once; a thread stops when its share of
-- the drafts is used up. DRAFTS names the file prepare.py wrote.
local drafts = {}
for line in io.lines(os.getenv("DRAFTS")) do
  local cookie, token = line:match("^(%S+) (%S+)$")
  if cookie then drafts[#drafts + 1] = { cookie = cookie, token = token } end
end

local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  next_index = id
end

function request()
  local d = drafts[next_index]
  if d == nil then
    wrk.thread:stop()
    return wrk.format("GET", "/report-speeding/assets/init.js")
  end
  next_index = next_index + nthreads
  return wrk.format("POST", "/report-speeding/submit", {
    ["cookie"] = d.cookie,
    ["content-type"] = "application/x-www-form-urlencoded",
  }, "token=" .. d.token)
end

function response(status, headers, body)
  if status ~= 303 then
    io.stderr:write("submission answered " .. status .. "\n")
  end
end
