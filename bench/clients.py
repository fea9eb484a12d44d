#!/usr/bin/env python3
"""Issue 17's Client benchmark, operator and connector in one run (driven by bench/clients.sh; docs/scale.md).

1. One AppConnector with clientSources on a /16 tunnel network; N Client objects (real X25519 keys generated here,
   spread over namespaces, groups and labels) created at a bounded concurrency; measures the time until all are
   Admitted=True with an address, the operator's reconciles (count, time) and status writes, its peak and settled
   RSS, and the ConfigMaps it rendered (main config + peer shards: count and sizes).
2. The real connector process (the jar, the pod's JVM options) in a network namespace of its own, fed with the very
   ConfigMaps and Secret the operator wrote, projected into its config directory the way the kubelet does (a new
   timestamped directory, then an atomic rename of the `..data` symlink; the files are symlinks through `..data`).
   Its heap after GC and RSS with no client and with N idle peers (bytes per idle peer).
3. The last PROBES Clients one at a time: object created -> its status carries its config -> the ConfigMap (main or
   shard) with its key projected -> the connector's /status configDigest changed -> a real handshake from that key
   accepted (dev.pinhole.bench.HandshakeProbe, retrying every 100 ms from the moment the object is created).
   Medians and max; connector RSS after the handshakes.

Reuses bench/scale.py's API client, operator start (deploy/'s ServiceAccount and RBAC, token auth) and samplers.
"""
import argparse
import base64
import collections
import hashlib
import http.client
import importlib.util
import json
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

import yaml

HERE = pathlib.Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("scale", HERE / "scale.py")
scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scale)

CONNECTOR = "bench"                        # the AppConnector's name
GROUPS = ["g0", "g1", "g2", "g3"]
_cs = importlib.util.spec_from_file_location("connector_start", HERE / "connector-start.py")
connector_start = importlib.util.module_from_spec(_cs)
_cs.loader.exec_module(connector_start)
# The pod's JVM options (DesiredDeployment.CONNECTOR_JAVA_OPTS, kept in bench/connector-start.py) inside its 384Mi
# limit.
CONNECTOR_JAVA_OPTS = "-XX:MaxRAM=384m " + connector_start.RENDERED_OPTS


def log(msg):
    print(f"clients: {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------------- keys
def keypairs(n):
    """n (private, public) X25519 pairs in base64, as wg genkey / wg pubkey print them."""
    try:
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
        from cryptography.hazmat.primitives import serialization as s
        out = []
        for _ in range(n):
            k = X25519PrivateKey.generate()
            raw = k.private_bytes(s.Encoding.Raw, s.PrivateFormat.Raw, s.NoEncryption())
            pub = k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
            out.append((base64.b64encode(raw).decode(), base64.b64encode(pub).decode()))
        return out
    except ImportError:   # wireguard-tools (.ci/install-deps installs it): slower, one process per key
        out = []
        for _ in range(n):
            priv = subprocess.run(["wg", "genkey"], capture_output=True, text=True, check=True).stdout.strip()
            pub = subprocess.run(["wg", "pubkey"], input=priv, capture_output=True, text=True,
                                 check=True).stdout.strip()
            out.append((priv, pub))
        return out


# -------------------------------------------------------------------------------------------------------- API
class Conn:
    """One keep-alive HTTPS connection with the admin client certificate (one per thread)."""

    def __init__(self, api):
        u = urllib.parse.urlparse(api.server)
        self.api, self.host, self.port = api, u.hostname, u.port
        self.c = None

    def request(self, method, path, body=None, content_type="application/json", accept="application/json"):
        for attempt in range(3):
            try:
                if self.c is None:
                    self.c = http.client.HTTPSConnection(self.host, self.port, context=self.api.ssl, timeout=60)
                headers = {"Accept": accept}
                if body is not None:
                    headers["Content-Type"] = content_type
                self.c.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
                r = self.c.getresponse()
                data = r.read()
                return r.status, (json.loads(data) if data and accept == "application/json" else data)
            except (OSError, http.client.HTTPException):
                self.c = None
                if attempt == 2:
                    raise
                time.sleep(0.2)


def client_object(run, ns, name, public_key, group):
    return {"apiVersion": "pinhole.dev/v1alpha1", "kind": "Client",
            "metadata": {"name": name, "namespace": ns,
                         "labels": {"pinhole.dev/bench": run, "pinhole.dev/connector": CONNECTOR}},
            "spec": {"publicKey": public_key, "groups": [group]}}


def connector_object(run, ns):
    return {"apiVersion": "pinhole.dev/v1alpha1", "kind": "AppConnector",
            "metadata": {"name": CONNECTOR, "namespace": ns, "labels": {"pinhole.dev/bench": run}},
            "spec": {"domains": [f"app{i}.example.com" for i in range(len(GROUPS))],
                     "routes": {"cidrs": ["203.0.113.0/28"]},
                     "clientSources": [{"namespaces": {"from": "Selector", "selector": {
                         "matchLabels": {"pinhole.dev/bench-clients": run}}},
                         "clientSelector": {"matchLabels": {"pinhole.dev/connector": CONNECTOR}},
                         "allowedGroups": GROUPS, "defaultGroups": ["everyone"]}],
                     "access": [{"name": f"app{i}", "groups": [g], "domains": [f"app{i}.example.com"]}
                                for i, g in enumerate(GROUPS)],
                     "tunnel": {"address": "100.96.0.1/16"},
                     "service": {"type": "NodePort"},
                     "egress": {"elasticIP": "203.0.113.10", "natGateway": {
                         "nodeSelector": {scale.NAT_LABEL: "nat-gateway"},
                         "tolerations": [{"key": scale.NAT_LABEL, "operator": "Equal", "value": "nat-gateway",
                                          "effect": "NoSchedule"}]}},
                     "replicas": 1}}


def create_all(api, objs, concurrency, created_at):
    """POSTs every Client with `concurrency` connections; records each one's creation time (after the 201)."""
    queue = collections.deque(objs)
    lock = threading.Lock()
    errors = []

    def worker():
        conn = Conn(api)
        while True:
            with lock:
                if not queue:
                    return
                o = queue.popleft()
            ns, name = o["metadata"]["namespace"], o["metadata"]["name"]
            for _ in range(20):
                status, body = conn.request("POST", f"/apis/pinhole.dev/v1alpha1/namespaces/{ns}/clients", o)
                if status == 429 or status >= 500:   # the API server asks to slow down: back off, try again
                    time.sleep(0.5)
                    continue
                break
            if status != 201:
                errors.append(f"{ns}/{name}: HTTP {status} {str(body)[:300]}")
            created_at[f"{ns}/{name}"] = time.time()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} creates failed, first: {errors[0]}")


def admitted_rows(api, selector):
    """{namespace/name: address} of the Clients with Admitted=True and an address (one server-side Table list)."""
    table = api.get(f"/apis/pinhole.dev/v1alpha1/clients?labelSelector={selector}&includeObject=Metadata",
                    accept="application/json;as=Table;v=v1;g=meta.k8s.io")
    cols = [c["name"] for c in table["columnDefinitions"]]
    ia, ib = cols.index("Admitted"), cols.index("Address")
    out = {}
    for r in table.get("rows") or []:
        if r["cells"][ia] == "True" and r["cells"][ib]:
            m = r["object"]["metadata"]
            out[f"{m['namespace']}/{m['name']}"] = r["cells"][ib]
    return out


# ---------------------------------------------------------------------------------------------- the "kubelet"
class Projection:
    """Stands in for the kubelet's projected volume: watches the connector's ConfigMaps (main + shards) and writes
    every change as the kubelet's atomic writer does: the files into a new `..<timestamp>` directory, a `..data_tmp`
    symlink to it renamed over `..data` (one atomic rename), then a top-level symlink `<file> -> ..data/<file>` for
    each file not linked yet, and the old directory removed. Records when each change was projected and, for keys
    someone waits for, when a file carrying the key was first projected."""

    def __init__(self, api, namespace, directory, file_of):
        self.api, self.ns, self.dir, self.file_of = api, namespace, pathlib.Path(directory), file_of
        self.maps = {}           # ConfigMap name -> (file name, text)
        self.lock = threading.Lock()
        self.waiting = {}        # public key -> time first projected (None while not yet)
        self.projections = 0
        self.stop = False
        self.dir.mkdir(parents=True, exist_ok=True)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        path = f"/api/v1/namespaces/{self.ns}/configmaps"
        listing = self.api.get(path)
        for cm in listing["items"]:
            self._take(cm)
        self._project()
        self.rv = listing["metadata"]["resourceVersion"]
        self.thread.start()

    def wait_for_key(self, key):
        with self.lock:
            self.waiting[key] = None
            self._mark_locked(time.time())

    def projected_at(self, key):
        with self.lock:
            return self.waiting.get(key)

    def _take(self, cm):
        name = cm["metadata"]["name"]
        f = self.file_of(name)
        if f is None:
            return False
        text = (cm.get("data") or {}).get(f)
        if text is None:
            self.maps.pop(name, None)
        else:
            self.maps[name] = (f, text)
        return True

    def _mark_locked(self, now):
        for key, at in self.waiting.items():
            if at is None and any(key in text for _, text in self.maps.values()):
                self.waiting[key] = now

    def _project(self):
        with self.lock:
            files = dict(self.maps.values())
            stamp = self.dir / f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{time.time_ns()}"
            stamp.mkdir()
            for f, text in files.items():
                (stamp / f).write_text(text)
            old = os.readlink(self.dir / "..data") if (self.dir / "..data").is_symlink() else None
            tmp = self.dir / "..data_tmp"
            if tmp.is_symlink():
                tmp.unlink()
            os.symlink(stamp.name, tmp)
            os.rename(tmp, self.dir / "..data")
            for f in files:
                link = self.dir / f
                if not link.is_symlink():
                    os.symlink(f"..data/{f}", link)
            if old:
                shutil.rmtree(self.dir / old, ignore_errors=True)
            self.projections += 1
            self._mark_locked(time.time())

    def _run(self):
        while not self.stop:
            u = urllib.parse.urlparse(self.api.server)
            c = http.client.HTTPSConnection(u.hostname, u.port, context=self.api.ssl, timeout=3600)
            try:
                c.request("GET", f"/api/v1/namespaces/{self.ns}/configmaps?watch=1&resourceVersion={self.rv}"
                                 f"&allowWatchBookmarks=true")
                r = c.getresponse()
                while not self.stop:
                    line = r.readline()
                    if not line:
                        break
                    e = json.loads(line)
                    if e["type"] == "ERROR":   # too old a resourceVersion: list again
                        listing = self.api.get(f"/api/v1/namespaces/{self.ns}/configmaps")
                        with self.lock:
                            self.maps.clear()
                            for cm in listing["items"]:
                                self._take(cm)
                        self.rv = listing["metadata"]["resourceVersion"]
                        self._project()
                        break
                    self.rv = e["object"]["metadata"]["resourceVersion"]
                    if e["type"] == "BOOKMARK":
                        continue
                    with self.lock:
                        changed = (self._take(e["object"]) if e["type"] != "DELETED"
                                   else self.maps.pop(e["object"]["metadata"]["name"], None) is not None)
                    if changed:
                        self._project()
            except (OSError, http.client.HTTPException, ValueError):
                time.sleep(0.5)
            finally:
                c.close()


# ------------------------------------------------------------------------------------------------ connector
class Netns:
    """One network namespace with a veth to the host: the connector's "pod"."""

    def __init__(self, prefix, host_ip, ns_ip):
        self.name, self.host_if, self.ns_if = f"{prefix}-conn", f"{prefix}-h", f"{prefix}-c"
        self.host_ip, self.ns_ip = host_ip, ns_ip

    def up(self):
        self.down()
        run = lambda *a: subprocess.run(list(a), check=True, capture_output=True)
        run("ip", "netns", "add", self.name)
        run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        run("ip", "link", "set", self.ns_if, "netns", self.name)
        run("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
        run("ip", "link", "set", self.host_if, "up")
        run("ip", "-n", self.name, "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if)
        run("ip", "-n", self.name, "link", "set", self.ns_if, "up")
        run("ip", "-n", self.name, "link", "set", "lo", "up")

    def down(self):
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


class Connector:
    def __init__(self, java, cp, netns, config, key, logfile, http_ip):
        env = dict(os.environ, MALLOC_ARENA_MAX="2")
        self.log = open(logfile, "w")
        # `ip netns exec` execs the command: the PID is the JVM's.
        self.proc = subprocess.Popen(["ip", "netns", "exec", netns, java, *CONNECTOR_JAVA_OPTS.split(), "-cp", cp,
                                      "dev.pinhole.connector.ConnectorMain", "--config", str(config), "--key",
                                      str(key), "--drain-seconds", "0"], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.pid, self.java, self.http_ip = self.proc.pid, java, http_ip
        self.c = None

    def status(self):
        for _ in range(2):
            try:
                if self.c is None:
                    self.c = http.client.HTTPConnection(self.http_ip, 9090, timeout=10)
                self.c.request("GET", "/status?clientStats=omit")
                r = self.c.getresponse()
                return json.loads(r.read())
            except (OSError, http.client.HTTPException, ValueError):
                self.c = None
                if self.proc.poll() is not None:
                    raise RuntimeError(f"connector exited with {self.proc.returncode}; see {self.log.name}")
        return None

    def wait_status(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = self.status()
            if s:
                return s
            time.sleep(0.2)
        raise RuntimeError("connector /status not reachable")

    def metrics(self):
        c = http.client.HTTPConnection(self.http_ip, 9090, timeout=10)
        c.request("GET", "/metrics")
        return c.getresponse().read().decode()

    def memory(self):
        """(heap MiB after a full GC, heap committed MiB, RSS MiB)."""
        subprocess.run([os.path.join(os.path.dirname(self.java), "jcmd"), str(self.pid), "GC.run"],
                       capture_output=True, timeout=120)
        time.sleep(0.5)
        text = self.metrics()
        used = sum(float(v) for v in re.findall(r'jvm_memory_used_bytes\{area="heap"[^}]*\} ([0-9.eE+]+)', text))
        committed = sum(float(v) for v in re.findall(
            r'jvm_memory_committed_bytes\{area="heap"[^}]*\} ([0-9.eE+]+)', text))
        return used / 2**20, committed / 2**20, scale.status_kib(self.pid, "VmRSS") / 1024

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Probe:
    """dev.pinhole.bench.HandshakeProbe: our WireGuard laptops, one per key, retrying every 100 ms until accepted."""

    def __init__(self, java, cp, host, port, connector_key, retry_ms, logfile):
        self.proc = subprocess.Popen([java, "-cp", cp, "dev.pinhole.bench.HandshakeProbe", host, str(port),
                                      connector_key, str(retry_ms)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(logfile, "w"), text=True, bufsize=1)
        self.accepted = {}
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(60):
            raise RuntimeError(f"handshake probe did not start; see {logfile}")

    def _read(self):
        for line in self.proc.stdout:
            f = line.split()
            if f and f[0] == "ready":
                self.ready.set()
            elif len(f) == 4 and f[1] == "accepted":
                self.accepted[f[0]] = (int(f[2]) / 1e6, int(f[3]))

    def start(self, ident, private_key):
        self.proc.stdin.write(f"{ident} {private_key}\n")
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()


def reconcile_totals(text):
    """(count, sum seconds, max seconds) of the AppConnector reconciles from the operator's /q/metrics."""
    count = total = mx = 0.0
    for series, v in scale.prom_samples(text, "pinhole_reconcile_seconds").items():
        if 'kind="AppConnector"' not in series:
            continue
        if series.startswith("pinhole_reconcile_seconds_count"):
            count += v
        elif series.startswith("pinhole_reconcile_seconds_sum"):
            total += v
        elif series.startswith("pinhole_reconcile_seconds_max"):
            mx = max(mx, v)
    return count, total, mx


def status_writes(text, kind):
    return sum(v for s, v in scale.prom_samples(text, "pinhole_status_writes_total").items()
               if f'kind="{kind}"' in s)


def fmt_ms(values):
    if not values:
        return "-"
    return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


# ------------------------------------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=5000, help="Clients in all, the probes included")
    ap.add_argument("--probes", type=int, default=10, help="the last ones, created one at a time")
    ap.add_argument("--namespaces", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=8, help="parallel creates of the bulk")
    ap.add_argument("--state", required=True)
    ap.add_argument("--jar", default="target/quarkus-app/quarkus-run.jar")
    ap.add_argument("--java-opts", required=True)
    ap.add_argument("--operator-env", action="append", default=[])
    ap.add_argument("--connector-java", required=True)
    ap.add_argument("--home", default="target", help="the build whose quarkus-app the connector runs from")
    ap.add_argument("--netns-prefix", default="phcb")
    ap.add_argument("--host-ip", default="198.19.231.1")
    ap.add_argument("--ns-ip", default="198.19.231.2")
    ap.add_argument("--results", required=True)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.probes >= a.clients:
        sys.exit("--probes must be below --clients")
    # The connector's class path as the image builds it (bin/pinhole connector-classpath); the probe adds the tests'.
    home = str(pathlib.Path(a.home).resolve())
    connector_cp = connector_start.class_path(None, home)
    probe_cp = f"{home}/test-classes:{connector_cp}"

    results = pathlib.Path(a.results)
    results.mkdir(parents=True, exist_ok=True)
    run = "clients-" + time.strftime("%H%M%S")
    conn_ns = run
    user_ns = [f"{run}-u{i}" for i in range(a.namespaces)]
    api = scale.Api(os.environ["KUBECONFIG"])
    pids = scale.component_pids(a.state)
    audit = scale.AuditLog(pathlib.Path(a.state, "logs", "audit.log"))
    t_keys = time.time()
    keys = keypairs(a.clients)
    keys_s = time.time() - t_keys
    log(f"generated {a.clients} X25519 key pairs in {keys_s:.1f} s")
    objs = [client_object(run, user_ns[i % a.namespaces], f"laptop-{i}", keys[i][1], GROUPS[i % len(GROUPS)])
            for i in range(a.clients)]
    bulk, probes = objs[:a.clients - a.probes], objs[a.clients - a.probes:]

    scale.kubectl("apply", "--server-side", "--force-conflicts", "-f", "crds/")
    scale.kubectl("wait", "--for=condition=Established", "crd/appconnectors.pinhole.dev",
                  "crd/clients.pinhole.dev")
    op_kubeconfig = str(results / "operator.kubeconfig")
    scale.operator_kubeconfig(api, op_kubeconfig)
    scale.kubectl("create", "namespace", conn_ns)
    for ns in user_ns:
        scale.kubectl("create", "namespace", ns)
        scale.kubectl("label", "namespace", ns, f"pinhole.dev/bench-clients={run}")

    env_extra = dict(e.split("=", 1) for e in a.operator_env)
    operator = scale.Operator(a.jar, op_kubeconfig, a.java_opts, results / "operator.log", env_extra)
    netns = Netns(a.netns_prefix, a.host_ip, a.ns_ip)
    connector = probe = projection = None
    rows, extra = [], {}
    try:
        operator.wait_ready()
        time.sleep(3)
        scale.kubectl("apply", "--server-side", "--field-manager=bench", "-f", "-",
                      stdin=yaml.safe_dump(connector_object(run, conn_ns)))
        # The connector's key and first config (no Client yet).
        deadline = time.time() + 120
        secret = None
        while time.time() < deadline:
            out = scale.kubectl("get", "-n", conn_ns, "secret", f"{CONNECTOR}-key", "-o", "json", check=False)
            cm = scale.kubectl("get", "-n", conn_ns, "configmap", f"{CONNECTOR}-config", check=False)
            if out and cm:
                secret = json.loads(out)
                break
            time.sleep(0.5)
        if secret is None:
            raise RuntimeError("the operator rendered no key Secret and config for the AppConnector in 120 s")
        private = base64.b64decode(secret["data"]["privateKey"]).decode().strip()
        connector_pub = json.loads(scale.kubectl("get", "-n", conn_ns, "appconnector", CONNECTOR, "-o", "json")
                                   ).get("status", {}).get("publicKey")
        while not connector_pub:
            time.sleep(0.5)
            connector_pub = json.loads(scale.kubectl("get", "-n", conn_ns, "appconnector", CONNECTOR, "-o",
                                                     "json")).get("status", {}).get("publicKey")
        work = pathlib.Path(results, "pod")
        key_dir, config_dir = work / "key", work / "config"
        key_dir.mkdir(parents=True)
        (key_dir / "privateKey").write_text(private + "\n")
        os.chmod(key_dir / "privateKey", 0o400)
        shard = re.compile(rf"^{CONNECTOR}-peers-(\d+)$")

        def file_of(name):
            if name == f"{CONNECTOR}-config":
                return "connector.json"
            m = shard.match(name)
            return f"peers-{m.group(1)}.json" if m else None

        projection = Projection(api, conn_ns, config_dir, file_of)
        projection.start()
        netns.up()
        connector = Connector(a.connector_java, connector_cp, netns.name, config_dir / "connector.json",
                              key_dir / "privateKey", results / "connector.log", a.ns_ip)
        first = connector.wait_status()
        time.sleep(3)
        heap0, committed0, rss0 = connector.memory()
        log(f"connector up with {first.get('clients')} clients: heap after GC {heap0:.1f} MiB, RSS {rss0:.1f} MiB")

        # ---------------------------------------------------------------------------------------- 1. the bulk
        m0 = operator.get("/q/metrics")
        rc0 = reconcile_totals(m0)
        sw0 = status_writes(m0, "Client")
        cpu0 = scale.cpu_seconds(operator.pid)
        ctl0 = {n: scale.cpu_seconds(p) for n, p in pids.items()}
        ccpu0 = scale.cpu_seconds(connector.pid)
        load0 = scale.loadavg()[0]
        audit0 = audit.offset()
        created_at, first_admitted = {}, {}
        selector = f"pinhole.dev/bench={run}"
        t0 = time.time()
        log(f"creating {len(bulk)} Clients in {a.namespaces} namespaces, {a.concurrency} at a time")
        creator = threading.Thread(target=create_all, args=(api, bulk, a.concurrency, created_at))
        creator.start()
        timeline, all_admitted_at, created_s, connector_all_at = [], None, None, None
        max_rss = 0.0
        while time.time() - t0 < a.timeout:
            time.sleep(2)
            if created_s is None and not creator.is_alive():
                created_s = time.time() - t0
                log(f"created {len(bulk)} Clients in {created_s:.1f} s")
            now = time.time()
            rows_now = admitted_rows(api, selector)
            for ref in rows_now:
                first_admitted.setdefault(ref, now)
            st = connector.status() or {}
            rss = scale.status_kib(operator.pid, "VmRSS") / 1024
            max_rss = max(max_rss, rss)
            timeline.append({"t": round(now - t0, 1), "created": len(created_at), "admitted": len(rows_now),
                             "connector_clients": st.get("clients"), "operator_rss_mib": round(rss, 1),
                             "operator_cpu_s": round(scale.cpu_seconds(operator.pid) - cpu0, 1),
                             "load1": scale.loadavg()[0]})
            if connector_all_at is None and st.get("clients") == len(bulk):
                connector_all_at = now - t0
            if len(timeline) % 5 == 0:
                log(f"t={timeline[-1]['t']}s created {len(created_at)}, admitted {len(rows_now)}, connector "
                    f"{st.get('clients')} clients, operator RSS {rss:.0f} MiB, load {timeline[-1]['load1']}")
            if len(rows_now) == len(bulk) and all_admitted_at is None:
                all_admitted_at = now - t0
            if all_admitted_at is not None and connector_all_at is not None:
                break
        creator.join()
        if all_admitted_at is None:
            raise RuntimeError(f"not all {len(bulk)} Clients admitted within {a.timeout} s")
        m1 = operator.get("/q/metrics")
        rc1, sw1 = reconcile_totals(m1), status_writes(m1, "Client")
        cpu1 = scale.cpu_seconds(operator.pid) - cpu0
        ctl1 = {n: round(scale.cpu_seconds(p) - ctl0[n], 1) for n, p in pids.items()}
        hwm_bulk = scale.status_kib(operator.pid, "VmHWM") / 1024
        addresses = admitted_rows(api, selector)
        distinct = len(set(addresses.values()))
        latencies = sorted(first_admitted[r] - created_at[r] for r in first_admitted if r in created_at)
        # Settled: the write counters stand still for 10 s, then RSS.
        scale.wait_still(lambda: operator.counters()[0], limit=120)
        settled_rss = scale.status_kib(operator.pid, "VmRSS") / 1024
        bulk_requests = audit.requests(audit0, audit.offset())
        if connector_all_at is None:
            raise RuntimeError("the connector never reported all Clients")
        ccpu1 = scale.cpu_seconds(connector.pid) - ccpu0
        time.sleep(2)
        heap_n, committed_n, rss_n = connector.memory()
        maps = {}
        for name in sorted(projection.maps):
            f, text = projection.maps[name]
            maps[name] = len(text.encode())
        log(f"all {len(bulk)} admitted after {all_admitted_at:.1f} s; connector heap {heap_n:.1f} MiB, "
            f"RSS {rss_n:.1f} MiB")

        # ------------------------------------------------------------------------------------- 2. the probes
        listen_port = json.loads((config_dir / "connector.json").read_text())["tunnel"]["listenPort"]
        probe = Probe(a.connector_java, probe_cp, a.ns_ip, listen_port, connector_pub, 100,
                      results / "probe.log")
        conn = Conn(api)
        per = []
        for i, o in enumerate(probes):
            ns, name = o["metadata"]["namespace"], o["metadata"]["name"]
            priv, pub = keys[a.clients - a.probes + i]
            projection.wait_for_key(pub)
            digest_before = (connector.status() or {}).get("configDigest")
            m_before = operator.get("/q/metrics")
            rc_before = reconcile_totals(m_before)
            sw_before = status_writes(m_before, "Client")
            opcpu_before = scale.cpu_seconds(operator.pid)
            t_create = time.time()
            probe.start(name, priv)
            status, body = conn.request("POST", f"/apis/pinhole.dev/v1alpha1/namespaces/{ns}/clients", o)
            t_created = time.time()
            if status != 201:
                raise RuntimeError(f"create {ns}/{name}: HTTP {status} {str(body)[:300]}")
            t_status = t_digest = None
            while time.time() - t_create < 120:
                if t_status is None:
                    _, c = conn.request("GET", f"/apis/pinhole.dev/v1alpha1/namespaces/{ns}/clients/{name}")
                    entries = (c.get("status") or {}).get("connectors") or []
                    if any(e.get("admitted") and e.get("config") for e in entries):
                        t_status = time.time()
                if t_digest is None:
                    d = (connector.status() or {}).get("configDigest")
                    if d != digest_before:
                        t_digest = time.time()
                if t_status and t_digest and name in probe.accepted:
                    break
                time.sleep(0.02)
            hs = probe.accepted.get(name)
            t_cm = projection.projected_at(pub)
            scale.wait_still(lambda: operator.counters()[0], quiet=3, limit=30)
            m_after = operator.get("/q/metrics")
            rc_after = reconcile_totals(m_after)
            p = {"client": f"{ns}/{name}", "create_call_s": t_created - t_create,
                 "status_s": t_status and t_status - t_create, "configmap_s": t_cm and t_cm - t_create,
                 "digest_s": t_digest and t_digest - t_create, "handshake_s": hs and hs[0] - t_create,
                 "initiations": hs and hs[1], "reconciles": rc_after[0] - rc_before[0],
                 "reconcile_s": rc_after[1] - rc_before[1],
                 "operator_cpu_s": scale.cpu_seconds(operator.pid) - opcpu_before,
                 "client_status_writes": status_writes(m_after, "Client") - sw_before}
            per.append(p)
            log(f"probe {i + 1}/{len(probes)} {p['client']}: status {p['status_s']}, configmap {p['configmap_s']}, "
                f"digest {p['digest_s']}, handshake {p['handshake_s']} s; {p['reconciles']:.0f} reconciles "
                f"{p['reconcile_s']:.2f} s, {p['client_status_writes']:.0f} Client status writes")
        time.sleep(2)
        heap_hs, committed_hs, rss_hs = connector.memory()
        final_hwm = scale.status_kib(operator.pid, "VmHWM") / 1024
        final_rss = scale.status_kib(operator.pid, "VmRSS") / 1024
        connector_hwm = scale.status_kib(connector.pid, "VmHWM") / 1024
        load_end = scale.loadavg()[0]
    finally:
        for closeable in (probe, connector):
            if closeable is not None:
                closeable.stop()
        if projection is not None:
            projection.stop = True
        netns.down()
        operator.stop()
        if not a.keep:
            for ns in [conn_ns, *user_ns]:
                scale.kubectl("delete", "namespace", ns, "--wait=false", check=False)

    # ---------------------------------------------------------------------------------------------- report
    n = len(bulk)
    by_verb = collections.Counter()
    for (verb, resource, code), count in bulk_requests.items():
        by_verb[(verb, resource)] += count
    status_requests = sum(c for (v, r, code), c in bulk_requests.items() if r == "clients/status")
    status_conflicts = sum(c for (v, r, code), c in bulk_requests.items() if r == "clients/status" and code == 409)
    col = lambda k: [p[k] for p in per if p[k] is not None]
    missing = {k: sum(1 for p in per if p[k] is None) for k in ("status_s", "configmap_s", "digest_s", "handshake_s")}
    rows = [
        ("Clients", f"{a.clients}: {n} created {a.concurrency} at a time, then {a.probes} one at a time; "
                    f"{a.namespaces} namespaces, {len(GROUPS)} groups, tunnel 100.96.0.1/16"),
        ("load average at start / end", f"{load0} / {load_end}"),
        ("bulk: creates done", f"{created_s:.1f} s ({n / created_s:.0f}/s)" if created_s else "-"),
        ("bulk: all Admitted=True with an address", f"{all_admitted_at:.1f} s after the first create "
                                                    f"({distinct} distinct addresses)"),
        ("bulk: created -> Admitted per Client", f"median {statistics.median(latencies):.1f} s, p90 "
                                                 f"{latencies[int(len(latencies) * 0.9)]:.1f} s, max "
                                                 f"{latencies[-1]:.1f} s (2 s polls)"),
        ("bulk: connector has all in force", f"{connector_all_at:.1f} s after the first create"),
        ("bulk: AppConnector reconciles", f"{rc1[0] - rc0[0]:.0f}, {rc1[1] - rc0[1]:.1f} s in all, longest "
                                          f"{rc1[2]:.2f} s"),
        ("bulk: Client status writes", f"{sw1 - sw0:.0f} (for {n} Clients); status update requests (audit) "
                                       f"{status_requests}, of which {status_conflicts} conflicts (409)"),
        ("bulk: operator API requests (audit)", f"{sum(bulk_requests.values())}: " + ", ".join(
            f"{v} {r} {n}" for (v, r), n in sorted(by_verb.items(), key=lambda x: -x[1])[:6])),
        ("bulk: operator CPU", f"{cpu1:.1f} s"),
        ("bulk: control-plane CPU", ", ".join(f"{k} {v} s" for k, v in ctl1.items())),
        ("bulk: connector CPU (config applications)", f"{ccpu1:.1f} s"),
        ("operator RSS peak (VmHWM) after bulk / at end", f"{hwm_bulk:.0f} / {final_hwm:.0f} MiB"),
        ("operator RSS settled after bulk / at end", f"{settled_rss:.0f} / {final_rss:.0f} MiB"),
        ("rendered ConfigMaps", f"{len(maps)}: " + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in maps.items())),
        ("connector with 0 clients", f"heap after GC {heap0:.1f} MiB (committed {committed0:.0f}), RSS "
                                     f"{rss0:.1f} MiB"),
        (f"connector with {n} idle peers", f"heap after GC {heap_n:.1f} MiB (committed {committed_n:.0f}), RSS "
                                           f"{rss_n:.1f} MiB: {(heap_n - heap0) * 2**20 / n:.0f} bytes of heap per "
                                           f"idle peer"),
        (f"connector after {len(per)} more reloads + handshakes", f"heap after GC {heap_hs:.1f} MiB (committed "
                                                   f"{committed_hs:.0f}), RSS {rss_hs:.1f} MiB, peak RSS "
                                                   f"{connector_hwm:.1f} MiB"),
        ("probe: created -> status has its config", fmt_ms(col("status_s"))),
        ("probe: created -> ConfigMap projected", fmt_ms(col("configmap_s"))),
        ("probe: created -> connector configDigest", fmt_ms(col("digest_s"))),
        ("probe: created -> handshake accepted", fmt_ms(col("handshake_s"))),
        ("probe: reconciles / Client status writes each", f"{statistics.median(col('reconciles')):.0f} / "
                                                          f"{statistics.median(col('client_status_writes')):.0f} "
                                                          f"(median), reconcile time median "
                                                          f"{statistics.median(col('reconcile_s')) * 1000:.0f} ms"),
        ("probe: operator CPU per new Client", fmt_ms(col("operator_cpu_s"))),
    ]
    if any(missing.values()):
        rows.append(("probe: not reached within 120 s", ", ".join(f"{k} {v}" for k, v in missing.items() if v)))
    width = max(len(r[0]) for r in rows)
    report = "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)
    report += "\n\nper probe (s after create): status, configmap, digest, handshake, initiations, reconciles, " \
              "Client status writes\n"
    for p in per:
        f = lambda v: "-" if v is None else f"{v:.3f}"
        report += (f"  {p['client']:32} {f(p['status_s'])} {f(p['configmap_s'])} {f(p['digest_s'])} "
                   f"{f(p['handshake_s'])} {p['initiations']} {p['reconciles']:.0f} {p['client_status_writes']:.0f}\n")
    print(report)
    (results / "summary.txt").write_text(report)
    (results / "summary.json").write_text(json.dumps({
        "clients": a.clients, "probes": per, "bulk_admitted_s": all_admitted_at, "bulk_created_s": created_s,
        "connector_all_s": connector_all_at, "reconciles": rc1[0] - rc0[0], "reconcile_s": rc1[1] - rc0[1],
        "client_status_writes": sw1 - sw0, "operator_cpu_s": cpu1, "operator_hwm_mib": final_hwm,
        "operator_settled_rss_mib": settled_rss, "configmaps": maps, "connector": {
            "heap0": heap0, "rss0": rss0, "heap_n": heap_n, "rss_n": rss_n, "heap_hs": heap_hs, "rss_hs": rss_hs,
            "committed0": committed0, "committed_n": committed_n, "committed_hs": committed_hs},
        "timeline": timeline, "java_opts": a.java_opts}, indent=1))
    ok = not any(missing.values()) and distinct == n
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
