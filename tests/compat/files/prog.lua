local squares = {}
for i = 1, 10 do squares[#squares + 1] = i * i end
print(table.concat(squares, ","))
local counts = {}
for ch in ("mississippi"):gmatch(".") do counts[ch] = (counts[ch] or 0) + 1 end
local keys = {}
for k in pairs(counts) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", counts[k], " ") end
print()
local producer = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * 10) end end)
print(producer(), producer(), producer())
print(pcall(function() error("boom", 0) end))
print(string.format("%5.2f|%-6s|%x", math.pi, "lua", 255))
local f = assert(io.open("/tmp/lua.txt", "w")); f:write("one\ntwo\n"); f:close()
local n = 0
for _ in io.lines("/tmp/lua.txt") do n = n + 1 end
print(n, "lines")
