package dev.pinhole.wireguard.udp;

import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Output;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.WireGuardDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts a {@link WireGuardDevice} on a UDP socket.
 *
 * <p>Threads: one receive thread owns the socket's read side: it waits for the socket (at most one tick period),
 * reads every ready datagram (through the {@link DatagramPort}: one system call each, or up to 64 messages per call,
 * a message holding a run of datagrams with receive offload), hands each to the device (decrypt, handshakes), tells
 * the sink when a burst ends (the socket ran dry, or every {@value #BURST_DATAGRAMS} datagrams) and runs the device's
 * timers every tick, also when a flood never lets the socket run dry (the drain stops when a tick is due).
 * Outbound IP packets are encrypted on the caller's thread in {@link #sendIp} (sent at once) or through a
 * {@link Sender} (kept until its thread flushes, then sent in one system call where the port batches); so the connector's packet thread and the receive thread use two cores.
 * A datagram the kernel cannot take at once is dropped and counted, as a full NIC queue would drop it.
 *
 * <p>The port is chosen once at start ({@link DatagramPortOpener}): batched {@code recvmmsg}/{@code sendmmsg} on
 * JDK 22+ on Linux, else a {@code DatagramChannel}; {@link #io()} and {@link #ioFallbackReason()} say which and why.
 * A batched port whose reads keep failing is replaced by a channel on the same address ({@link #ioFallbacks()}).
 */
public final class UdpDeviceDriver implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(UdpDeviceDriver.class.getName());
    private static final long TICK_NANOS = 100_000_000L;
    /** Datagrams between {@link PacketSink#endOfBurst()} calls while the socket stays ready. */
    private static final int BURST_DATAGRAMS = 64;
    /** Consecutive failed reads after which a batched port is replaced by the channel (a read normally never fails). */
    static final int FAILURES_BEFORE_FALLBACK = 8;
    /** SO_RCVBUF and SO_SNDBUF: bursts arrive faster than one thread decrypts; a deeper kernel queue absorbs them. */
    static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final WireGuardDevice device;
    private final Ticker ticker;
    private final PacketSink sink;
    /** Replaced once, by the receive thread, when the batched port fails at run time (see {@link #fallBack}). */
    private volatile DatagramPort port;
    /** Bumped with each replacement of {@link #port}: a {@link Sender} then takes a batch of the new port. */
    private volatile int portGeneration;
    private volatile Optional<String> ioFallbackReason;
    private final LongAdder ioFallbacks = new LongAdder();
    /** Datagrams dropped on receipt by ports this driver replaced. */
    private volatile long truncatedBefore;
    private final Thread receiver;
    private volatile Throwable failure;
    private final LongAdder sendDrops = new LongAdder();
    private final LongAdder datagramsIn = new LongAdder();
    private final LongAdder ticks = new LongAdder();
    private volatile boolean running = true;

    /** Sends each datagram at once, from any thread. */
    private final Output output = new Output() {
        @Override
        public void deliver(Peer peer, ByteBuffer ipPacket) {
            sink.onPacket(peer, ipPacket);
        }

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress to) {
            port.sendOrCount(datagram, to, sendDrops);
        }
    };

    /** Receive thread: handshake answers, keepalives and cookie replies, sent at the end of each read. */
    private final Sender replies;
    /** Receive thread: what the port hands over goes to the device with the time of its arrival. */
    private final DatagramPort.Receiver toDevice;
    /** Receive thread: datagrams handed to the device since the sink last heard of a burst's end. */
    private int sinceBurst;

    private UdpDeviceDriver(WireGuardDevice device, Ticker ticker, PacketSink sink, DatagramPortOpener.Opened opened)
            throws IOException {
        this.device = device;
        this.ticker = ticker;
        this.sink = sink;
        this.port = opened.port();
        this.ioFallbackReason = opened.fallbackReason();
        if (opened.batchedFailed()) {
            ioFallbacks.increment();
        }
        this.replies = new Sender();
        this.toDevice = (datagram, from) -> {
            device.onDatagram(datagram, from, ticker.nanoTime(), replies.output);
            // Counted per datagram, not per system call: with receive offload one message may hold dozens.
            if (++sinceBurst >= BURST_DATAGRAMS) {
                endBurst();
            }
        };
        this.receiver = new Thread(this::receiveLoop, "wireguard-rx-" + port.localAddress());
        this.receiver.setDaemon(true);
    }

    /** Binds {@code bind} and starts the receive thread; the UDP I/O is chosen automatically (see {@link #io()}). */
    public static UdpDeviceDriver start(WireGuardDevice device, InetSocketAddress bind, Ticker ticker, PacketSink sink)
            throws IOException {
        return start(device, bind, ticker, sink, null);
    }

    /**
     * Binds {@code bind} on the UDP I/O {@code io} (null: automatic, or the {@code pinhole.udp.io} system property)
     * and starts the receive thread. An explicitly requested batched I/O that cannot start is an IOException.
     */
    public static UdpDeviceDriver start(WireGuardDevice device, InetSocketAddress bind, Ticker ticker, PacketSink sink,
            UdpIo io) throws IOException {
        return start(device, ticker, sink, DatagramPortOpener.open(bind, slotBytes(device.mtu()), io));
    }

    /** Starts the receive thread on a port already open (tests: a port that fails on purpose). */
    static UdpDeviceDriver start(WireGuardDevice device, Ticker ticker, PacketSink sink,
            DatagramPortOpener.Opened opened) throws IOException {
        try {
            UdpDeviceDriver d = new UdpDeviceDriver(device, ticker, sink, opened);
            d.receiver.start();
            return d;
        } catch (IOException | RuntimeException e) {
            opened.port().close();
            throw e;
        }
    }

    /**
     * The largest datagram a batched port keeps per slot: a transport message around an MTU-sized packet (16 bytes
     * of header, 16 of tag, padding within the MTU) with room to spare. Anything larger carries an inner packet the
     * hand-off would drop as over the MTU anyway; it is dropped on receipt and counted as truncated.
     */
    static int slotBytes(int mtu) {
        return (mtu + 32 + 64 + 63) & ~63;
    }

    /**
     * Why batched UDP I/O cannot run in this JVM (JDK before 22, not Linux on amd64/aarch64, a build without it), or
     * empty when a driver started automatically would try it.
     */
    public static Optional<String> batchedIoUnavailable() {
        return DatagramPortOpener.batchedUnavailable();
    }

    /** Which UDP I/O this driver runs on. */
    public UdpIo io() {
        return port.kind();
    }

    /** Why the driver runs on the datagram channel, when it does (JDK before 22, not Linux, requested, failed). */
    public Optional<String> ioFallbackReason() {
        return ioFallbackReason;
    }

    /** Times the batched path failed (to open, or to read at run time) and the channel took over: 0 or 1. */
    public long ioFallbacks() {
        return ioFallbacks.sum();
    }

    public InetSocketAddress localAddress() {
        try {
            return port.localAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Encrypts and sends one outbound IP packet on the calling thread (routing by destination), at once. */
    public void sendIp(ByteBuffer ipPacket) {
        device.onOutboundPacket(ipPacket, ticker.nanoTime(), output);
    }

    /**
     * A sender for one thread that keeps its datagrams until {@link Sender#flush()} (or until 64 are waiting): the
     * thread must flush before it waits for anything. On the datagram channel every datagram goes at once.
     */
    public Sender newSender() {
        return new Sender();
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

    /** Datagrams dropped on receipt as larger than a receive slot (batched I/O only). */
    public long datagramsTruncated() {
        return truncatedBefore + port.truncated();
    }

    /** Times the device's timers have run (about one per tick, also under a flood). */
    public long ticksRun() {
        return ticks.sum();
    }

    /**
     * Why the receive thread stopped while the driver is open, or empty while it runs. An exception on one datagram
     * is logged and the thread goes on; an {@link Error} ends it and is reported here (readiness goes down).
     */
    public Optional<String> failure() {
        Throwable f = failure;
        if (f != null) {
            return Optional.of("thread " + receiver.getName() + " died: " + f);
        }
        if (running && !receiver.isAlive()) {
            return Optional.of("thread " + receiver.getName() + " exited");
        }
        return Optional.empty();
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
        long nextTick = ticker.nanoTime() + TICK_NANOS;
        int failures = 0;
        while (running) {
            try {
                long wait = Math.max(1, (nextTick - ticker.nanoTime()) / 1_000_000L);
                port.awaitReadable(wait);
                try {
                    while (running) {
                        int n = port.receive(toDevice, BURST_DATAGRAMS);
                        failures = 0;
                        if (n == 0) {
                            break;
                        }
                        datagramsIn.add(n);
                        if (ticker.nanoTime() - nextTick >= 0) {
                            // A flood keeps the socket from running dry: timers (retransmits, keepalives, key
                            // expiry) go first; the wait below returns at once for the rest.
                            break;
                        }
                    }
                } finally {
                    endBurst();
                }
                long now = ticker.nanoTime();
                if (now - nextTick >= 0) {
                    device.onTick(now, replies.output);
                    replies.flush();
                    ticks.increment();
                    nextTick = now + TICK_NANOS;
                }
            } catch (IOException e) {
                if (running) {
                    LOG.log(Level.WARNING, "UDP receive failed", e);
                    if (port.kind() == UdpIo.RECVMMSG_SENDMMSG && ++failures >= FAILURES_BEFORE_FALLBACK) {
                        fallBack(e);
                        failures = 0;
                    }
                }
            } catch (RuntimeException e) {
                // A bug in a handler must not stop the interface; the fuzzers exist to keep this branch cold.
                LOG.log(Level.SEVERE, "tunnel failed on a datagram", e);
            }
        }
    }

    /** Receive thread: sends the replies made so far and tells the sink a burst ended (the relay drains it). */
    private void endBurst() {
        sinceBurst = 0;
        replies.flush();
        sink.endOfBurst();
    }

    /**
     * Receive thread: the batched port keeps failing (a read never fails on a healthy socket): it is closed and a
     * channel port is bound to the same address; senders take batches of the new port at their next datagram. The
     * clients notice nothing but the datagrams lost meanwhile. If even that bind fails, the thread dies and says so
     * ({@link #failure()}: readiness goes down).
     */
    private void fallBack(IOException cause) {
        DatagramPort failed = port;
        DatagramPort replacement;
        try {
            InetSocketAddress local = failed.localAddress();
            truncatedBefore += failed.truncated();
            failed.close();
            replacement = ChannelDatagramPort.open(local);
        } catch (IOException e) {
            e.addSuppressed(cause);
            throw new UncheckedIOException("cannot fall back to a datagram channel", e);
        }
        // The reason and the count before the port: whoever sees the channel in use also sees why.
        ioFallbackReason = Optional.of("recvmmsg-sendmmsg failed at run time: " + cause.getMessage());
        ioFallbacks.increment();
        port = replacement;
        portGeneration++;
        LOG.warning(() -> "UDP I/O: the batched socket failed " + FAILURES_BEFORE_FALLBACK
                + " reads in a row (" + cause.getMessage() + "); one system call per datagram from now on");
    }

    @Override
    public void close() throws IOException {
        running = false;
        port.wakeup();
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        port.close();
    }

    /**
     * Encrypts outbound IP packets on one thread into a batch of datagrams that go out together on {@link #flush()}
     * (the relay thread flushes before it waits). Not thread-safe: one per thread.
     */
    public final class Sender {
        private final Output output;
        private DatagramBatch batch;
        /** The {@link #portGeneration} {@link #batch} belongs to. */
        private int generation;

        private Sender() {
            this.generation = portGeneration;
            this.batch = port.newBatch(sendDrops);
            this.output = new Output() {
                @Override
                public void deliver(Peer peer, ByteBuffer ipPacket) {
                    sink.onPacket(peer, ipPacket);
                }

                @Override
                public void send(ByteBuffer datagram, InetSocketAddress to) {
                    batch().add(datagram, to);
                }
            };
        }

        /** This thread's batch on the port in use: after a fall-back, what the old one held is counted as dropped. */
        private DatagramBatch batch() {
            int now = portGeneration;
            if (now != generation) {
                batch.flush();
                batch = port.newBatch(sendDrops);
                generation = now;
            }
            return batch;
        }

        /** Encrypts one outbound IP packet (routing by destination) into the batch. */
        public void sendIp(ByteBuffer ipPacket) {
            device.onOutboundPacket(ipPacket, ticker.nanoTime(), output);
        }

        /** The {@link Output} that batches, for device calls made on this sender's thread. */
        public Output output() {
            return output;
        }

        /** Sends every datagram the batch holds. */
        public void flush() {
            batch().flush();
        }
    }
}
