package dev.pinhole.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageDecoder;
import dev.pinhole.dns.message.DnsMessageEncoder;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The laptop's load during a failover run, started inside the laptop namespace ({@code ip netns exec}): an HTTP GET
 * every {@code intervalMs} to {@code host} (resolved anew each time by the tunnel DNS at {@code TUNNEL_DNS}), each
 * with a {@code timeoutMs} deadline, and a UDP echo stream (a datagram every 50 ms). Writes one line per request
 * ({@code startMs endMs ok|fail:why}) to {@code requests.log} and one per echo reply ({@code recvMs seq}) and per
 * datagram sent ({@code sendMs seq}) to {@code udp-recv.log} / {@code udp-sent.log} in {@code dir}; stops when
 * {@code dir/stop} exists (or after ten minutes).
 *
 * <p>With {@code PINNED_HOST} and {@code PINNED_UDP_HOST} (names the config lists exactly), also what apps that
 * keep an address do (browsers ~60 s, the JVM 30 s, pools, connected UDP sockets): each name is resolved once
 * through the tunnel DNS at the start, and a second request loop ({@code pinned-requests.log}, as {@code curl
 * --resolve}) and a second UDP echo stream on a connected socket ({@code pinned-udp-sent.log} /
 * {@code pinned-udp-recv.log}, port {@code UDP_PORT}) use those addresses across the failover.
 *
 * <p>usage: FailoverProbe DIR HOST TIMEOUT_MS INTERVAL_MS UDP_HOST UDP_PORT TUNNEL_DNS [PINNED_HOST PINNED_UDP_HOST]
 */
public final class FailoverProbe {
    private static final long MAX_RUN_MS = 600_000;
    private static final long UDP_INTERVAL_MS = 50;
    private static InetSocketAddress tunnelDns;

    private FailoverProbe() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String host = args[1];
        int timeoutMs = Integer.parseInt(args[2]);
        int intervalMs = Integer.parseInt(args[3]);
        InetSocketAddress udpTarget = new InetSocketAddress(InetAddress.getByName(args[4]), Integer.parseInt(args[5]));
        tunnelDns = new InetSocketAddress(InetAddress.getByName(args[6]), 53);
        Path stop = dir.resolve("stop");
        try (PrintWriter requests = writer(dir.resolve("requests.log"));
             PrintWriter udpSent = writer(dir.resolve("udp-sent.log"));
             PrintWriter udpRecv = writer(dir.resolve("udp-recv.log"));
             DatagramSocket udp = new DatagramSocket(0)) {
            ExecutorService workers = Executors.newCachedThreadPool(daemon());
            ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2, daemon());
            ticks.scheduleAtFixedRate(() -> workers.execute(() -> {
                long start = System.currentTimeMillis();
                String outcome = get(host, start + timeoutMs);
                long end = System.currentTimeMillis();
                synchronized (requests) {
                    requests.println(start + " " + end + " " + outcome);
                    requests.flush();
                }
            }), 0, intervalMs, TimeUnit.MILLISECONDS);
            long[] seq = {0};
            ticks.scheduleAtFixedRate(() -> {
                long n = seq[0]++;
                byte[] payload = ByteBuffer.allocate(64).putLong(n).array();
                try {
                    udp.send(new DatagramPacket(payload, payload.length, udpTarget));
                    synchronized (udpSent) {
                        udpSent.println(System.currentTimeMillis() + " " + n);
                        udpSent.flush();
                    }
                } catch (IOException e) {
                    // no route yet or the socket closed: the missing reply shows it
                }
            }, 0, UDP_INTERVAL_MS, TimeUnit.MILLISECONDS);
            if (args.length >= 9) {
                pinned(dir, args[7], args[8], udpTarget.getPort(), timeoutMs, intervalMs, workers, ticks);
            }
            Thread keepAlive = new Thread(() -> keepAlive(host, dir.resolve("keepalive.log")), "keep-alive");
            keepAlive.setDaemon(true);
            keepAlive.start();
            Thread receiver = new Thread(() -> receive(udp, udpRecv), "udp-echo-receiver");
            receiver.setDaemon(true);
            receiver.start();
            long deadline = System.currentTimeMillis() + MAX_RUN_MS;
            while (!Files.exists(stop) && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            ticks.shutdownNow();
            workers.shutdown();
            workers.awaitTermination(timeoutMs + 2_000L, TimeUnit.MILLISECONDS);
        }
        System.exit(0);
    }

    /**
     * The loops that keep the addresses resolved once at their start: GETs to {@code host} every {@code intervalMs}
     * and a datagram to {@code udpHost} every 50 ms on one connected socket (an error it reports, such as the ICMP
     * of a refusal, leaves it open: the app keeps its socket).
     */
    private static void pinned(Path dir, String host, String udpHost, int udpPort, int timeoutMs, int intervalMs,
                               ExecutorService workers, ScheduledExecutorService ticks) throws IOException {
        InetAddress address = resolve(host, System.currentTimeMillis() + 30_000);
        InetAddress udpAddress = resolve(udpHost, System.currentTimeMillis() + 30_000);
        PrintWriter requests = writer(dir.resolve("pinned-requests.log"));
        PrintWriter sent = writer(dir.resolve("pinned-udp-sent.log"));
        PrintWriter recv = writer(dir.resolve("pinned-udp-recv.log"));
        ticks.scheduleAtFixedRate(() -> workers.execute(() -> {
            long start = System.currentTimeMillis();
            String outcome = get(host, address, start + timeoutMs);
            long end = System.currentTimeMillis();
            synchronized (requests) {
                requests.println(start + " " + end + " " + outcome);
                requests.flush();
            }
        }), 0, intervalMs, TimeUnit.MILLISECONDS);
        DatagramSocket udp = new DatagramSocket(0);
        udp.connect(new InetSocketAddress(udpAddress, udpPort));
        long[] seq = {0};
        ticks.scheduleAtFixedRate(() -> {
            long n = seq[0]++;
            byte[] payload = ByteBuffer.allocate(64).putLong(n).array();
            try {
                udp.send(new DatagramPacket(payload, payload.length));
                synchronized (sent) {
                    sent.println(System.currentTimeMillis() + " " + n);
                    sent.flush();
                }
            } catch (IOException e) {
                // an ICMP error reported on the connected socket: the missing reply shows it
            }
        }, 0, UDP_INTERVAL_MS, TimeUnit.MILLISECONDS);
        Thread receiver = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!udp.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    udp.receive(p);
                } catch (IOException e) {
                    continue; // PortUnreachableException and the like: the socket stays usable
                }
                if (p.getLength() >= 8) {
                    synchronized (recv) {
                        recv.println(System.currentTimeMillis() + " " + ByteBuffer.wrap(buf, 0, 8).getLong());
                        recv.flush();
                    }
                }
            }
        }, "pinned-udp-receiver");
        receiver.setDaemon(true);
        receiver.start();
    }

    /** One GET of {@code /} from {@code host}: "ok" for a 200 before {@code deadline}, else "fail:why". */
    static String get(String host, long deadline) {
        try {
            return get(host, resolve(host, deadline), deadline);
        } catch (java.net.UnknownHostException e) {
            return "fail:dns";
        } catch (IOException e) {
            return "fail:" + e.getClass().getSimpleName();
        }
    }

    /** One GET of {@code /} from {@code host} at {@code address} (no lookup). */
    static String get(String host, InetAddress address, long deadline) {
        try {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, 80), remaining(deadline));
                s.setSoTimeout(remaining(deadline));
                s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                byte[] head = in.readNBytes(12);
                String status = new String(head, StandardCharsets.US_ASCII);
                while (in.read() >= 0) {
                    s.setSoTimeout(remaining(deadline));
                }
                if (System.currentTimeMillis() > deadline) {
                    return "fail:late";
                }
                return status.startsWith("HTTP/1.1 200") ? "ok" : "fail:status-" + status.trim().replace(' ', '_');
            }
        } catch (SocketTimeoutException e) {
            return "fail:timeout";
        } catch (java.net.UnknownHostException e) {
            return "fail:dns";
        } catch (IOException | RuntimeException e) {
            return "fail:" + e.getClass().getSimpleName();
        }
    }

    /**
     * An A query to the tunnel DNS, sent again after each second without an answer (as glibc's {@code timeout:1}),
     * until the deadline. Not the JVM's resolver: it serializes concurrent lookups of one name, so lookups that
     * timed out during an outage would queue up and delay every later request.
     */
    static InetAddress resolve(String host, long deadline) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            byte[] query = DnsMessageEncoder.encode(DnsMessage.query(ThreadLocalRandom.current().nextInt(1 << 16),
                    new DnsQuestion(DnsName.of(host), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
            byte[] buf = new byte[1500];
            while (true) {
                socket.send(new DatagramPacket(query, query.length, tunnelDns));
                long retryAt = Math.min(deadline, System.currentTimeMillis() + 1_000);
                while (System.currentTimeMillis() < retryAt) {
                    socket.setSoTimeout((int) Math.max(1, retryAt - System.currentTimeMillis()));
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    DnsMessage answer = DnsMessageDecoder.decode(java.util.Arrays.copyOf(buf, p.getLength()));
                    for (DnsRecord r : answer.answers()) {
                        if (r instanceof DnsRecord.Address a) {
                            return a.address();
                        }
                    }
                    throw new java.net.UnknownHostException(host + ": rcode " + answer.rcode());
                }
                if (System.currentTimeMillis() >= deadline) {
                    throw new java.net.UnknownHostException(host + ": no DNS answer before the deadline");
                }
            }
        } catch (RuntimeException | dev.pinhole.dns.message.DnsFormatException e) {
            throw new java.net.UnknownHostException(host + ": " + e);
        }
    }

    /**
     * One HTTP/1.1 keep-alive connection opened before the failover, with a GET on it every 500 ms: it lived in the
     * replica that dies, so it must end with a reset as soon as one of its segments reaches the replica that took
     * over (an app then reconnects at once), not hang until a timeout. Logs {@code startMs started} and
     * {@code endMs reset|timeout|eof|...} to {@code log}; a response taking over 10 s counts as a timeout.
     */
    static void keepAlive(String host, Path log) {
        try (PrintWriter out = writer(log)) {
            String how;
            try (Socket s = new Socket()) {
                InetAddress address = resolve(host, System.currentTimeMillis() + 10_000);
                s.connect(new InetSocketAddress(address, 80), 10_000);
                s.setSoTimeout(10_000);
                out.println(System.currentTimeMillis() + " started");
                out.flush();
                InputStream in = s.getInputStream();
                byte[] request = ("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                while (true) {
                    s.getOutputStream().write(request);
                    if (!readResponse(in)) {
                        how = "eof";
                        break;
                    }
                    Thread.sleep(500);
                }
            } catch (SocketTimeoutException e) {
                how = "timeout";
            } catch (java.net.SocketException e) {
                how = "reset";
            } catch (IOException e) {
                how = "error:" + e.getClass().getSimpleName();
            } catch (InterruptedException e) {
                how = "interrupted";
            }
            out.println(System.currentTimeMillis() + " " + how);
        }
    }

    /** Reads one response with a Content-Length body; false at the end of the stream. */
    private static boolean readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return false;
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return in.readNBytes(length).length == length;
    }

    private static int remaining(long deadline) throws SocketTimeoutException {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
            throw new SocketTimeoutException("deadline");
        }
        return (int) left;
    }

    private static void receive(DatagramSocket udp, PrintWriter out) {
        byte[] buf = new byte[2048];
        while (!udp.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
            } catch (IOException e) {
                return;
            }
            if (p.getLength() >= 8) {
                long n = ByteBuffer.wrap(buf, 0, 8).getLong();
                synchronized (out) {
                    out.println(System.currentTimeMillis() + " " + n);
                    out.flush();
                }
            }
        }
    }

    private static PrintWriter writer(Path file) {
        try {
            return new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        };
    }
}
