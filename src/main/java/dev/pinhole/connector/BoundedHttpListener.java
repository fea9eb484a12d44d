package dev.pinhole.connector;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A small HTTP/1.1 listener that no peer can hold up: one selector thread reads every connection without blocking,
 * so an idle or half-sent request occupies a buffer, never a thread; complete requests run on a fixed, small pool.
 *
 * <p>Threading: the selector thread owns every {@link Connection} and all socket I/O; workers only compute a
 * {@link Response} and hand it back through {@link #finished}. Bounds: {@link HttpLimits#maxConnections} open at
 * once (when full, the oldest connection that has not finished its request makes room: the kubelet's probe sends its
 * request at once and is never the oldest), {@link HttpLimits#maxRequestBytes} of request head, a deadline to send
 * the request and one to take the answer. One request per connection: every answer says {@code Connection: close}.
 */
final class BoundedHttpListener implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BoundedHttpListener.class.getName());
    private static final long SWEEP_MS = 100;
    /** How long a refused peer's leftover input is read after its answer: long enough for the answer to land. */
    private static final long DRAIN_NANOS = 1_000_000_000L;
    /**
     * The kernel's queue of connections not yet accepted. Far above {@link HttpLimits#maxConnections}: while the
     * selector thread is starved of CPU, a burst of peers would otherwise fill a queue the size of the cap, and the
     * kernel would drop the next SYN, the kubelet's probe's too, which then waits a 1 s retransmit past its timeout.
     * A queued connection costs kernel memory only; the cap still applies the moment it is accepted.
     */
    private static final int ACCEPT_BACKLOG = 1024;

    /** An answer to send: status code, content type and body (omitted for HEAD). */
    record Response(int code, String contentType, byte[] body) {
        static Response text(int code, String text) {
            return new Response(code, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** How long and how much a peer may take. */
    record HttpLimits(int maxConnections, int maxRequestBytes, Duration requestDeadline, Duration responseDeadline,
                      int workers, int queuedRequests) {
        static HttpLimits defaults() {
            return new HttpLimits(128, 8192, Duration.ofSeconds(5), Duration.ofSeconds(10), 2, 32);
        }
    }

    /** Why the listener ended a connection without a normal answer: the {@code reason} of the refusal metric. */
    enum Refusal {
        CONNECTIONS("connections"), REQUEST_DEADLINE("request_deadline"), REQUEST_TOO_LARGE("request_too_large"),
        RESPONSE_DEADLINE("response_deadline"), BUSY("busy"), MALFORMED("malformed");

        final String label;

        Refusal(String label) {
            this.label = label;
        }
    }

    /** Counts refusals (the connector's metrics; tests may pass a no-op). */
    interface RefusalCounter {
        void refused(Refusal why);
    }

    /** READING the head, COMPUTING the answer on a worker, WRITING it, DRAINING what a refused peer still sends. */
    private enum Phase { READING, COMPUTING, WRITING, DRAINING }

    /** One peer's connection, touched only by the selector thread (workers hold it only to hand back a response). */
    private static final class Connection {
        final SocketChannel channel;
        final long openedNanos;
        ByteBuffer request;
        ByteBuffer answer;
        /** After a refusal of an unread request: close only once the peer stops sending, so it sees the answer. */
        boolean drainAfterAnswer;
        Phase phase = Phase.READING;
        /** How much of {@code request} was searched for the end of the head already. */
        int scanned;
        long writingSinceNanos;

        Connection(SocketChannel channel, long now) {
            this.channel = channel;
            this.openedNanos = now;
        }
    }

    private record Finished(Connection connection, Response response, boolean head) {}

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Map<String, Supplier<Response>> routes;
    private final HttpLimits limits;
    private final RefusalCounter refusals;
    private final ThreadPoolExecutor workers;
    /** Open connections in the order they were accepted: the first one still reading is the one to evict. */
    private final Set<Connection> open = new LinkedHashSet<>();
    private final Queue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final Thread loop;
    private volatile boolean running = true;

    BoundedHttpListener(InetSocketAddress bind, Map<String, Supplier<Response>> routes, HttpLimits limits,
                        RefusalCounter refusals) throws IOException {
        this.routes = Map.copyOf(routes);
        this.limits = limits;
        this.refusals = refusals;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        try {
            server.bind(bind, Math.max(ACCEPT_BACKLOG, limits.maxConnections()));
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            server.close();
            selector.close();
            throw e;
        }
        this.workers = new ThreadPoolExecutor(limits.workers(), limits.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(limits.queuedRequests()), r -> {
                    Thread t = new Thread(r, "connector-http-worker");
                    t.setDaemon(true);
                    return t;
                });
        this.loop = new Thread(this::run, "connector-http");
        loop.setDaemon(true);
        loop.start();
    }

    int port() {
        return server.socket().getLocalPort();
    }

    private void run() {
        while (running) {
            try {
                selector.select(SWEEP_MS);
                long now = System.nanoTime();
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept(now);
                    } else {
                        Connection c = (Connection) key.attachment();
                        if (key.isReadable()) {
                            read(c, key);
                        } else if (key.isWritable()) {
                            write(c, key);
                        }
                    }
                }
                for (Finished f; (f = finished.poll()) != null; ) {
                    startWriting(f.connection(), f.response(), f.head(), now);
                }
                sweep(now);
            } catch (IOException | RuntimeException e) {
                // One bad connection or a selector hiccup must not end the listener the probes depend on.
                LOG.log(System.Logger.Level.WARNING, "http listener: " + e);
            }
        }
    }

    private void accept(long now) throws IOException {
        for (SocketChannel channel; (channel = server.accept()) != null; ) {
            if (open.size() >= limits.maxConnections() && !evictOne()) {
                refusals.refused(Refusal.CONNECTIONS);
                channel.close();
                continue;
            }
            channel.configureBlocking(false);
            Connection c = new Connection(channel, now);
            channel.register(selector, SelectionKey.OP_READ, c);
            open.add(c);
        }
    }

    /**
     * Makes room for a new connection: the oldest one that was answered already and is only draining, else the
     * oldest still sending its head. Answers being computed or written are never cut.
     */
    private boolean evictOne() {
        for (Phase evictable : new Phase[] {Phase.DRAINING, Phase.READING}) {
            for (Connection c : open) {
                if (c.phase == evictable) {
                    refusals.refused(Refusal.CONNECTIONS);
                    close(c);
                    return true;
                }
            }
        }
        return false;
    }

    private void read(Connection c, SelectionKey key) {
        if (c.phase == Phase.DRAINING) {
            drain(c);
            return;
        }
        if (c.phase != Phase.READING) {
            return;
        }
        if (c.request == null) {
            c.request = ByteBuffer.allocate(limits.maxRequestBytes());
        }
        int n;
        try {
            n = c.channel.read(c.request);
        } catch (IOException e) {
            close(c);
            return;
        }
        if (n < 0) {
            close(c);
            return;
        }
        int end = endOfHead(c.request, c.scanned);
        c.scanned = c.request.position();
        if (end >= 0) {
            key.interestOps(0);
            dispatch(c, new String(c.request.array(), 0, end, StandardCharsets.ISO_8859_1));
        } else if (!c.request.hasRemaining()) {
            refusals.refused(Refusal.REQUEST_TOO_LARGE);
            key.interestOps(0);
            c.drainAfterAnswer = true;
            startWriting(c, Response.text(431, "request head larger than " + limits.maxRequestBytes() + " bytes\n"),
                    false, System.nanoTime());
        }
    }

    /**
     * Index of the end of the request head (the blank line), or -1 while it has not arrived. Resumes where the last
     * read's scan stopped (less the 3 bytes a terminator can straddle), so a peer dripping one byte at a time costs
     * linear, not quadratic, work on the selector thread.
     */
    private static int endOfHead(ByteBuffer buf, int scanned) {
        byte[] a = buf.array();
        for (int i = Math.max(0, scanned - 3); i < buf.position(); i++) {
            if (a[i] == '\n' && ((i >= 1 && a[i - 1] == '\n') || (i >= 3 && a[i - 1] == '\r' && a[i - 2] == '\n'))) {
                return i + 1;
            }
        }
        return -1;
    }

    private void dispatch(Connection c, String requestHead) {
        String line = requestHead.lines().findFirst().orElse("");
        String[] parts = line.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            refusals.refused(Refusal.MALFORMED);
            startWriting(c, Response.text(400, "malformed request line\n"), false, System.nanoTime());
            return;
        }
        String method = parts[0];
        boolean head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) {
            startWriting(c, Response.text(405, "only GET and HEAD\n"), false, System.nanoTime());
            return;
        }
        int query = parts[1].indexOf('?');
        // A route may name one exact query (/status?clientStats=omit); any other query is the path's own route.
        Supplier<Response> exact = routes.get(parts[1]);
        Supplier<Response> route = exact != null || query < 0 ? exact : routes.get(parts[1].substring(0, query));
        if (route == null) {
            startWriting(c, Response.text(404, "not found\n"), head, System.nanoTime());
            return;
        }
        c.phase = Phase.COMPUTING;
        try {
            workers.execute(() -> {
                Response response;
                try {
                    response = route.get();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "http " + parts[1] + ": " + e);
                    response = Response.text(500, "internal error\n");
                }
                finished.add(new Finished(c, response, head));
                selector.wakeup();
            });
        } catch (RejectedExecutionException e) {
            refusals.refused(Refusal.BUSY);
            startWriting(c, Response.text(503, "busy\n"), head, System.nanoTime());
        }
    }

    private void startWriting(Connection c, Response response, boolean head, long now) {
        if (!c.channel.isOpen()) {
            return;
        }
        String header = "HTTP/1.1 " + response.code() + " " + reasonPhrase(response.code()) + "\r\n"
                + "Content-Type: " + response.contentType() + "\r\n"
                + "Content-Length: " + response.body().length + "\r\n"
                + "Connection: close\r\n\r\n";
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer answer = ByteBuffer.allocate(h.length + (head ? 0 : response.body().length));
        answer.put(h);
        if (!head) {
            answer.put(response.body());
        }
        answer.flip();
        c.answer = answer;
        c.request = null;
        c.phase = Phase.WRITING;
        c.writingSinceNanos = now;
        SelectionKey key = c.channel.keyFor(selector);
        write(c, key);
    }

    private void write(Connection c, SelectionKey key) {
        try {
            c.channel.write(c.answer);
        } catch (IOException e) {
            close(c);
            return;
        }
        if (c.answer.hasRemaining()) {
            key.interestOps(SelectionKey.OP_WRITE);
        } else if (c.drainAfterAnswer) {
            // Closing with unread input would reset the connection and could destroy the answer in flight.
            try {
                c.channel.shutdownOutput();
            } catch (IOException e) {
                close(c);
                return;
            }
            c.answer = null;
            c.phase = Phase.DRAINING;
            key.interestOps(SelectionKey.OP_READ);
        } else {
            close(c);
        }
    }

    private void drain(Connection c) {
        ByteBuffer discard = ByteBuffer.allocate(4096);
        try {
            while (true) {
                discard.clear();
                int n = c.channel.read(discard);
                if (n < 0) {
                    close(c);
                    return;
                }
                if (n == 0) {
                    return;
                }
            }
        } catch (IOException e) {
            close(c);
        }
    }

    private void sweep(long now) {
        for (Connection c : new ArrayList<>(open)) {
            if (c.phase == Phase.READING && now - c.openedNanos > limits.requestDeadline().toNanos()) {
                refusals.refused(Refusal.REQUEST_DEADLINE);
                close(c);
            } else if ((c.phase == Phase.WRITING && now - c.writingSinceNanos > limits.responseDeadline().toNanos())
                    || (c.phase == Phase.DRAINING && now - c.writingSinceNanos > DRAIN_NANOS)) {
                refusals.refused(Refusal.RESPONSE_DEADLINE);
                close(c);
            }
        }
    }

    private void close(Connection c) {
        open.remove(c);
        c.request = null;
        c.answer = null;
        try {
            c.channel.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
        }
    }

    private static String reasonPhrase(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            loop.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        for (Connection c : new ArrayList<>(open)) {
            close(c);
        }
        try {
            server.close();
            selector.close();
        } catch (IOException ignored) {
            // shutting down
        }
    }
}
