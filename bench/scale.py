#!/usr/bin/env python3
"""Scale benchmark of the Pinhole operator (driven by bench/scale.sh; see docs/scale.md).

Applies N AppConnectors and M IPSets at once to a running local cluster (test/cluster/up.sh), with the operator
jar running as a local process under its production identity (deploy/'s ServiceAccount and RBAC, token auth), and
measures: time until all are Ready, operator CPU seconds and peak RSS, the operator's API requests (the API
server's audit log, which up.sh enables for service accounts in pinhole-system only), requests per reconcile,
the CPU of every control-plane process, then a quiet minute in which the operator must write nothing.
"""
import argparse
import base64
import collections
import csv
import json
import os
import pathlib
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

CLK_TCK = os.sysconf("SC_CLK_TCK")
COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}
NAT_LABEL = "pinhole.dev/egress"


def log(msg):
    print(f"scale: {msg}", file=sys.stderr, flush=True)


class Api:
    """Minimal API client with the admin kubeconfig's client certificate (no third-party packages needed)."""

    def __init__(self, kubeconfig):
        cfg = yaml.safe_load(pathlib.Path(kubeconfig).read_text())
        ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == cfg["current-context"])
        cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"])
        self.server = cluster["server"]
        self.ca = base64.b64decode(cluster["certificate-authority-data"])
        self._dir = tempfile.mkdtemp(prefix="pinhole-scale-")
        cert, key = pathlib.Path(self._dir, "c.crt"), pathlib.Path(self._dir, "c.key")
        cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
        key.write_bytes(base64.b64decode(user["client-key-data"]))
        key.chmod(0o600)
        self.ssl = ssl.create_default_context(cadata=self.ca.decode())
        self.ssl.load_cert_chain(str(cert), str(key))

    def get(self, path, accept="application/json"):
        req = urllib.request.Request(self.server + path, headers={"Accept": accept})
        with urllib.request.urlopen(req, context=self.ssl, timeout=60) as r:
            body = r.read()
        return body if accept == "text/plain" else json.loads(body)

    def ready_counts(self, plural, selector):
        """(total, ready) from one server-side Table list: the API server renders only the printer columns."""
        table = self.get(f"/apis/pinhole.dev/v1alpha1/{plural}?labelSelector={selector}",
                         accept="application/json;as=Table;v=v1;g=meta.k8s.io")
        col = [c["name"] for c in table["columnDefinitions"]].index("Ready")
        rows = table.get("rows") or []
        return len(rows), sum(1 for r in rows if r["cells"][col] == "True")


def kubectl(*args, stdin=None, check=True):
    r = subprocess.run(["kubectl", *args], input=stdin, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime, stime (fields 14, 15 of stat)


def status_kib(pid, key):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def component_pids(state):
    pids = {}
    for c in COMPONENTS:
        f = pathlib.Path(state, "pids", f"{c}.pid")
        if f.exists():
            pids[c] = int(f.read_text().split()[0])
    return pids


def loadavg():
    return pathlib.Path("/proc/loadavg").read_text().split()[:3]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prom_samples(text, prefix):
    """{series: value} for every sample line starting with prefix."""
    out = {}
    for line in text.splitlines():
        if line.startswith(prefix):
            series, value = line.rsplit(" ", 1)
            out[series] = float(value)
    return out


def label(series, name):
    m = re.search(name + r'="([^"]*)"', series)
    return m.group(1) if m else ""


# ---------------------------------------------------------------------------------------------------- manifests
def manifests(run, connectors, ipsets, namespaces):
    """Objects spread round-robin over the namespaces. Every 10th IPSet is a leaf with addresses; the others include
    a leaf and add literal addresses, every 4th also selects AppConnectors by label; a third of the connectors route
    an IPSet. Connectors: 1 replica, 1-2 clients, NodePort or LoadBalancer (both publish NAT-node endpoints here)."""
    labels = {"pinhole.dev/bench": run}
    docs = []
    for i in range(ipsets):
        ns = f"{run}-{i % namespaces}"
        k = i // namespaces           # index within its namespace
        spec = {"addresses": [f"198.51.100.{k % 250}", f"192.0.2.{k % 200}-192.0.2.{k % 200 + 5}",
                              f"2001:db8:{k:x}::/64"]}
        if k % 10 != 0:
            spec["include"] = [{"name": f"set-{(k // 10) * 10}"}]
            spec["exclude"] = [f"192.0.2.{k % 200 + 1}"]
        if k % 4 == 1:
            spec["appConnectors"] = {"matchLabels": {"team": f"t{k % 7}"}}
        docs.append({"apiVersion": "pinhole.dev/v1alpha1", "kind": "IPSet",
                     "metadata": {"name": f"set-{k}", "namespace": ns, "labels": labels}, "spec": spec})
    leaves_per_ns = max(1, -(-(ipsets // namespaces) // 10))   # set-0, set-10, ... exist in every namespace
    for i in range(connectors):
        ns = f"{run}-{i % namespaces}"
        k = i // namespaces
        clients = [{"name": "laptop", "publicKey": "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
                    "address": "100.96.0.2/32"}]
        if k % 2:
            clients.append({"name": "phone", "publicKey": "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=",
                            "address": "100.96.0.3/32"})
        routes = {"cidrs": [f"203.0.113.{(k % 8) * 16}/28"]}
        if k % 3 == 0 and ipsets:
            routes["ipSets"] = [{"name": f"set-{(k % leaves_per_ns) * 10}"}]
        docs.append({"apiVersion": "pinhole.dev/v1alpha1", "kind": "AppConnector",
                     "metadata": {"name": f"conn-{k}", "namespace": ns, "labels": {**labels, "team": f"t{k % 7}"}},
                     "spec": {"domains": [f"app{k}.example.com", f"*.app{k}.example.com"], "routes": routes,
                              "clients": clients, "tunnel": {"address": "100.96.0.1/24"},
                              "service": {"type": "NodePort" if k % 2 else "LoadBalancer"},
                              "egress": {"elasticIP": "203.0.113.10", "natGateway": {
                                  "nodeSelector": {NAT_LABEL: "nat-gateway"},
                                  "tolerations": [{"key": NAT_LABEL, "operator": "Equal", "value": "nat-gateway",
                                                   "effect": "NoSchedule"}]}},
                              "replicas": 1}})
    return docs


def bench_nodes(count, pods_per_node):
    docs = []
    for i in range(count):
        name = f"pinhole-bench-nat-{i}"
        docs.append({"apiVersion": "v1", "kind": "Node", "metadata": {
            "name": name, "annotations": {"node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake"},
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "type": "kwok",
                       "pinhole.dev/bench-node": "true", NAT_LABEL: "nat-gateway"}},
            "spec": {"taints": [{"key": NAT_LABEL, "value": "nat-gateway", "effect": "NoSchedule"}]},
            "status": {"allocatable": {"cpu": "64", "memory": "256Gi", "pods": str(pods_per_node)},
                       "capacity": {"cpu": "64", "memory": "256Gi", "pods": str(pods_per_node)},
                       "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux",
                                    "kubeletVersion": "fake", "kubeProxyVersion": "fake"},
                       # 198.18.0.0/15: a benchmarking range, never routed anywhere.
                       "addresses": [{"type": "InternalIP", "address": f"198.18.101.{10 + i}"},
                                     {"type": "Hostname", "address": name}]}})
    return docs


def apply_parallel(docs, workdir, parallel, field_manager):
    chunks = [docs[i::parallel] for i in range(parallel)]
    procs = []
    for i, chunk in enumerate(chunks):
        f = pathlib.Path(workdir, f"apply-{i}.yaml")
        f.write_text(yaml.safe_dump_all(chunk))
        procs.append(subprocess.Popen(["kubectl", "apply", "--server-side", "--force-conflicts",
                                       f"--field-manager={field_manager}", "-f", str(f)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"kubectl apply failed: {err.strip()[:2000]}")


def wait_still(read, quiet=10, limit=120):
    """Polls read() once a second until its value has not changed for `quiet` s (at most `limit` s); returns the
    time of the last change."""
    start = last_change = time.time()
    last = read()
    while time.time() - last_change < quiet and time.time() - start < limit:
        time.sleep(1)
        now = read()
        if now != last:
            last, last_change = now, time.time()
    return last_change


# ----------------------------------------------------------------------------------------------------- operator
class Operator:
    def __init__(self, jar, kubeconfig, java_opts, logfile, env_extra):
        self.port = free_port()
        env = dict(os.environ, KUBECONFIG=kubeconfig, QUARKUS_HTTP_PORT=str(self.port),
                   PINHOLE_OPERATOR_PROBE_CONNECTORS="false", **env_extra)
        self.log = open(logfile, "w")
        self.proc = subprocess.Popen(["java", *java_opts.split(), "-jar", jar], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return r.read().decode()

    def wait_ready(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"operator exited with {self.proc.returncode}; see {self.log.name}")
            try:
                self.get("/q/health/ready")
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("operator not ready in time")

    def counters(self):
        text = self.get("/q/metrics")
        writes = prom_samples(text, "pinhole_child_writes_total") | prom_samples(text, "pinhole_status_writes_total")
        reconciles = prom_samples(text, "pinhole_reconcile_seconds_count")
        return writes, reconciles

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def live_set(pid, results):
    """The heap's live set after convergence (jcmd GC.class_histogram: a full GC first), written to histogram.txt
    with the native memory summary when NMT is on; MiB, or None without jcmd. Taken after VmHWM is read."""
    jcmd = shutil.which("jcmd")
    if not jcmd:
        return None
    out = subprocess.run([jcmd, str(pid), "GC.class_histogram"], capture_output=True, text=True).stdout
    nmt = subprocess.run([jcmd, str(pid), "VM.native_memory", "summary"], capture_output=True, text=True).stdout
    (results / "histogram.txt").write_text("\n".join(out.splitlines()[:60]) + "\n\n" + nmt)
    total = re.search(r"^Total\s+\d+\s+(\d+)", out, re.M)
    return round(int(total.group(1)) / 2**20, 1) if total else None


def operator_kubeconfig(api, path):
    """A kubeconfig with a token of deploy/'s pinhole-operator ServiceAccount: the operator runs with its real RBAC."""
    for f in ("namespace.yaml", "serviceaccount.yaml", "rbac.yaml"):
        kubectl("apply", "--server-side", "--force-conflicts", "-n", "pinhole-system", "-f", f"deploy/{f}")
    token = kubectl("create", "token", "pinhole-operator", "-n", "pinhole-system", "--duration=4h").strip()
    pathlib.Path(path).write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "op",
        "clusters": [{"name": "c", "cluster": {"server": api.server,
                                               "certificate-authority-data": base64.b64encode(api.ca).decode()}}],
        "users": [{"name": "op", "user": {"token": token}}],
        "contexts": [{"name": "op", "context": {"cluster": "c", "user": "op"}}]}))
    os.chmod(path, 0o600)


# ------------------------------------------------------------------------------------------------------- audit
OPERATOR_USER_PREFIX = "system:serviceaccount:pinhole-system:"


class AuditLog:
    """The operator's requests, read from the API server's audit log past a given offset."""

    def __init__(self, path):
        self.path = pathlib.Path(path)

    def offset(self):
        return self.path.stat().st_size if self.path.exists() else 0

    def requests(self, start, end):
        counts = collections.Counter()
        if not self.path.exists():
            return counts
        with self.path.open("rb") as f:
            f.seek(start)
            data = f.read(end - start)
        for line in data.splitlines():
            e = json.loads(line)
            # up.sh audits every service account outside kube-system; count only the operator's (deploy/'s identity).
            if not (e.get("user") or {}).get("username", "").startswith(OPERATOR_USER_PREFIX):
                continue
            ref = e.get("objectRef") or {}
            resource = ref.get("resource", e.get("requestURI", "?").split("?")[0])
            if ref.get("subresource"):
                resource += "/" + ref["subresource"]
            code = (e.get("responseStatus") or {}).get("code", 0)
            counts[(e["verb"], resource, code)] += 1
        return counts


def summarize_requests(counts):
    by = collections.Counter()
    for (verb, resource, _), n in counts.items():
        by[(verb, resource)] += n
    writes = sum(n for (verb, _), n in by.items() if verb in WRITE_VERBS)
    conflicts = sum(n for (_, _, code), n in counts.items() if code == 409)
    return by, sum(by.values()), writes, conflicts


# -------------------------------------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connectors", type=int, default=1000)
    ap.add_argument("--ipsets", type=int, default=1000)
    ap.add_argument("--namespaces", type=int, default=4)
    ap.add_argument("--state", required=True, help="the cluster's state dir (PINHOLE_CLUSTER_DIR)")
    ap.add_argument("--jar", default="target/quarkus-app/quarkus-run.jar")
    ap.add_argument("--java-opts", default="-Xmx384m -XX:+ExitOnOutOfMemoryError")
    ap.add_argument("--operator-env", action="append", default=[], help="NAME=VALUE for the operator")
    ap.add_argument("--results", required=True)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--quiet", type=int, default=60)
    ap.add_argument("--apply-parallel", type=int, default=4)
    ap.add_argument("--pods-per-node", type=int, default=250)
    ap.add_argument("--keep", action="store_true", help="keep namespaces and bench nodes afterwards")
    a = ap.parse_args()

    results = pathlib.Path(a.results)
    results.mkdir(parents=True, exist_ok=True)
    run = "scale-" + time.strftime("%H%M%S")
    api = Api(os.environ["KUBECONFIG"])
    audit = AuditLog(pathlib.Path(a.state, "logs", "audit.log"))
    if not audit.path.exists():
        log(f"warning: {audit.path} missing (cluster started by an older up.sh?): no per-request counts")
    pids = component_pids(a.state)

    kubectl("apply", "--server-side", "--force-conflicts", "-f", "crds/")
    kubectl("wait", "--for=condition=Established", "crd/appconnectors.pinhole.dev", "crd/ipsets.pinhole.dev")
    op_kubeconfig = str(results / "operator.kubeconfig")
    operator_kubeconfig(api, op_kubeconfig)
    nodes_needed = max(0, -(-a.connectors // a.pods_per_node))
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all(bench_nodes(nodes_needed, a.pods_per_node)) or "")
    for i in range(a.namespaces):
        kubectl("create", "namespace", f"{run}-{i}")

    env_extra = dict(e.split("=", 1) for e in a.operator_env)
    operator = Operator(a.jar, op_kubeconfig, a.java_opts, results / "operator.log", env_extra)
    timeline = []
    try:
        operator.wait_ready(timeout=600)
        time.sleep(3)   # informers synced on an empty run; idle baseline
        docs = manifests(run, a.connectors, a.ipsets, a.namespaces)
        selector = f"pinhole.dev/bench={run}"

        def sample(phase):
            procs = {"operator": operator.pid, **pids}
            s = {"t": round(time.time() - t0, 1), "phase": phase, "load1": loadavg()[0],
                 "operator_rss_mib": round(status_kib(operator.pid, "VmRSS") / 1024, 1)}
            for name, pid in procs.items():
                s[f"cpu_{name}"] = round(cpu_seconds(pid), 2)
            return s

        t0 = time.time()
        base = sample("start")
        base_writes, base_reconciles = operator.counters()
        base_metrics = prom_samples(api.get("/metrics", accept="text/plain").decode(), "apiserver_request_total{")
        audit_start = audit.offset()
        log(f"applying {a.connectors} AppConnectors and {a.ipsets} IPSets in {a.namespaces} namespaces ({run})")
        apply_parallel(docs, results, a.apply_parallel, "bench")
        applied_at = time.time() - t0
        log(f"applied in {applied_at:.1f} s")
        ready_ipsets_at = ready_connectors_at = None
        while time.time() - t0 < a.timeout:
            n_c, r_c = api.ready_counts("appconnectors", selector)
            n_i, r_i = api.ready_counts("ipsets", selector)
            s = sample("converge")
            s.update(connectors_ready=r_c, ipsets_ready=r_i)
            timeline.append(s)
            if ready_ipsets_at is None and r_i == a.ipsets:
                ready_ipsets_at = s["t"]
            if r_c == a.connectors and ready_connectors_at is None:
                ready_connectors_at = s["t"]
            if ready_ipsets_at is not None and ready_connectors_at is not None:
                break
            if len(timeline) % 5 == 0:
                log(f"t={s['t']}s ready: {r_c}/{a.connectors} AppConnectors, {r_i}/{a.ipsets} IPSets, "
                    f"load {s['load1']}, operator RSS {s['operator_rss_mib']} MiB")
            time.sleep(2)
        converged = sample("converged")
        conv_writes, conv_reconciles = operator.counters()
        conv_metrics = prom_samples(api.get("/metrics", accept="text/plain").decode(), "apiserver_request_total{")
        audit_converged = audit.offset()

        # Settle: the last status writes can trail the Ready count by a moment (bounded; a write loop shows here).
        wait_still(lambda: operator.counters()[0], limit=120)
        quiet_start_writes, quiet_start_reconciles = operator.counters()
        quiet_audit_start = audit.offset()
        q0 = sample("quiet-start")
        log(f"quiet minute: watching the operator for {a.quiet} s")
        time.sleep(a.quiet)
        q1 = sample("quiet-end")
        quiet_end_writes, quiet_end_reconciles = operator.counters()
        quiet_audit = audit.requests(quiet_audit_start, audit.offset())
        timeline.extend([converged, q0, q1])
        peak_rss = status_kib(operator.pid, "VmHWM") / 1024
        threads = status_kib(operator.pid, "Threads")
        live_heap_mib = live_set(operator.pid, results)

        # Restart, as an upgrade does: a new process re-reads everything (every object is an informer "add" and is
        # reconciled once) and must find nothing to write. Its counters start at zero.
        operator.stop()
        restart_audit_start = audit.offset()
        log("restart: a new operator process; waiting until its reconciles stand still for 10 s")
        r0 = time.time()
        operator = Operator(a.jar, op_kubeconfig, a.java_opts, results / "operator-restarted.log", env_extra)
        # It syncs every informer before it reports ready: on a loaded machine that took over 120 s.
        operator.wait_ready(timeout=600)
        restart_settled_s = wait_still(operator.counters, limit=300) - r0
        restart_writes, restart_reconciles = operator.counters()
        # The restarted process re-lists every object at once: its peak can exceed the first process's.
        restart_peak_rss = status_kib(operator.pid, "VmHWM") / 1024
        restart_audit = audit.requests(restart_audit_start, audit.offset())
    finally:
        operator.stop()
        if not a.keep:
            for i in range(a.namespaces):
                kubectl("delete", "namespace", f"{run}-{i}", "--wait=false", check=False)
            kubectl("delete", "node", "-l", "pinhole.dev/bench-node=true", "--wait=false", check=False)

    # ------------------------------------------------------------------------------------------------ report
    def delta(after, before):
        return sum(after.values()) - sum(before.values())

    conv_counts = audit.requests(audit_start, audit_converged)
    by, total, writes, conflicts = summarize_requests(conv_counts)
    q_by, q_total, q_writes, _ = summarize_requests(quiet_audit)
    r_by, r_total, r_writes, _ = summarize_requests(restart_audit)
    restart_write_counters = sum(restart_writes.values())
    reconciles = delta(conv_reconciles, base_reconciles)
    reconciles_by_kind = collections.Counter()
    for k, v in conv_reconciles.items():
        reconciles_by_kind[label(k, "kind") + ("" if label(k, "outcome") == "success" else " " + label(k, "outcome"))] \
            += v - base_reconciles.get(k, 0)
    quiet_writes_operator = delta(quiet_end_writes, quiet_start_writes)
    cluster_requests = collections.Counter()
    for series, v in conv_metrics.items():
        key = (label(series, "verb"), label(series, "resource") + (
            "/" + label(series, "subresource") if label(series, "subresource") else ""))
        cluster_requests[key] += v - base_metrics.get(series, 0)
    duration = converged["t"]
    cpu = {name: round(converged[f"cpu_{name}"] - base[f"cpu_{name}"], 1)
           for name in ["operator", *pids.keys()]}

    rows = [
        ("objects", f"{a.connectors} AppConnectors + {a.ipsets} IPSets in {a.namespaces} namespaces"),
        ("apply (4 parallel kubectl SSA)", f"{applied_at:.1f} s"),
        ("all IPSets Ready", f"{ready_ipsets_at} s" if ready_ipsets_at is not None else "NOT within timeout"),
        ("all AppConnectors Ready", f"{ready_connectors_at} s" if ready_connectors_at is not None
         else f"NOT within {a.timeout} s"),
        ("load average at start / converged", f"{base['load1']} / {converged['load1']}"),
        ("operator CPU until converged", f"{cpu['operator']} s"),
        ("operator peak RSS (VmHWM)", f"{peak_rss:.0f} MiB ({threads:.0f} threads after the quiet minute)"),
        ("operator live heap after convergence", f"{live_heap_mib} MiB (histogram.txt)"),
        ("control-plane CPU until converged", ", ".join(f"{k} {v} s" for k, v in cpu.items() if k != "operator")),
        ("reconciles", f"{reconciles:.0f} ({', '.join(f'{k} {v:.0f}' for k, v in reconciles_by_kind.items())})"),
        ("operator API requests (audit)", f"{total} ({writes} writes, {conflicts} conflicts 409)"),
        ("requests per reconcile", f"{total / reconciles:.2f}" if reconciles else "-"),
        ("all API requests in the cluster", f"{sum(cluster_requests.values()):.0f}"),
        ("quiet minute: operator write counters", f"{quiet_writes_operator:.0f}"),
        ("quiet minute: operator writes (audit)", f"{q_writes} (of {q_total} requests)"),
        ("quiet minute: reconciles", f"{delta(quiet_end_reconciles, quiet_start_reconciles):.0f}"),
        ("after an operator restart: settled in", f"{restart_settled_s:.1f} s"),
        ("after an operator restart: peak RSS (VmHWM)", f"{restart_peak_rss:.0f} MiB"),
        ("after an operator restart: reconciles", f"{sum(restart_reconciles.values()):.0f}"),
        ("after an operator restart: writes (counters / audit)",
         f"{restart_write_counters:.0f} / {r_writes} (of {r_total} requests)"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    lines.append("")
    lines.append("operator requests by verb and resource (until converged):")
    for (verb, resource), n in sorted(by.items(), key=lambda x: -x[1]):
        lines.append(f"  {verb:8} {resource:40} {n}")
    lines.append("")
    lines.append("all API requests by verb and resource (apiserver_request_total, top 15):")
    for (verb, resource), n in cluster_requests.most_common(15):
        lines.append(f"  {verb:8} {resource:40} {n:.0f}")
    if r_writes:
        lines.append("")
        lines.append("after the restart, operator requests:")
        for (verb, resource), n in sorted(r_by.items(), key=lambda x: -x[1]):
            lines.append(f"  {verb:8} {resource:40} {n}")
    if q_by:
        lines.append("")
        lines.append("quiet minute, operator requests:")
        for (verb, resource), n in sorted(q_by.items(), key=lambda x: -x[1]):
            lines.append(f"  {verb:8} {resource:40} {n}")
    report = "\n".join(lines)
    print(report)
    (results / "summary.txt").write_text(report + "\n")
    with (results / "timeline.csv").open("w", newline="") as f:
        keys = sorted({k for s in timeline for k in s})
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(timeline)
    (results / "summary.json").write_text(json.dumps({
        "connectors": a.connectors, "ipsets": a.ipsets, "namespaces": a.namespaces,
        "apply_s": applied_at, "ipsets_ready_s": ready_ipsets_at, "connectors_ready_s": ready_connectors_at,
        "cpu_s": cpu, "operator_peak_rss_mib": peak_rss, "operator_live_heap_mib": live_heap_mib,
        "operator_threads": threads, "restart_peak_rss_mib": restart_peak_rss, "reconciles": reconciles,
        "reconciles_by_kind": reconciles_by_kind, "operator_requests": total, "operator_writes": writes,
        "operator_conflicts": conflicts, "quiet_operator_write_counters": quiet_writes_operator,
        "quiet_operator_audit_writes": q_writes, "restart_settled_s": restart_settled_s,
        "restart_reconciles": sum(restart_reconciles.values()), "restart_write_counters": restart_write_counters,
        "restart_audit_writes": r_writes, "load_start": base["load1"], "load_converged": converged["load1"],
        "operator_requests_by": {f"{v} {r}": n for (v, r), n in by.items()},
        "cluster_requests_by": {f"{v} {r}": n for (v, r), n in cluster_requests.items()},
        "java_opts": a.java_opts, "operator_env": env_extra}, indent=1))
    ok = (ready_connectors_at is not None and ready_ipsets_at is not None and quiet_writes_operator == 0
          and q_writes == 0 and restart_write_counters == 0 and r_writes == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
