package dev.pinhole.wireguard.udp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.atomic.LongAdder;

/**
 * A non-blocking {@link DatagramChannel}: one system call per datagram in and out, on every JDK. The path on JDK 17
 * and the fallback when the batched one cannot start.
 */
final class ChannelDatagramPort implements DatagramPort {
    private final DatagramChannel channel;
    private final Selector selector;
    /** Receive thread only: every datagram is read into this one buffer (the JDK reads straight into it). */
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(65536);

    private ChannelDatagramPort(DatagramChannel channel, Selector selector) {
        this.channel = channel;
        this.selector = selector;
    }

    /** Binds {@code bind} (a wildcard address takes IPv4 and IPv6) with 4 MiB socket buffers. */
    static ChannelDatagramPort open(InetSocketAddress bind) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            // Bursts arrive faster than one thread decrypts; a deeper kernel queue absorbs them.
            ch.setOption(StandardSocketOptions.SO_RCVBUF, UdpDeviceDriver.SOCKET_BUFFER_BYTES);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, UdpDeviceDriver.SOCKET_BUFFER_BYTES);
            ch.bind(bind);
            ch.configureBlocking(false);
            Selector selector = Selector.open();
            try {
                ch.register(selector, SelectionKey.OP_READ);
            } catch (IOException | RuntimeException e) {
                selector.close();
                throw e;
            }
            return new ChannelDatagramPort(ch, selector);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public UdpIo kind() {
        return UdpIo.DATAGRAM_CHANNEL;
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    @Override
    public void awaitReadable(long millis) throws IOException {
        selector.select(millis);
        selector.selectedKeys().clear();
    }

    @Override
    public int receive(Receiver into, int max) throws IOException {
        int n = 0;
        while (n < max) {
            receiveBuffer.clear();
            SocketAddress from = channel.receive(receiveBuffer);
            if (from == null) {
                break;
            }
            receiveBuffer.flip();
            n++;
            into.onDatagram(receiveBuffer, (InetSocketAddress) from);
        }
        return n;
    }

    @Override
    public boolean send(ByteBuffer datagram, InetSocketAddress to) throws IOException {
        return channel.send(datagram, to) != 0;
    }

    @Override
    public DatagramBatch newBatch(LongAdder drops) {
        return new DatagramBatch() {
            @Override
            public void add(ByteBuffer datagram, InetSocketAddress to) {
                sendOrCount(datagram, to, drops);
            }

            @Override
            public void flush() {
            }
        };
    }

    @Override
    public long truncated() {
        // A 64 KiB buffer holds any UDP datagram.
        return 0;
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
