package dev.pinhole.connector;

import dev.pinhole.budget.Allowance;
import dev.pinhole.budget.ClientBudget;
import dev.pinhole.budget.Resource;
import dev.pinhole.budget.ResourceBudget;
import dev.pinhole.dns.message.DnsFormatException;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageEncoder;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.resolver.DnsClientShare;
import dev.pinhole.dns.resolver.DnsQueryHandler;
import dev.pinhole.dns.resolver.NameAccess;
import dev.pinhole.dns.resolver.Transport;
import dev.pinhole.nat.FlowKey;
import dev.pinhole.nat.RelayLoop;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.netstack.packet.UdpDatagramWriter;
import dev.pinhole.netstack.tcp.CloseReason;
import dev.pinhole.netstack.tcp.LentPacket;
import dev.pinhole.netstack.tcp.SegmentSink;
import dev.pinhole.netstack.tcp.SynRequest;
import dev.pinhole.netstack.tcp.TcpConfig;
import dev.pinhole.netstack.tcp.TcpEndpoint;
import dev.pinhole.netstack.tcp.TcpEventListener;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The DNS server at the connector's tunnel address, port 53, inside the userspace stack: UDP queries, and TCP
 * connections (RFC 7766: two-byte length prefix, several queries per connection, answers as they complete)
 * terminated by a {@link TcpEndpoint} with no real socket behind it. Answers come from {@link DnsQueryHandler}
 * asynchronously and are sent from the relay loop thread. Loop thread only, except where noted.
 *
 * <p>Budget: each query is handled with its client's {@link DnsClientShare} (queries in flight, synthetic names);
 * a TCP session takes one of the client's DNS-over-TCP sessions (else RST), its endpoint's buffers come from the
 * client's buffer budget, and a session reads no further query while {@link #MAX_PIPELINED} of its queries wait
 * for an answer or for the client to read it, so neither the pending answers nor the input grow with what the
 * client sends: its window closes instead.
 */
final class InStackDnsServer {
    static final int PORT = 53;
    private static final int MAX_MESSAGE = 65_535;
    private static final long TCP_IDLE_NANOS = 30_000_000_000L;
    /** Queries of one session that may be unanswered or answered and unread at once. */
    static final int MAX_PIPELINED = 16;

    private final RelayLoop loop;
    private final Supplier<DnsQueryHandler> handler;
    /** What a client may reach under the config in force now (asked per query, so a reload applies at once). */
    private final Function<String, NameAccess> access;
    private final byte[] tunnelAddress;
    private final SegmentSink toTunnel;
    private final TcpConfig tcpConfig;
    private final ResourceBudget budget;
    private final ClientAnswers answers;
    private final ActivityRecorder recorder;
    private final SecureRandom random = new SecureRandom();
    private final Map<FlowKey, Session> sessions = new HashMap<>();
    /** Keys of the names {@link #resolveFor} is resolving now. */
    private final Set<String> resolving = new HashSet<>();
    /** UDP answers and refusals are built here and lent to {@link #toTunnel} at once. */
    private final LentPacket out = new LentPacket(MAX_MESSAGE + 60);

    InStackDnsServer(RelayLoop loop, Supplier<DnsQueryHandler> handler, Function<String, NameAccess> access,
                     byte[] tunnelAddress, SegmentSink toTunnel, TcpConfig tcpConfig, ResourceBudget budget,
                     ClientAnswers answers, ActivityRecorder recorder) {
        this.loop = loop;
        this.handler = handler;
        this.access = access;
        this.tunnelAddress = tunnelAddress.clone();
        this.toTunnel = toTunnel;
        this.tcpConfig = tcpConfig;
        this.budget = budget;
        this.answers = answers;
        this.recorder = recorder;
    }

    /** A UDP query: answered later, from the tunnel address, to the client's address and port. */
    void onUdp(String clientName, ParseResult.UdpDatagram datagram) {
        byte[] query = new byte[datagram.udp().payloadLength()];
        datagram.udp().buffer().get(datagram.udp().payloadOffset(), query);
        byte[] client = datagram.ip().sourceBytes();
        int clientPort = datagram.udp().sourcePort();
        handler.get().handle(query, Transport.UDP, shareOf(clientName)).thenAccept(answer -> answer.ifPresent(bytes ->
                loop.execute(() -> {
                    UdpDatagramWriter.write(out.fill(), tunnelAddress, PORT, client, clientPort,
                            ByteBuffer.wrap(bytes));
                    out.lendTo(toTunnel);
                    recorder.lookup(clientName, query, bytes, "udp");
                })));
    }

    /**
     * Resolves {@code name} (A) for {@code clientName} as if it had asked, with its share: the name gets mapped and
     * the answer recorded as the client's; the answer itself goes nowhere. For a flow to a listed name's reserved
     * address that this replica has not mapped yet (the client resolved it on another replica). One lookup per
     * name at a time: the set holds listed names only, so the config bounds it. Loop thread.
     */
    void resolveFor(String clientName, DnsName name) {
        if (!resolving.add(name.key())) {
            return;
        }
        byte[] query;
        try {
            query = DnsMessageEncoder.encode(DnsMessage.query(random.nextInt(0x10000),
                    new DnsQuestion(name, DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        } catch (DnsFormatException e) {
            resolving.remove(name.key());
            throw new IllegalStateException("a parsed name always encodes: " + name, e);
        }
        handler.get().handle(query, Transport.UDP, shareOf(clientName))
                .whenComplete((answer, failure) -> loop.execute(() -> resolving.remove(name.key())));
    }

    private DnsClientShare shareOf(String clientName) {
        ClientBudget b = budget.client(clientName);
        return new DnsClientShare(b.allowance(Resource.DNS_QUERIES), b.allowance(Resource.SYNTHETIC_NAMES),
                answers.of(clientName), name -> access.apply(clientName).mayReach(name));
    }

    /** A TCP segment to port 53; a SYN opens a session (within the client's session budget, else RST). */
    void onTcp(String clientName, FlowKey key, ParseResult.TcpSegment segment) {
        Session s = sessions.get(key);
        if (s != null) {
            s.endpoint.onSegment(segment);
            s.afterCall();
            return;
        }
        var tcp = segment.tcp();
        if (!tcp.syn() || tcp.ack() || tcp.rst()) {
            refuse(segment);
            return;
        }
        ClientBudget clientBudget = budget.client(clientName);
        Allowance sessionsOfClient = clientBudget.allowance(Resource.DNS_TCP_SESSIONS);
        if (!sessionsOfClient.tryAcquire(1)) {
            refuse(segment); // counted by the budget as a dns_tcp_sessions refusal
            return;
        }
        s = new Session(clientName, key, shareOf(clientName), sessionsOfClient);
        sessions.put(key, s);
        s.endpoint = TcpEndpoint.accept(tcpConfig, SynRequest.from(segment), random.nextInt(), loop.ticker(),
                toTunnel, s, clientBudget.allowance(Resource.BUFFER_BYTES));
        s.afterCall();
    }

    private void refuse(ParseResult.TcpSegment segment) {
        if (TcpSegmentBuilder.writeResetFor(out.fill(), segment) > 0) {
            out.lendTo(toTunnel);
        }
    }

    /** Resets TCP sessions idle for 30 s. */
    void expireIdle(long now) {
        for (Session s : new ArrayList<>(sessions.values())) {
            if (now - s.lastActivity >= TCP_IDLE_NANOS) {
                s.endpoint.abort();
            }
        }
    }

    /** Resets every session of the client at {@code client} (removed from the config). */
    void cut(dev.pinhole.ipset.IpAddress client) {
        for (Session s : new ArrayList<>(sessions.values())) {
            if (s.key.client().equals(client)) {
                s.endpoint.abort();
            }
        }
    }

    int tcpSessions() {
        return sessions.size();
    }

    /** One DNS-over-TCP connection from a client. */
    private final class Session implements TcpEventListener {
        final String clientName;
        final FlowKey key;
        final DnsClientShare share;
        /** The client's session allowance this session holds one of until it closes. */
        final Allowance sessionSlot;
        boolean closed;
        final RelayLoop.Timer timer;
        final ArrayDeque<ByteBuffer> answers = new ArrayDeque<>();
        TcpEndpoint endpoint;
        ByteBuffer in = ByteBuffer.allocate(512);
        int outstanding;
        boolean clientDone;
        long lastActivity;

        Session(String clientName, FlowKey key, DnsClientShare share, Allowance sessionSlot) {
            this.clientName = clientName;
            this.key = key;
            this.share = share;
            this.sessionSlot = sessionSlot;
            this.timer = loop.timer(this::onTimer);
            this.lastActivity = loop.ticker().nanoTime();
        }

        @Override
        public void onReadable() {
            lastActivity = loop.ticker().nanoTime();
            while (outstanding + answers.size() < MAX_PIPELINED) {
                if (!in.hasRemaining()) {
                    if (in.capacity() >= MAX_MESSAGE + 2) {
                        endpoint.abort();
                        return;
                    }
                    ByteBuffer bigger = ByteBuffer.allocate(Math.min(MAX_MESSAGE + 2, in.capacity() * 2));
                    in.flip();
                    bigger.put(in);
                    in = bigger;
                }
                int n = endpoint.read(in);
                if (n < 0) {
                    clientDone = true;
                    break;
                }
                if (n == 0) {
                    break;
                }
            }
            extractQueries();
            flush();
        }

        private void extractQueries() {
            in.flip();
            while (in.remaining() >= 2 && outstanding + answers.size() < MAX_PIPELINED) {
                int length = in.getShort(in.position()) & 0xFFFF;
                if (in.remaining() < 2 + length) {
                    break;
                }
                byte[] query = new byte[length];
                in.get(in.position() + 2, query);
                in.position(in.position() + 2 + length);
                outstanding++;
                handler.get().handle(query, Transport.TCP, share)
                        .thenAccept(a -> loop.execute(() -> answered(query, a)));
            }
            in.compact();
        }

        private void answered(byte[] query, Optional<byte[]> answer) {
            outstanding--;
            answer.ifPresent(bytes -> recorder.lookup(clientName, query, bytes, "tcp"));
            if (closed || endpoint.state() == dev.pinhole.netstack.tcp.TcpState.CLOSED) {
                return;
            }
            if (answer.isEmpty()) {
                endpoint.abort(); // malformed: drop the connection rather than answer
                return;
            }
            byte[] bytes = answer.get();
            ByteBuffer framed = ByteBuffer.allocate(2 + bytes.length);
            framed.putShort((short) bytes.length).put(bytes).flip();
            answers.add(framed);
            flush();
            afterCall();
        }

        private void flush() {
            while (!answers.isEmpty()) {
                ByteBuffer head = answers.peek();
                if (endpoint.write(head) < 0) {
                    answers.clear();
                    return;
                }
                if (head.hasRemaining()) {
                    return; // onWritable resumes
                }
                answers.poll();
            }
            if (clientDone && outstanding == 0) {
                endpoint.shutdownOutput();
            } else if (!clientDone && outstanding + answers.size() < MAX_PIPELINED
                    && (endpoint.readableBytes() > 0 || holdsWholeQuery())) {
                // Room in the pipeline again: the queries the client sent meanwhile are read now.
                onReadable();
            }
        }

        /** True when {@link #in} holds at least one complete length-prefixed query not yet taken. */
        private boolean holdsWholeQuery() {
            return in.position() >= 2 && in.position() >= 2 + (in.getShort(0) & 0xFFFF);
        }

        @Override
        public void onWritable() {
            flush();
        }

        @Override
        public void onClosed(CloseReason reason) {
            if (closed) {
                return;
            }
            closed = true;
            timer.disarm();
            sessions.remove(key, this);
            answers.clear();
            endpoint.releaseBuffers();
            sessionSlot.release(1);
        }

        void afterCall() {
            long d = endpoint.nextTimerDeadline();
            if (d == TcpEndpoint.NO_DEADLINE) {
                timer.disarm();
            } else {
                timer.arm(d);
            }
        }

        private void onTimer() {
            endpoint.onTimer();
            afterCall();
        }
    }
}
