-- Argo CD health check for pinhole.dev/Client (install: deploy/argocd/argocd-cm-patch.yaml).
-- Self-contained on purpose: Argo CD loads each health script alone (no require), so the condition helpers
-- are repeated in the other scripts of this folder.
-- Argo CD's Lua sandbox has only the base and table libraries (no string, no math): plain Lua 5.1 below.
--   Degraded     Admitted=False for the current spec: no AppConnector selects it (NoConnector), or one refused
--                it (GroupNotAllowed, KeyInUse, AddressConflict, ConnectorFull, ...): the message names why
--   Progressing  no status yet, or the condition is older than the spec
--   Healthy      Admitted=True: status.connectors[] holds the address and the wg-quick file per connector
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

local admitted = find("Admitted")
if admitted == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for an AppConnector to admit this Client"
  return hs
end

if generation ~= nil and admitted.observedGeneration ~= nil and admitted.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
      .. " (Admitted describes generation " .. tostring(admitted.observedGeneration) .. ")"
  return hs
end

if admitted.status == "True" then
  hs.status = "Healthy"
else
  hs.status = "Degraded"
end
hs.message = describe(admitted)
return hs
