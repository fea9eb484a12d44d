#!/usr/bin/env python3
"""Connector start time and idle memory (issue 16): starts the connector jar as a pod would, times it to ready and
samples its memory once it idles.

Per run: a fresh JVM (`java OPTS -cp CP dev.pinhole.connector.ConnectorMain
--config FILE --key FILE`), its time from process start (just before the fork) to the first `/readyz` 200 (polled
every 2 ms on 127.0.0.1) with the CPU time the process had used by then (steadier than wall time on a busy
machine), and its VmRSS (anonymous and file-backed) after --idle seconds of idling and its peak (VmHWM). The table shows every run and the medians.
With --nmt the last run also prints `jcmd VM.native_memory summary` (where the RSS goes: heap, class/metaspace,
code cache, threads, GC, direct buffers), with --histo `jcmd GC.class_histogram` (top 25 rows).

No root, no namespaces: the connector binds its WireGuard port (--wg-port) and HTTP port (--http-port) on the host,
with one client and, as the CRD's default, egress enforcement on: ready waits for the first egress check, answered
by a verify URL this script serves on 127.0.0.1 (--no-enforce leaves the check out). --mem-limit stands in for the
pod's memory limit: -XX:MaxRAM=LIMIT makes the JVM size its heap as it would inside that cgroup (as
DesiredDeploymentTest checks). MALLOC_ARENA_MAX=2 as the image sets it, unless the environment sets it.

usage: bench/connector-start.py [--runs 5] [--idle 5] [--java JAVA] [--java-opts "..."] [--mem-limit 384m]
                                [--cp CP] [--config FILE --key FILE] [--nmt] [--histo] [--aot-train FILE]
  --java-opts defaults to the options the operator renders into the connector Deployment
  (DesiredDeployment.CONNECTOR_JAVA_OPTS; keep the two equal).
  --aot-train FILE: one training run first, -XX:AOTCacheOutput=FILE (JDK 25), then every run with -XX:AOTCache=FILE.
Needs a build: ./mvnw -B -q package -DskipTests.
"""
import argparse
import base64
import http.client
import http.server
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The operator's rendered JAVA_OPTS for the connector (DesiredDeployment.CONNECTOR_JAVA_OPTS).
RENDERED_OPTS = "-XX:+UseSerialGC -XX:MaxRAMPercentage=33 -XX:+ExitOnOutOfMemoryError -XX:+DisplayVMOutputToStderr"
# A client key from the README's example (any valid X25519 public key will do: nobody connects).
CLIENT_KEY = "tUrchOXyQxlH4oPOGdN545eMLqAdI6re/uB6NZ1tdRc="


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--idle", type=float, default=5.0, help="seconds after ready before the RSS sample")
    p.add_argument("--java", default="/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
    p.add_argument("--java-opts", default=RENDERED_OPTS)
    p.add_argument("--mem-limit", default="384m", help="the pod's memory limit, as -XX:MaxRAM; 'none' to leave out")
    p.add_argument("--cp", help="class path (default: the image's, bin/pinhole connector-classpath over target/; "
                   "'all' for target/quarkus-app/{app,lib/main}/*)")
    p.add_argument("--config")
    p.add_argument("--key")
    p.add_argument("--http-port", type=int, default=19390)
    p.add_argument("--wg-port", type=int, default=51990)
    p.add_argument("--no-enforce", action="store_true", help="egress enforcement off: no check before ready")
    p.add_argument("--nmt", action="store_true")
    p.add_argument("--histo", action="store_true")
    p.add_argument("--log", action="store_true", help="print the last run's whole log, not only its tail")
    p.add_argument("--aot-train", metavar="FILE")
    p.add_argument("--timeout", type=float, default=30.0)
    return p.parse_args()


ELASTIC_IP = "203.0.113.10"


class VerifyUrl(http.server.BaseHTTPRequestHandler):
    """What a what-is-my-IP service would answer from behind the NAT gateway."""

    def do_GET(self):
        body = (ELASTIC_IP + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_verify_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), VerifyUrl)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/ip"


def write_config(tmp, args, verify_url):
    config = {
        "format": "pinhole.dev/connector-config/v1",
        "name": "start-bench",
        "namespace": "bench",
        "tunnel": {"address": "100.96.0.1/24", "listenPort": args.wg_port, "mtu": 1420,
                   "appRange": "100.80.0.0/12"},
        "clients": [{"name": "laptop", "publicKey": CLIENT_KEY, "address": "100.96.0.2/32"}],
        "domains": ["app.example.com", "*.example.org"],
        "routes": ["203.0.113.0/24"],
        "egress": {"elasticIP": ELASTIC_IP, "verifyUrl": verify_url, "enforce": not args.no_enforce},
        "dns": {"upstream": ["198.18.0.53"]},
        "http": {"port": args.http_port},
    }
    path = os.path.join(tmp, "connector.json")
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    key = os.path.join(tmp, "privateKey")
    with open(key, "w") as f:
        f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    os.chmod(key, 0o400)
    return path, key


def ready(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/readyz")
        status = c.getresponse().status
        c.close()
        return status == 200
    except OSError:
        return False


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_ms(pid):
    """utime + stime of the whole process so far (all threads), in ms: steadier than wall time on a busy machine."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def jcmd(java, pid, *command):
    tool = os.path.join(os.path.dirname(java), "jcmd")
    return subprocess.run([tool, str(pid), *command], capture_output=True, text=True, timeout=60).stdout


def stop(proc, wait=20):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)   # graceful: drain 0 s, then exit (an AOT cache is written at exit)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def one_run(args, opts, config, key, log_path, sample=True):
    # Native access as bin/pinhole grants it (batched UDP I/O through java.lang.foreign; an AOT cache is only used
    # with the options it was trained with).
    command = [args.java, "--enable-native-access=ALL-UNNAMED", *opts, "-cp", args.cp, "dev.pinhole.connector.ConnectorMain",
               "--config", config, "--key", key, "--drain-seconds", "0"]
    with open(log_path, "w") as log:
        started = time.monotonic()
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                env={"MALLOC_ARENA_MAX": "2", **os.environ})
        try:
            while not ready(args.http_port):
                if proc.poll() is not None:
                    sys.exit(f"connector exited with {proc.returncode} before ready, see {log_path}")
                if time.monotonic() - started > args.timeout:
                    sys.exit(f"connector not ready after {args.timeout} s, see {log_path}")
                time.sleep(0.002)
            ready_ms = (time.monotonic() - started) * 1000
            result = {"ready_ms": ready_ms, "cpu_ms": cpu_ms(proc.pid)}
            if sample:
                time.sleep(args.idle)
                result["rss_mib"] = rss_kib(proc.pid) / 1024
                result["hwm_mib"] = rss_kib(proc.pid, "VmHWM") / 1024
                result["anon_mib"] = rss_kib(proc.pid, "RssAnon") / 1024
                result["file_mib"] = rss_kib(proc.pid, "RssFile") / 1024
                if args.nmt:
                    result["nmt"] = jcmd(args.java, proc.pid, "VM.native_memory", "summary")
                if args.histo:
                    result["histo"] = "\n".join(jcmd(args.java, proc.pid, "GC.class_histogram").splitlines()[:28])
            return result
        finally:
            stop(proc, wait=20 if sample else 300)   # a training run assembles the AOT cache as it exits


COLUMNS = ("ready_ms", "cpu_ms", "rss_mib", "anon_mib", "file_mib", "hwm_mib")


def line(r):
    return (f"ready {r['ready_ms']:6.0f} ms (CPU {r['cpu_ms']:5.0f} ms)   RSS idle {r['rss_mib']:6.1f} MiB"
            f" (anon {r['anon_mib']:5.1f}, file {r['file_mib']:5.1f})   peak {r['hwm_mib']:6.1f} MiB")


def class_path(cp):
    """The connector's class path as the image builds it (the app and the connector's libraries only)."""
    if cp == "all":
        return f"{ROOT}/target/quarkus-app/app/*:{ROOT}/target/quarkus-app/lib/main/*"
    if cp:
        return cp
    return subprocess.run([f"{ROOT}/bin/pinhole", "connector-classpath"], env={**os.environ,
                          "PINHOLE_HOME": f"{ROOT}/target"}, capture_output=True, text=True, check=True).stdout.strip()


def main():
    args = parse_args()
    args.cp = class_path(args.cp)
    opts = args.java_opts.split()
    if args.mem_limit != "none":
        opts.insert(0, f"-XX:MaxRAM={args.mem_limit}")
    if args.nmt:
        opts.append("-XX:NativeMemoryTracking=summary")
    with tempfile.TemporaryDirectory(prefix="connector-start-") as tmp:
        config, key = (args.config, args.key) if args.config else write_config(tmp, args, serve_verify_url())
        log_path = os.path.join(tmp, "connector.log")
        if args.aot_train:
            if os.path.exists(args.aot_train):
                os.remove(args.aot_train)
            train = one_run(args, opts + [f"-XX:AOTCacheOutput={args.aot_train}"], config, key, log_path,
                            sample=False)
            if not os.path.exists(args.aot_train):
                sys.exit(f"the training run wrote no AOT cache, see {log_path}")
            print(f"training run: ready after {train['ready_ms']:.0f} ms (CPU {train['cpu_ms']:.0f} ms); AOT cache {args.aot_train} "
                  f"{os.path.getsize(args.aot_train) / 2**20:.1f} MiB")
            opts = opts + [f"-XX:AOTCache={args.aot_train}"]
        print(f"java: {args.java}\noptions: {' '.join(opts)}")
        rows = []
        for i in range(args.runs):
            r = one_run(args, opts, config, key, log_path)
            rows.append(r)
            print(f"run {i + 1}: {line(r)}", flush=True)
        print(f"median: {line({k: statistics.median(r[k] for r in rows) for k in rows[0] if k in COLUMNS})}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        for extra in ("nmt", "histo"):
            if extra in rows[-1]:
                print(rows[-1][extra])
        with open(log_path) as f:
            tail = f.read().splitlines()[0 if args.log else -3:]
        print("last run's log tail:\n  " + "\n  ".join(tail))


if __name__ == "__main__":
    main()
