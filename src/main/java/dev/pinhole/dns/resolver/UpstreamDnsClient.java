package dev.pinhole.dns.resolver;

import dev.pinhole.dns.message.DnsFormatException;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageDecoder;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.time.Ticker;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Asks upstream resolvers over UDP, one fresh socket (random source port) and random transaction id per
 * attempt; on timeout the next attempt goes to the next server in the list. A response with TC set is
 * retried over TCP to the same server. Responses whose id, source or question do not match are ignored.
 *
 * <p>Threading: one selector thread owns every UDP channel and the timeout queue; {@link #exchange} only
 * enqueues work and wakes it. TCP fallbacks (rare) run blocking on a small pool of two threads.
 */
public final class UpstreamDnsClient implements UpstreamExchange, AutoCloseable {
    private static final int MAX_UDP_RESPONSE = 65_535;
    /** Queries in flight at once (each holds a socket): a flood fails fast instead of exhausting descriptors. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;

    private final List<InetSocketAddress> servers;
    private final long timeoutNanos;
    private final int attempts;
    private final Ticker ticker;
    private final Selector selector;
    private final Thread loop;
    private final ExecutorService tcp;
    private final ConcurrentLinkedQueue<Exchange> starting = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Exchange> deadlines = new PriorityQueue<>((a, b) -> Long.compare(a.deadline, b.deadline));
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger nextServer = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxInFlight;
    private final ByteBuffer receive = ByteBuffer.allocate(MAX_UDP_RESPONSE);
    private volatile boolean closed;

    /** One client query in flight; touched only by the selector thread once started. */
    private final class Exchange {
        final byte[] query;
        final int originalId;
        final DnsQuestion question;
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        final int firstServer;
        int attempt;
        int upstreamId;
        InetSocketAddress server;
        DatagramChannel channel;
        long deadline;

        Exchange(byte[] query, int originalId, DnsQuestion question, int firstServer) {
            this.query = query;
            this.originalId = originalId;
            this.question = question;
            this.firstServer = firstServer;
        }
    }

    /**
     * @param servers  upstream resolvers, tried in turn
     * @param timeout  wait per attempt
     * @param attempts total attempts per query across the servers (at least 1)
     */
    public UpstreamDnsClient(List<InetSocketAddress> servers, Duration timeout, int attempts, Ticker ticker)
            throws IOException {
        this(servers, timeout, attempts, DEFAULT_MAX_IN_FLIGHT, ticker);
    }

    /**
     * @param maxInFlight queries waiting for upstream at once; more fail at once with
     *                    {@link java.util.concurrent.RejectedExecutionException} (the client gets SERVFAIL)
     */
    public UpstreamDnsClient(List<InetSocketAddress> servers, Duration timeout, int attempts, int maxInFlight,
            Ticker ticker) throws IOException {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        this.maxInFlight = maxInFlight;
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no upstream DNS servers (resolv.conf has no nameserver lines?)");
        }
        if (attempts < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("attempts must be >= 1 and timeout positive");
        }
        this.servers = List.copyOf(servers);
        this.timeoutNanos = timeout.toNanos();
        this.attempts = attempts;
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.selector = Selector.open();
        this.tcp = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "pinhole-dns-upstream-tcp");
            t.setDaemon(true);
            return t;
        });
        this.loop = new Thread(this::run, "pinhole-dns-upstream");
        loop.setDaemon(true);
        loop.start();
    }

    /** Two seconds per attempt, two attempts per server. */
    public static UpstreamDnsClient of(List<InetSocketAddress> servers) throws IOException {
        return new UpstreamDnsClient(servers, Duration.ofSeconds(2), Math.max(2, 2 * servers.size()), Ticker.system());
    }

    /** Queries waiting for an upstream answer now. */
    public int inFlight() {
        return inFlight.get();
    }

    public List<InetSocketAddress> servers() {
        return servers;
    }

    @Override
    public CompletableFuture<byte[]> exchange(byte[] query) {
        DnsMessage header;
        try {
            header = DnsMessageDecoder.decodeHeaderAndQuestion(ByteBuffer.wrap(query));
        } catch (DnsFormatException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("query is not a DNS message", e));
        }
        if (header.questions().size() != 1) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("query must have one question"));
        }
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("upstream client closed"));
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(new java.util.concurrent.RejectedExecutionException(
                    maxInFlight + " upstream queries already in flight"));
        }
        int first = Math.floorMod(nextServer.getAndIncrement(), servers.size());
        Exchange x = new Exchange(query.clone(), header.id(), header.questions().get(0), first);
        x.result.whenComplete((r, e) -> inFlight.decrementAndGet());
        starting.add(x);
        selector.wakeup();
        if (closed) {
            failStarting(); // the loop may have exited before it saw x
        }
        return x.result;
    }

    private void run() {
        try {
            while (!closed) {
                long wait = 0;
                Exchange next = deadlines.peek();
                if (next != null) {
                    wait = Math.max(1, (next.deadline - ticker.nanoTime()) / 1_000_000);
                }
                selector.select(wait);
                Exchange fresh;
                while ((fresh = starting.poll()) != null) {
                    attempt(fresh);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.isReadable()) {
                        Exchange x = (Exchange) key.attachment();
                        try {
                            readable(x);
                        } catch (RuntimeException e) {
                            // a bug must fail one query, not the thread that serves all of them
                            deadlines.remove(x);
                            closeChannel(x);
                            x.result.completeExceptionally(e);
                        }
                    }
                }
                selector.selectedKeys().clear();
                long now = ticker.nanoTime();
                while (!deadlines.isEmpty() && deadlines.peek().deadline - now <= 0) {
                    Exchange late = deadlines.poll();
                    closeChannel(late);
                    attempt(late);
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            // closing: fall through and fail what is left
        } finally {
            failAll();
        }
    }

    /** Starts the next attempt of {@code x}, or fails it when none are left. */
    private void attempt(Exchange x) {
        while (x.attempt < attempts) {
            x.server = servers.get((x.firstServer + x.attempt) % servers.size());
            x.attempt++;
            x.upstreamId = random.nextInt(0x10000);
            byte[] wire = withId(x.query, x.upstreamId);
            try {
                x.channel = DatagramChannel.open();
                x.channel.configureBlocking(false);
                x.channel.connect(x.server);
                x.channel.write(ByteBuffer.wrap(wire));
                x.channel.register(selector, SelectionKey.OP_READ, x);
                x.deadline = ticker.nanoTime() + timeoutNanos;
                deadlines.add(x);
                return;
            } catch (IOException e) {
                closeChannel(x); // unreachable server: move on at once
            }
        }
        x.result.completeExceptionally(new TimeoutException("no answer for " + x.question + " from " + servers
                + " after " + attempts + " attempts"));
    }

    private void readable(Exchange x) {
        byte[] response;
        try {
            receive.clear();
            int n = x.channel.read(receive);
            if (n <= 0) {
                return;
            }
            response = Arrays.copyOf(receive.array(), n);
        } catch (IOException e) {
            // ICMP port unreachable surfaces here on a connected channel: try the next server now.
            deadlines.remove(x);
            closeChannel(x);
            attempt(x);
            return;
        }
        if (!matches(x, response)) {
            return; // spoofed or stale; keep waiting until the deadline
        }
        deadlines.remove(x);
        closeChannel(x);
        if ((response[2] & 0x02) != 0) {
            InetSocketAddress server = x.server;
            int upstreamId = x.upstreamId;
            tcp.execute(() -> {
                try {
                    x.result.complete(tcpExchange(x, server, upstreamId));
                } catch (IOException e) {
                    x.result.completeExceptionally(e);
                }
            });
            return;
        }
        x.result.complete(withId(response, x.originalId));
    }

    private boolean matches(Exchange x, byte[] response) {
        try {
            DnsMessage m = DnsMessageDecoder.decodeHeaderAndQuestion(ByteBuffer.wrap(response));
            return m.isResponse() && m.id() == x.upstreamId && m.questions().size() == 1
                    && m.questions().get(0).equals(x.question);
        } catch (DnsFormatException e) {
            return false;
        }
    }

    private byte[] tcpExchange(Exchange x, InetSocketAddress server, int upstreamId) throws IOException {
        int timeoutMillis = (int) Math.max(1, timeoutNanos / 1_000_000);
        try (Socket s = new Socket()) {
            s.connect(server, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            byte[] wire = withId(x.query, upstreamId);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {(byte) (wire.length >>> 8), (byte) wire.length});
            out.write(wire);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int length = in.readUnsignedShort();
            byte[] response = new byte[length];
            in.readFully(response);
            if (!matchesTcp(upstreamId, x.question, response)) {
                throw new IOException("TCP answer from " + server + " does not match " + x.question);
            }
            return withId(response, x.originalId);
        } catch (SocketTimeoutException e) {
            throw new IOException("TCP fallback to " + server + " timed out", e);
        }
    }

    private static boolean matchesTcp(int id, DnsQuestion question, byte[] response) {
        try {
            DnsMessage m = DnsMessageDecoder.decodeHeaderAndQuestion(ByteBuffer.wrap(response));
            return m.isResponse() && m.id() == id && m.questions().size() == 1 && m.questions().get(0).equals(question);
        } catch (DnsFormatException e) {
            return false;
        }
    }

    static byte[] withId(byte[] message, int id) {
        byte[] out = message.clone();
        out[0] = (byte) (id >>> 8);
        out[1] = (byte) id;
        return out;
    }

    private static void closeChannel(Exchange x) {
        if (x.channel != null) {
            try {
                x.channel.close();
            } catch (IOException e) {
                // nothing left to do with a channel we are discarding
            }
            x.channel = null;
        }
    }

    private void failAll() {
        List<Exchange> left = new ArrayList<>(deadlines);
        deadlines.clear();
        for (Exchange x : left) {
            closeChannel(x);
            x.result.completeExceptionally(new IllegalStateException("upstream client closed"));
        }
        failStarting();
    }

    private void failStarting() {
        Exchange x;
        while ((x = starting.poll()) != null) {
            x.result.completeExceptionally(new IllegalStateException("upstream client closed"));
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            selector.close();
        } catch (IOException e) {
            // best effort on shutdown
        }
        tcp.shutdownNow();
    }
}
