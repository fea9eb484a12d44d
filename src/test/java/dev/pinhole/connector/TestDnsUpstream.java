package dev.pinhole.connector;

import dev.pinhole.dns.message.DnsFormatException;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageDecoder;
import dev.pinhole.dns.message.DnsMessageEncoder;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP): A records from a fixed map, NXDOMAIN for the rest. Optionally
 * a zone that never answers (its queries are swallowed, as a hostile or dead authoritative server does) and a zone
 * whose every name resolves to one address.
 */
final class TestDnsUpstream implements AutoCloseable {
    private final DatagramSocket socket;
    private final Map<String, InetAddress> records;
    private final Thread thread;
    private final String silentZone;
    private final String wildcardZone;
    private final InetAddress wildcardAddress;
    final java.util.concurrent.atomic.AtomicLong swallowed = new java.util.concurrent.atomic.AtomicLong();

    TestDnsUpstream(Map<String, InetAddress> records) throws IOException {
        this(records, null, null, null);
    }

    /** Names under {@code silentZone} never get an answer; names under {@code wildcardZone} resolve to one address. */
    TestDnsUpstream(Map<String, InetAddress> records, String silentZone, String wildcardZone,
                    InetAddress wildcardAddress) throws IOException {
        this.records = records;
        this.silentZone = silentZone;
        this.wildcardZone = wildcardZone;
        this.wildcardAddress = wildcardAddress;
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.thread = new Thread(this::serve, "test-dns-upstream");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }

    private void serve() {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                DnsMessage q = DnsMessageDecoder.decode(Arrays.copyOf(p.getData(), p.getLength()));
                var question = q.questions().get(0);
                String key = question.name().key();
                if (silentZone != null && key.endsWith(silentZone)) {
                    swallowed.incrementAndGet();
                    continue;
                }
                InetAddress a = wildcardZone != null && key.endsWith(wildcardZone) ? wildcardAddress : records.get(key);
                List<DnsRecord> answers = a != null && question.type() == DnsType.A
                        ? List.of(new DnsRecord.Address(question.name(), DnsType.CLASS_IN, 60, a)) : List.of();
                int rcode = a != null ? DnsMessage.RCODE_NOERROR : DnsMessage.RCODE_NXDOMAIN;
                byte[] out = DnsMessageEncoder.encode(DnsMessage.responseTo(q, rcode, answers, 1232));
                socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (IOException | DnsFormatException | RuntimeException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(2000);
    }
}
