-- wrk script: each request takes the next path from the file named by WRK_PATHS, so a run
-- requests distinct URLs (cold pages) until the list runs out. Threads interleave: thread k
-- of n requests paths k, k+n, k+2n, ...
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local index
function init(args)
  index = id
end

function request()
  local path = paths[((index - 1) % #paths) + 1]
  index = index + 2
  return wrk.format("GET", path)
end
