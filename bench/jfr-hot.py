#!/usr/bin/env python3
"""bench/jfr-hot.py FILE.jfr [N]: per thread, samples and top self / inclusive methods (jdk.ExecutionSample + NativeMethodSample)."""
import json, subprocess, sys, collections
f = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 12
import os
J = os.environ.get("BENCH_JDK25", "/usr/lib/jvm/temurin-25-jdk-amd64") + "/bin/jfr"
out = subprocess.run([J, "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample,jdk.NativeMethodSample", f],
                     capture_output=True, text=True, check=True).stdout
events = json.loads(out)["recording"]["events"]
per = collections.defaultdict(lambda: [0, collections.Counter(), collections.Counter(), 0])
for e in events:
    v = e["values"]
    t = (v.get("sampledThread") or {}).get("javaName") or "?"
    frames = (v.get("stackTrace") or {}).get("frames") or []
    native = e["type"] == "jdk.NativeMethodSample"
    p = per[t]
    p[0] += 1
    if native: p[3] += 1
    names = []
    for fr in frames:
        m = fr["method"]; names.append(m["type"]["name"].split(".")[-1] + "." + m["name"])
    if names:
        p[1][("[native] " if native else "") + names[0]] += 1
        for nm in set(names): p[2][nm] += 1
for t, (cnt, self_, incl, nat) in sorted(per.items(), key=lambda kv: -kv[1][0]):
    if cnt < 20: continue
    print(f"== {t}: {cnt} samples ({nat} native)")
    print("   self:", "; ".join(f"{k} {100*c/cnt:.0f}%" for k, c in self_.most_common(n)))
    print("   incl:", "; ".join(f"{k} {100*c/cnt:.0f}%" for k, c in incl.most_common(n + 8)))
