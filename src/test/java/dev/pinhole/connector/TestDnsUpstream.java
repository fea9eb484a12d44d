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

/** A tiny authoritative DNS server on 127.0.0.1 (UDP): A records from a fixed map, NXDOMAIN for the rest. */
final class TestDnsUpstream implements AutoCloseable {
    private final DatagramSocket socket;
    private final Map<String, InetAddress> records;
    private final Thread thread;

    TestDnsUpstream(Map<String, InetAddress> records) throws IOException {
        this.records = records;
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
                InetAddress a = records.get(question.name().key());
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
