package dev.pinhole.dns.resolver;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A real DNS server on 127.0.0.1 for tests: UDP and TCP on one port, answering each query with a script
 * (query bytes, transport) -> list of datagrams to send back (empty: stay silent).
 */
final class ScriptedUpstream implements AutoCloseable {
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final BiFunction<byte[], Transport, List<byte[]>> script;
    final AtomicInteger udpQueries = new AtomicInteger();
    final AtomicInteger tcpQueries = new AtomicInteger();
    final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final Thread udpThread;
    private final Thread tcpThread;

    ScriptedUpstream(BiFunction<byte[], Transport, List<byte[]>> script) throws IOException {
        this.script = script;
        // DNS over TCP goes to the same port number as UDP. A free UDP port's TCP twin can be taken (it was once in
        // CI: "Address already in use"), so take a free TCP port and try its UDP twin, a few times if need be.
        DatagramSocket boundUdp = null;
        ServerSocket boundTcp = null;
        for (int attempt = 0; boundUdp == null; attempt++) {
            boundTcp = new ServerSocket();
            boundTcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try {
                boundUdp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        boundTcp.getLocalPort()));
            } catch (java.net.BindException e) {
                boundTcp.close();
                if (attempt == 20) {
                    throw e;
                }
            }
        }
        this.udp = boundUdp;
        this.tcp = boundTcp;
        udpThread = new Thread(this::serveUdp, "scripted-upstream-udp");
        tcpThread = new Thread(this::serveTcp, "scripted-upstream-tcp");
        udpThread.setDaemon(true);
        tcpThread.setDaemon(true);
        udpThread.start();
        tcpThread.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] query = Arrays.copyOf(p.getData(), p.getLength());
                udpQueries.incrementAndGet();
                received.add(query);
                for (byte[] out : script.apply(query, Transport.UDP)) {
                    udp.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket s = tcp.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                tcpQueries.incrementAndGet();
                received.add(query);
                OutputStream out = s.getOutputStream();
                for (byte[] answer : script.apply(query, Transport.TCP)) {
                    out.write(new byte[] {(byte) (answer.length >>> 8), (byte) answer.length});
                    out.write(answer);
                }
                out.flush();
            } catch (IOException e) {
                if (tcp.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        udp.close();
        tcp.close();
        udpThread.join(2000);
        tcpThread.join(2000);
    }
}
