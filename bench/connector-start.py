#!/usr/bin/env python3
"""Connector start time and idle memory (issue 16): starts the connector jar as a pod would, times it to ready and
samples its memory once it idles.

Per run: a fresh JVM (`java --enable-native-access=ALL-UNNAMED OPTS -cp CP dev.pinhole.connector.ConnectorMain
--config FILE --key FILE`, CP the image's: `bin/pinhole connector-classpath`), its time from process start (just
before the fork) to the first `/readyz` 200 (polled every 2 ms on 127.0.0.1) with the CPU time the process had used by
then, its VmRSS (anonymous and file-backed) after --idle seconds and its peak (VmHWM), and where the time went: the
connector's own start line ("ready N ms after the process started: JVM, config, metrics, data plane, egress client,
http, until ready"). Every column is the median over --runs.

--variant NAME|HOME|OPTS|CP (repeatable) compares builds or options in one run, interleaved (A B A B ...) so the
machine's load falls on all alike: HOME is a directory holding quarkus-app/ (a build copied aside; empty: this
repository's target/), OPTS the JVM options (empty: --java-opts), CP as --cp (empty: the image's class path). --aot-train FILE trains an AOT cache per variant
first as the image does (`dev.pinhole.connector.AotTrainingRun` with -XX:AOTCacheOutput, JDK 25) and runs with it.
--idle-long S keeps one more run per variant up S seconds and samples its RSS then. --nmt and --class-load add one
uncounted run per variant with -XX:NativeMemoryTracking=summary (`jcmd VM.native_memory summary`, committed KiB per
category) or -Xlog:class+load/-Xlog:aot (classes loaded, how many from the AOT cache, whether the cache was used).
--histo prints `jcmd GC.class_histogram` (top 25 rows) of the last run.

No root, no namespaces: the connector binds its WireGuard port (--wg-port) and HTTP port (--http-port) on the host,
with one client and, as the CRD's default, egress enforcement on: ready waits for the first egress check, answered
by a verify URL this script serves on 127.0.0.1 (--no-enforce leaves the check out; --https serves it over TLS, as
checkip services are, under a throwaway certificate added to a copy of the JDK's trust store). --mem-limit stands in for the
pod's memory limit: -XX:MaxRAM=LIMIT makes the JVM size its heap as it would inside that cgroup (as
DesiredDeploymentTest checks). MALLOC_ARENA_MAX=2 as the image sets it, unless the environment sets it.
--priority (root) runs everything at autogroup nice -20: on a machine busy with other work it stands in for a quiet
one (without it, wall times there measure the load; the CPU time is the steadier figure).

usage: bench/connector-start.py [--runs 10] [--idle 5] [--idle-long 60] [--java JAVA] [--java-opts "..."]
                                [--mem-limit 384m] [--cp CP|all] [--variant "NAME|HOME|OPTS|CP"]... [--aot-train FILE]
                                [--config FILE --key FILE] [--nmt] [--class-load] [--histo] [--priority] [--https]
  --java-opts defaults to the options the operator renders into the connector Deployment
  (DesiredDeployment.CONNECTOR_JAVA_OPTS; keep the two equal).
Needs a build: ./mvnw -B -q package -DskipTests (on Temurin 25, as the image builds, for its batched UDP port).
"""
import argparse
import base64
import http.client
import http.server
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The operator's rendered JAVA_OPTS for the connector (DesiredDeployment.CONNECTOR_JAVA_OPTS).
RENDERED_OPTS = ("-XX:+UseSerialGC -XX:MaxRAMPercentage=33 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
                 " -XX:-ShrinkHeapInSteps -XX:TrimNativeHeapInterval=5000"
                 " -XX:+ExitOnOutOfMemoryError -XX:+DisplayVMOutputToStderr -Djdk.reflect.useNativeAccessorOnly=true")
# A client key from the README's example (any valid X25519 public key will do: nobody connects).
CLIENT_KEY = "tUrchOXyQxlH4oPOGdN545eMLqAdI6re/uB6NZ1tdRc="


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--idle", type=float, default=5.0, help="seconds after ready before the RSS sample")
    p.add_argument("--idle-long", type=float, default=0, help="one more run per variant, RSS sampled after S s")
    p.add_argument("--variant", action="append", default=[], metavar="NAME|HOME|OPTS")
    p.add_argument("--class-load", action="store_true")
    p.add_argument("--priority", action="store_true", help="autogroup nice -20 (root): a quiet machine's stand-in")
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
    p.add_argument("--https", action="store_true", help="the verify URL over TLS, as a public checkip service is")
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


def serve_verify_url(tls_dir=None, java=None):
    """The verify URL on loopback; with tls_dir an https one, under a throwaway certificate that a copy of the JDK's
    own trust store (its cacerts plus that certificate) trusts. Returns the URL and the JVM options the connector
    needs for it (none for http)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), VerifyUrl)
    options = []
    if tls_dir:
        import shutil
        import ssl
        cert, key, store = (os.path.join(tls_dir, n) for n in ("verify.pem", "verify.key", "trust.p12"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        home = os.path.dirname(os.path.dirname(os.path.realpath(java)))
        shutil.copy(os.path.join(home, "lib", "security", "cacerts"), store)
        subprocess.run([os.path.join(home, "bin", "keytool"), "-importcert", "-noprompt", "-keystore", store,
                        "-storepass", "changeit", "-alias", "bench-verify", "-file", cert], check=True,
                       capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        options = [f"-Djavax.net.ssl.trustStore={store}", "-Djavax.net.ssl.trustStorePassword=changeit"]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if tls_dir else "http"
    return f"{scheme}://127.0.0.1:{server.server_address[1]}/ip", options


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


START_LINE = re.compile(r"ready (\d+) ms after the process started: (.*) ms")


def one_run(args, v, opts, config, key, log_path, sample=True, main="dev.pinhole.connector.ConnectorMain",
            main_args=None, idle=None):
    # Native access as bin/pinhole grants it (batched UDP I/O through java.lang.foreign; an AOT cache is only used
    # with the options it was trained with).
    command = [args.java, "--enable-native-access=ALL-UNNAMED", *opts, "-cp", v["cp"], main,
               *(main_args if main_args is not None else ["--config", config, "--key", key, "--drain-seconds", "0"])]
    with open(log_path, "w") as log:
        started = time.monotonic()
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                env={"MALLOC_ARENA_MAX": "2", **os.environ})
        try:
            if main_args is not None:   # the training run ends by itself
                proc.wait(timeout=300)
                return {"exit": proc.returncode, "ms": (time.monotonic() - started) * 1000}
            while not ready(args.http_port):
                if proc.poll() is not None:
                    sys.exit(f"connector exited with {proc.returncode} before ready, see {log_path}")
                if time.monotonic() - started > args.timeout:
                    sys.exit(f"connector not ready after {args.timeout} s, see {log_path}")
                time.sleep(0.002)
            ready_ms = (time.monotonic() - started) * 1000
            result = {"ready_ms": ready_ms, "cpu_ms": cpu_ms(proc.pid)}
            if sample:
                time.sleep(args.idle if idle is None else idle)
                result["rss_mib"] = rss_kib(proc.pid) / 1024
                result["hwm_mib"] = rss_kib(proc.pid, "VmHWM") / 1024
                result["anon_mib"] = rss_kib(proc.pid, "RssAnon") / 1024
                result["file_mib"] = rss_kib(proc.pid, "RssFile") / 1024
                result["threads"] = len(os.listdir(f"/proc/{proc.pid}/task"))
                if "NativeMemoryTracking" in " ".join(opts):
                    result["nmt"] = jcmd(args.java, proc.pid, "VM.native_memory", "summary")
                if args.histo:
                    result["histo"] = "\n".join(jcmd(args.java, proc.pid, "GC.class_histogram").splitlines()[:28])
            with open(log_path) as f:
                found = START_LINE.search(f.read())
            if found:
                result["phases"] = {"process to ready": int(found.group(1))}
                for part in found.group(2).split(", "):
                    name, ms = part.rsplit(" ", 1)
                    if ms.isdigit():
                        result["phases"][name] = int(ms)
            return result
        finally:
            stop(proc, wait=20)


COLUMNS = ("ready_ms", "cpu_ms", "rss_mib", "anon_mib", "file_mib", "hwm_mib", "threads")


def line(r):
    return (f"ready {r['ready_ms']:6.0f} ms (CPU {r['cpu_ms']:5.0f} ms)   RSS idle {r['rss_mib']:6.1f} MiB"
            f" (anon {r['anon_mib']:5.1f}, file {r['file_mib']:5.1f})   peak {r['hwm_mib']:6.1f} MiB"
            f"   {r['threads']:.0f} threads")


def class_path(cp, home):
    """The connector's class path as the image builds it (the app and the connector's libraries only)."""
    if cp == "all":
        return f"{home}/quarkus-app/app/*:{home}/quarkus-app/lib/main/*"
    if cp:
        return cp
    return subprocess.run([f"{ROOT}/bin/pinhole", "connector-classpath"], env={**os.environ, "PINHOLE_HOME": home},
                          capture_output=True, text=True, check=True).stdout.strip()


def variants(args):
    specs = args.variant or ["this build||"]
    out = []
    for spec in specs:
        name, home, opts, cp = (spec.split("|", 3) + ["", "", ""])[:4]
        home = home or f"{ROOT}/target"
        opts = (opts or args.java_opts).split()
        if args.mem_limit != "none":
            opts.insert(0, f"-XX:MaxRAM={args.mem_limit}")
        out.append({"name": name, "cp": class_path(cp or args.cp, home), "opts": opts})
    return out


def medians(rows):
    m = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k in COLUMNS}
    phases = [r["phases"] for r in rows if "phases" in r]
    m["phases"] = {k: statistics.median(p.get(k, 0) for p in phases) for k in phases[0]} if phases else {}
    return m


def class_load_summary(path):
    total = shared = 0
    with open(path) as f:
        for entry in f:
            if " source: " in entry:
                total += 1
                shared += "shared objects file" in entry
    return total, shared


def main():
    args = parse_args()
    if args.priority:
        with open("/proc/self/autogroup", "w") as f:
            f.write("-20")
    runs = variants(args)
    with tempfile.TemporaryDirectory(prefix="connector-start-") as tmp:
        url, tls_opts = serve_verify_url(tmp if args.https else None, args.java)
        config, key = (args.config, args.key) if args.config else write_config(tmp, args, url)
        for v in runs:
            v["opts"] = v["opts"] + tls_opts
        log_path = os.path.join(tmp, "connector.log")
        for v in runs:
            if args.aot_train:
                cache = args.aot_train if len(runs) == 1 else f"{args.aot_train}.{runs.index(v)}"
                if os.path.exists(cache):
                    os.remove(cache)
                # As the image trains it (bin/pinhole aot-train): the training run class, the pod's options.
                train = one_run(args, v, v["opts"] + [f"-XX:AOTCacheOutput={cache}"], config, key, log_path,
                                main="dev.pinhole.connector.AotTrainingRun", main_args=[])
                if train["exit"] != 0 or not os.path.exists(cache):
                    sys.exit(f"the training run failed (exit {train['exit']}) or wrote no AOT cache, see {log_path}")
                print(f"{v['name']}: AOT training run {train['ms']:.0f} ms; cache {cache} "
                      f"{os.path.getsize(cache) / 2**20:.1f} MiB")
                v["opts"] = v["opts"] + [f"-XX:AOTCache={cache}"]
            print(f"{v['name']}: {args.java} {' '.join(v['opts'])}")
            v["rows"] = []
        for i in range(args.runs):
            for v in runs:
                r = one_run(args, v, v["opts"], config, key, log_path)
                v["rows"].append(r)
                print(f"{v['name']} run {i + 1}: {line(r)}", flush=True)
        for v in runs:
            if args.idle_long:
                r = one_run(args, v, v["opts"], config, key, log_path, idle=args.idle_long)
                v["long"] = r
            if args.nmt:
                v["nmt"] = one_run(args, v, v["opts"] + ["-XX:NativeMemoryTracking=summary"], config, key,
                                   log_path)["nmt"]
            if args.class_load:
                cl = os.path.join(tmp, "class-load.log")
                aot = os.path.join(tmp, "aot.log")
                one_run(args, v, v["opts"] + [f"-Xlog:class+load=info:file={cl}", f"-Xlog:aot=info:file={aot}"],
                        config, key, log_path, idle=0.5)
                total, shared = class_load_summary(cl)
                with open(aot) as f:
                    aot_text = f.read()
                used = ("Using AOT-linked classes: true" in aot_text) if "-XX:AOTCache=" in " ".join(v["opts"]) \
                    else None
                v["classes"] = (total, shared, used)
        print(f"\nmedians of {args.runs} runs each, load average at the end {os.getloadavg()[0]:.1f}"
              f"{' (autogroup nice -20)' if args.priority else ''}:")
        for v in runs:
            m = medians(v["rows"])
            print(f"{v['name']}: {line(m)}")
            if m["phases"]:
                print("  start (ms): " + ", ".join(f"{k} {x:.0f}" for k, x in m["phases"].items()))
            if "long" in v:
                print(f"  RSS after {args.idle_long:.0f} s idle: {v['long']['rss_mib']:.1f} MiB (anon "
                      f"{v['long']['anon_mib']:.1f}, file {v['long']['file_mib']:.1f}), {v['long']['threads']} threads")
            if "classes" in v:
                total, shared, used = v["classes"]
                print(f"  classes loaded {total}, from the AOT cache {shared}"
                      + ("" if used is None else f"; AOT cache used: {used}"))
            if "nmt" in v:
                cats = re.findall(r"-\s+([A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB", v["nmt"])
                print("  NMT committed (MiB): " + ", ".join(f"{c.strip()} {int(kb) / 1024:.1f}" for c, kb in cats
                                                            if int(kb) >= 256))
        if args.histo and "histo" in runs[-1]["rows"][-1]:
            print(runs[-1]["rows"][-1]["histo"])
        with open(log_path) as f:
            tail = f.read().splitlines()[0 if args.log else -3:]
        print("last run's log tail:\n  " + "\n  ".join(tail))


if __name__ == "__main__":
    main()
