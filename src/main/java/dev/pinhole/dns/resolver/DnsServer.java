package dev.pinhole.dns.resolver;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A DNS server on a real address: UDP and TCP (2-octet length prefix, RFC 1035 4.2.2; several queries per
 * connection answered in order). For tests, and for a connector that listens on a socket rather than inside
 * the userspace stack.
 *
 * <p>Threads: one UDP receiver (responses are sent from whichever thread completes them), one TCP acceptor,
 * and up to {@value #MAX_TCP_CONNECTIONS} connection threads; further TCP connections are closed at once.
 */
public final class DnsServer implements AutoCloseable {
    static final int MAX_TCP_CONNECTIONS = 32;
    private static final int TCP_IDLE_MILLIS = 10_000;
    private static final int TCP_ANSWER_SECONDS = 15;

    private final DnsQueryHandler handler;
    private final DatagramChannel udp;
    private final ServerSocketChannel tcp;
    private final ExecutorService connections;
    private final Thread udpThread;
    private final Thread tcpThread;
    private volatile boolean closed;

    private DnsServer(DnsQueryHandler handler, DatagramChannel udp, ServerSocketChannel tcp) {
        this.handler = handler;
        this.udp = udp;
        this.tcp = tcp;
        this.connections = new ThreadPoolExecutor(0, MAX_TCP_CONNECTIONS, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> daemon(r, "pinhole-dns-tcp"));
        this.udpThread = daemon(this::serveUdp, "pinhole-dns-udp");
        this.tcpThread = daemon(this::acceptTcp, "pinhole-dns-accept");
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Binds UDP and TCP on {@code address}; port 0 picks a free port (the same for both). */
    public static DnsServer start(InetSocketAddress address, DnsQueryHandler handler) throws IOException {
        DatagramChannel udp = DatagramChannel.open();
        ServerSocketChannel tcp = ServerSocketChannel.open();
        try {
            udp.bind(address);
            int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
            tcp.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            tcp.bind(new InetSocketAddress(address.getAddress(), port), 64);
        } catch (IOException e) {
            udp.close();
            tcp.close();
            throw e;
        }
        DnsServer server = new DnsServer(handler, udp, tcp);
        server.udpThread.start();
        server.tcpThread.start();
        return server;
    }

    /** The bound address (UDP and TCP share it). */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) udp.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("server closed", e);
        }
    }

    private void serveUdp() {
        ByteBuffer buf = ByteBuffer.allocate(65_535);
        while (!closed) {
            SocketAddress client;
            try {
                buf.clear();
                client = udp.receive(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue; // e.g. ICMP errors surfacing on receive; keep serving
            }
            buf.flip();
            byte[] query = Arrays.copyOf(buf.array(), buf.limit());
            handler.handle(query, Transport.UDP).thenAccept(answer -> answer.ifPresent(bytes -> {
                try {
                    udp.send(ByteBuffer.wrap(bytes), client);
                } catch (IOException e) {
                    // the client went away; UDP has no one to tell
                }
            }));
        }
    }

    private void acceptTcp() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = tcp.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            try {
                connections.execute(() -> serveTcp(channel));
            } catch (RejectedExecutionException e) {
                closeQuietly(channel.socket());
            }
        }
    }

    private void serveTcp(SocketChannel channel) {
        try (Socket socket = channel.socket()) {
            socket.setSoTimeout(TCP_IDLE_MILLIS);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (!closed) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException e) {
                    return;
                }
                byte[] query = new byte[length];
                in.readFully(query);
                Optional<byte[]> answer = handler.handle(query, Transport.TCP).get(TCP_ANSWER_SECONDS, TimeUnit.SECONDS);
                if (answer.isEmpty()) {
                    return; // malformed: drop the connection rather than answer
                }
                byte[] bytes = answer.get();
                out.write(new byte[] {(byte) (bytes.length >>> 8), (byte) bytes.length});
                out.write(bytes);
                out.flush();
            }
        } catch (IOException | TimeoutException | java.util.concurrent.ExecutionException e) {
            // idle, reset or stuck connection: closing it is the answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            udp.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
        connections.shutdownNow();
        try {
            udpThread.join(2_000);
            tcpThread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
