-- Argo CD health check for pinhole.dev/AppConnector (install: deploy/argocd/argocd-cm-patch.yaml).
-- Self-contained on purpose: Argo CD loads each health script alone (no require), so the condition helpers
-- are repeated in the other script of this folder.
-- Argo CD's Lua sandbox has only the base and table libraries (no string, no math): plain Lua 5.1 below.
--   Degraded     Degraded=True for the current spec (invalid spec, IPSet route not Ready, replicas missing after
--                a rollout, apply failed), or EgressVerified=False (pods see another egress IP)
--   Progressing  no status yet, status older than the spec, a rollout under way, or egress not yet checked
--                while spec.egress.verify.enforce holds traffic back
--   Suspended    spec.replicas is 0
--   Healthy      Ready=True, nothing rolling out, egress verified or not requested
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

local function enforced()
  local spec = obj.spec
  if spec == nil or spec.egress == nil or spec.egress.verify == nil then
    return false
  end
  return spec.egress.verify.enforce ~= false
end

if status == nil or status.conditions == nil or #status.conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the Pinhole operator to reconcile this AppConnector"
  return hs
end

local degraded = find("Degraded")
if current(degraded) and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(degraded)
  return hs
end

if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
      .. " (status describes generation " .. tostring(status.observedGeneration or "none") .. ")"
  return hs
end

local ready = find("Ready")
if not current(ready) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report the Ready condition"
  return hs
end
if ready.status == "False" and ready.reason == "ScaledToZero" then
  hs.status = "Suspended"
  hs.message = describe(ready)
  return hs
end

local progressing = find("Progressing")
if current(progressing) and progressing.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(progressing)
  return hs
end
if ready.status ~= "True" then
  hs.status = "Progressing"
  hs.message = describe(ready)
  return hs
end

local egress = find("EgressVerified")
if current(egress) then
  if egress.status == "False" then
    hs.status = "Degraded"
    hs.message = "egress " .. describe(egress)
    return hs
  end
  -- With enforce, a pod is Ready only once its egress is verified, so Unknown lasts until the next report.
  if egress.status == "Unknown" and egress.reason == "AwaitingDataPlane" and enforced() then
    hs.status = "Progressing"
    hs.message = "egress " .. describe(egress)
    return hs
  end
end

hs.status = "Healthy"
hs.message = describe(ready)
if current(egress) then
  hs.message = hs.message .. "; egress " .. describe(egress)
end
return hs
