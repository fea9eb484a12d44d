package dev.pinhole.wireguard.udp;

import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Output;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.WireGuardDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts a {@link WireGuardDevice} on a UDP socket.
 *
 * <p>Threads: one receive thread owns the socket's read side: it waits on a selector (at most one tick period),
 * drains every ready datagram into one reused direct buffer, hands each to the device (decrypt, handshakes), tells
 * the sink when a burst ends (the socket ran dry, or every {@value #BURST_DATAGRAMS} datagrams) and runs the
 * device's timers every tick, also when a flood never lets the socket run dry (the drain stops when a tick is
 * due). Outbound IP packets are encrypted on the caller's thread in
 * {@link #sendIp}; so the connector's packet thread and the receive thread use two cores. Sends from both threads
 * go straight to the non-blocking channel ({@code DatagramChannel.send} is thread-safe); a datagram the kernel
 * cannot take at once is dropped and counted, as a full NIC queue would drop it.
 */
public final class UdpDeviceDriver implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(UdpDeviceDriver.class.getName());
    private static final long TICK_NANOS = 100_000_000L;
    /** Datagrams between {@link PacketSink#endOfBurst()} calls while the socket stays ready. */
    private static final int BURST_DATAGRAMS = 64;

    private final WireGuardDevice device;
    private final Ticker ticker;
    private final PacketSink sink;
    private final DatagramChannel channel;
    private final Selector selector;
    private final Thread receiver;
    private volatile Throwable failure;
    private final LongAdder sendDrops = new LongAdder();
    private final LongAdder datagramsIn = new LongAdder();
    private final LongAdder ticks = new LongAdder();
    private volatile boolean running = true;

    private final Output output = new Output() {
        @Override
        public void deliver(Peer peer, ByteBuffer ipPacket) {
            sink.onPacket(peer, ipPacket);
        }

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress to) {
            try {
                if (channel.send(datagram, to) == 0) {
                    sendDrops.increment();
                }
            } catch (IOException e) {
                // Unreachable networks and the like: the protocol's timers retry; UDP is lossy anyway.
                sendDrops.increment();
            }
        }
    };

    private UdpDeviceDriver(WireGuardDevice device, Ticker ticker, PacketSink sink, DatagramChannel channel)
            throws IOException {
        this.device = device;
        this.ticker = ticker;
        this.sink = sink;
        this.channel = channel;
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        this.receiver = new Thread(this::receiveLoop, "wireguard-rx-" + channel.getLocalAddress());
        this.receiver.setDaemon(true);
    }

    /** Binds {@code bind} and starts the receive thread. */
    public static UdpDeviceDriver start(WireGuardDevice device, InetSocketAddress bind, Ticker ticker, PacketSink sink)
            throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            // Bursts arrive faster than one thread decrypts; a deeper kernel queue absorbs them.
            ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 4 << 20);
            ch.bind(bind);
            ch.configureBlocking(false);
            UdpDeviceDriver d = new UdpDeviceDriver(device, ticker, sink, ch);
            d.receiver.start();
            return d;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Encrypts and sends one outbound IP packet on the calling thread (routing by destination). */
    public void sendIp(ByteBuffer ipPacket) {
        device.onOutboundPacket(ipPacket, ticker.nanoTime(), output);
    }

    /** The {@link Output} this driver hands the device, for calls such as {@link WireGuardDevice#initiateHandshake}. */
    public Output output() {
        return output;
    }

    public long sendDrops() {
        return sendDrops.sum();
    }

    public long datagramsReceived() {
        return datagramsIn.sum();
    }

    /** Times the device's timers have run (about one per tick, also under a flood). */
    public long ticksRun() {
        return ticks.sum();
    }

    /**
     * Why the receive thread stopped while the driver is open, or empty while it runs. An exception on one datagram
     * is logged and the thread goes on; an {@link Error} ends it and is reported here (readiness goes down).
     */
    public java.util.Optional<String> failure() {
        Throwable f = failure;
        if (f != null) {
            return java.util.Optional.of("thread " + receiver.getName() + " died: " + f);
        }
        if (running && !receiver.isAlive()) {
            return java.util.Optional.of("thread " + receiver.getName() + " exited");
        }
        return java.util.Optional.empty();
    }

    private void receiveLoop() {
        try {
            receiveUntilClosed();
        } catch (Throwable t) {
            failure = t;
            LOG.log(Level.SEVERE, "WireGuard receive thread died; nothing is received any more", t);
        }
    }

    private void receiveUntilClosed() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        long nextTick = ticker.nanoTime() + TICK_NANOS;
        while (running) {
            try {
                long wait = Math.max(1, (nextTick - ticker.nanoTime()) / 1_000_000L);
                selector.select(wait);
                selector.selectedKeys().clear();
                int burst = 0;
                try {
                    while (running) {
                        buf.clear();
                        SocketAddress from = channel.receive(buf);
                        if (from == null) {
                            break;
                        }
                        buf.flip();
                        datagramsIn.increment();
                        device.onDatagram(buf, (InetSocketAddress) from, ticker.nanoTime(), output);
                        if (++burst == BURST_DATAGRAMS) {
                            burst = 0;
                            sink.endOfBurst();
                        }
                        if (ticker.nanoTime() - nextTick >= 0) {
                            // A flood keeps the socket from running dry: timers (retransmits, keepalives, key
                            // expiry) go first; the select below returns at once for the rest.
                            break;
                        }
                    }
                } finally {
                    sink.endOfBurst();
                }
                long now = ticker.nanoTime();
                if (now - nextTick >= 0) {
                    device.onTick(now, output);
                    ticks.increment();
                    nextTick = now + TICK_NANOS;
                }
            } catch (IOException e) {
                if (running) {
                    LOG.log(Level.WARNING, "UDP receive failed", e);
                }
            } catch (RuntimeException e) {
                // A bug in a handler must not stop the interface; the fuzzers exist to keep this branch cold.
                LOG.log(Level.SEVERE, "tunnel failed on a datagram", e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        selector.close();
        channel.close();
    }
}
