-- Argo CD health check for pinhole.dev/IPSet (install: deploy/argocd/argocd-cm-patch.yaml).
-- Self-contained on purpose: Argo CD loads each health script alone (no require), so the condition helpers
-- are repeated in the other script of this folder.
-- Argo CD's Lua sandbox has only the base and table libraries (no string, no math): plain Lua 5.1 below.
--   Degraded     Invalid=True or Ready=False for the current spec (InvalidEntry, UnknownReference, IncludeCycle);
--                status.cidrs is then empty: nothing stale is published
--   Progressing  no status yet, or status older than the spec
--   Healthy      Ready=True: status.cidrs is the allowlist for the current spec
local hs = {}
local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
local status = obj.status

local function find(kind)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

-- A condition written for an older spec says nothing about the current one.
local function current(c)
  if c == nil then
    return false
  end
  return generation == nil or c.observedGeneration == nil or c.observedGeneration >= generation
end

local function describe(c)
  local text = ""
  if c.reason ~= nil and c.reason ~= "" then
    text = c.reason
  end
  if c.message ~= nil and c.message ~= "" then
    if text ~= "" then
      text = text .. ": "
    end
    text = text .. c.message
  end
  return text
end

if status == nil or status.conditions == nil or #status.conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the Pinhole operator to resolve this IPSet"
  return hs
end

if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
      .. " (status describes generation " .. tostring(status.observedGeneration or "none") .. ")"
  return hs
end

local invalid = find("Invalid")
if current(invalid) and invalid.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(invalid)
  return hs
end

local ready = find("Ready")
if current(ready) and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready)
  return hs
end
if current(ready) and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

hs.status = "Progressing"
hs.message = "Waiting for the operator to report the Ready condition"
return hs
