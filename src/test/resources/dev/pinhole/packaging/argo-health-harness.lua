-- Runs an Argo CD health script the way Argo CD's Lua VM does, under Lua 5.1:
--   lua5.1 argo-health-harness.lua SCRIPT OBJECT
-- OBJECT is a Lua file returning the resource as a table (ArgoHealthLuaTest renders it from JSON). The script
-- sees the global `obj` and only what Argo CD opens: the base and table libraries and a safe os (no string,
-- math, io or debug library, and no string methods). Prints "status" and "message" on two lines; exits 3 when
-- the script fails and 4 when it returns something other than a table.
local scriptFile, objectFile = arg[1], arg[2]
local object = dofile(objectFile)
local chunk, loadError = loadfile(scriptFile)
local stdout, stderr, exit = io.stdout, io.stderr, os.exit
if chunk == nil then
  stderr:write(tostring(loadError), "\n")
  exit(2)
end

local env = {}
for _, name in ipairs({ "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "print",
    "rawequal", "rawget", "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack",
    "xpcall", "_VERSION" }) do
  env[name] = _G[name]
end
env.table = table
env.os = { clock = os.clock, date = os.date, difftime = os.difftime, time = os.time }
env._G = env
env.obj = object
setfenv(chunk, env)
-- gopher-lua without its string library has no string metatable: ("x"):sub(1) fails there, so here too.
debug.setmetatable("", nil)

local ok, hs = pcall(chunk)
if not ok then
  stderr:write("script failed: ", tostring(hs), "\n")
  exit(3)
end
if type(hs) ~= "table" then
  stderr:write("script returned ", type(hs), ", not a table\n")
  exit(4)
end
stdout:write(tostring(hs.status), "\n", tostring(hs.message), "\n")
exit(0)
