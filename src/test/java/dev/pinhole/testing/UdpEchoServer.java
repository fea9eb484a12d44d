package dev.pinhole.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** A real UDP echo service on 127.0.0.1 (ephemeral port) that sends every datagram back to its sender. */
public final class UdpEchoServer implements AutoCloseable {
    private final DatagramSocket socket;

    private UdpEchoServer(DatagramSocket socket) {
        this.socket = socket;
    }

    /** Binds the socket and starts the daemon thread that echoes until {@link #close()}. */
    public static UdpEchoServer start() throws IOException {
        UdpEchoServer server = new UdpEchoServer(
                new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        Thread thread = new Thread(server::echoUntilClosed, "udp-echo");
        thread.setDaemon(true);
        thread.start();
        return server;
    }

    private void echoUntilClosed() {
        byte[] buf = new byte[65_535];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                socket.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            } catch (IOException e) {
                return;  // closed
            }
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    @Override
    public void close() {
        socket.close();
    }
}
