package dev.pinhole.connector;

import dev.pinhole.connector.records.ClientRef;
import dev.pinhole.connector.records.ClientShares;
import dev.pinhole.connector.records.FlowAttribution;
import dev.pinhole.connector.records.FlowRecord;
import dev.pinhole.connector.records.LookupRecord;
import dev.pinhole.connector.records.RecordCounts;
import dev.pinhole.connector.records.RecordDropReason;
import dev.pinhole.connector.records.RecordKind;
import dev.pinhole.connector.records.RecordSettings;
import dev.pinhole.connector.records.RecordStream;
import dev.pinhole.connector.records.RefusalRecord;
import dev.pinhole.connector.records.SummaryRecord;
import dev.pinhole.dns.message.DnsFormatException;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageDecoder;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.message.ExtendedError;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.nat.Flow;
import dev.pinhole.nat.FlowEndReason;
import dev.pinhole.nat.FlowKey;
import dev.pinhole.nat.NatDropReason;
import dev.pinhole.netstack.packet.IpProtocol;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.WireGuardDevice;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Turns the data plane's events into records (docs/flow-records.md) under the settings in force: flow starts and
 * ends from the NAT's one lifecycle hook, refusals of new flows (rate-limited per client and reason), and the tunnel
 * DNS's answers, each within its client's share ({@link ClientShares}: what is over it is summarised, never
 * crowding out another client's records). Relay thread only; it makes a record value and offers it to the
 * {@link RecordStream}, which never waits. Nothing here runs per forwarded packet.
 */
final class ActivityRecorder {
    /**
     * NAT reasons that refuse a new flow. The others are about packets of a live flow, end one (its end record
     * tells), or are stray segments of no flow ({@code no_flow}, and {@code reset_rate_limited} that stands in for
     * it under a flood): every client sends a few after a flow closed or the connector restarted, so as records
     * they would be noise; the drops metric counts them.
     */
    private static final Set<NatDropReason> NAT_REFUSALS = EnumSet.of(NatDropReason.FLOW_LIMIT_GLOBAL,
            NatDropReason.FLOW_LIMIT_CLIENT, NatDropReason.SOCKET_ERROR);
    /** Policy reasons recorded as refusals (the others: no client known, transient, or a flow's end). */
    private static final Set<PolicyDropReason> POLICY_REFUSALS = EnumSet.of(PolicyDropReason.SPOOFED_SOURCE,
            PolicyDropReason.NOT_MAPPED, PolicyDropReason.NOT_RESOLVED, PolicyDropReason.NOT_GRANTED,
            PolicyDropReason.NO_ROUTE,
            PolicyDropReason.FORBIDDEN_DESTINATION, PolicyDropReason.EGRESS_UNVERIFIED,
            PolicyDropReason.TUNNEL_PORT_CLOSED);

    private final RecordStream stream;
    private final Supplier<RuntimeState> state;
    private final WireGuardDevice device;
    private final SyntheticAddressPool pool;
    private final Ticker ticker;
    private final LongSupplier wallMillis;
    private final RecordCounts counts;
    private final ClientShares shares;
    private RuntimeState namesOf;
    private Map<String, RuntimeState.Client> byName = Map.of();

    ActivityRecorder(RecordStream stream, Supplier<RuntimeState> state, WireGuardDevice device,
                     SyntheticAddressPool pool, Ticker ticker, LongSupplier wallMillis, RecordCounts counts) {
        this.stream = stream;
        this.state = state;
        this.device = device;
        this.pool = pool;
        this.ticker = ticker;
        this.wallMillis = wallMillis;
        this.counts = counts;
        this.shares = new ClientShares(RecordSettings.DEFAULTS.refusalsPerSecond());
    }

    private RecordSettings settings() {
        RuntimeState st = state.get();
        return st == null ? RecordSettings.OFF : st.records();
    }

    /**
     * What a new flow of {@code client} to {@code destination} carries for its records (null while flow records are
     * off): the client's name, key and endpoint now, so a later config change cannot re-attribute the flow.
     */
    FlowAttribution attributionFor(RuntimeState st, String client, IpAddress destination) {
        if (!st.records().flowEnds()) {
            return null;
        }
        return new FlowAttribution(clientRef(client, st.records()), st.origins().of(destination));
    }

    // ------------------------------------------------------------------ flows

    void flowOpened(Flow flow) {
        RecordSettings s = settings();
        if (s.flowStarts() && admitFlow(flow, 0, 0)) {
            stream.offer(flowRecord(flow, FlowRecord.Event.START, null, s));
        }
    }

    void flowEnded(Flow flow, FlowEndReason reason) {
        RecordSettings s = settings();
        if (s.flowEnds() && admitFlow(flow, flow.bytesFromClient(), flow.bytesToClient())) {
            stream.offer(flowRecord(flow, FlowRecord.Event.END, reason, s));
        }
    }

    /**
     * Update records for the flows that passed another multiple of the active timeout between {@code sinceNanos}
     * and {@code nowNanos} (housekeeping, every second): stateless, from each flow's age, so nothing is kept per
     * flow and a flow gets one update per multiple however often this runs.
     */
    void interim(Iterable<? extends Flow> flows, long sinceNanos, long nowNanos) {
        RecordSettings s = settings();
        if (!s.flowUpdates() || nowNanos <= sinceNanos) {
            return;
        }
        long period = s.activeTimeoutSeconds() * 1_000_000_000L;
        for (Flow flow : flows) {
            long ageNow = nowNanos - flow.createdNanos();
            long ageBefore = sinceNanos - flow.createdNanos();
            if (ageNow >= period && ageNow / period > Math.max(0, ageBefore) / period
                    && admitFlow(flow, 0, 0)) {
                stream.offer(flowRecord(flow, FlowRecord.Event.UPDATE, null, s));
            }
        }
    }

    private boolean admitFlow(Flow flow, long bytesFromClient, long bytesToClient) {
        if (shares.admitFlow(flow.client(), bytesFromClient, bytesToClient, ticker.nanoTime())) {
            return true;
        }
        counts.dropped(RecordKind.FLOW, RecordDropReason.CLIENT_SHARE);
        return false;
    }

    private FlowRecord flowRecord(Flow flow, FlowRecord.Event event, FlowEndReason reason, RecordSettings s) {
        long now = wallMillis.getAsLong();
        long durationMillis = Math.max(0, (ticker.nanoTime() - flow.createdNanos()) / 1_000_000L);
        FlowKey key = flow.key();
        InetSocketAddress real = flow.realTarget();
        FlowAttribution opened = flow.label() instanceof FlowAttribution a ? a : null;
        return new FlowRecord(now, event, opened != null ? opened.client() : clientRef(flow.client(), s),
                protocol(key.protocol()),
                key.client().toString(), key.clientPort(), key.app().toString(), key.appPort(),
                real == null ? null : real.getAddress().getHostAddress(), real == null ? 0 : real.getPort(),
                opened == null ? null : opened.origin(), flow.bytesFromClient(), flow.bytesToClient(),
                flow.packetsFromClient(), flow.packetsToClient(),
                event == FlowRecord.Event.START ? now : now - durationMillis,
                event == FlowRecord.Event.START ? 0 : durationMillis, reason == null ? null : endOf(reason));
    }

    /** The schema's spelling of an end reason. */
    static String endOf(FlowEndReason reason) {
        return switch (reason) {
            case CLOSED -> "fin";
            case RESET -> "rst";
            case IDLE -> "idle";
            case REVOKED -> "revoked";
            case CUT -> "stopping";
            case CONNECT_FAILED -> "connect-failed";
        };
    }

    // ------------------------------------------------------------------ refusals

    /** A refusal of the NAT layer; a reason about a live flow (its end record tells) is not recorded here. */
    void refused(FlowKey key, String client, NatDropReason reason, boolean flowLive) {
        if (!NAT_REFUSALS.contains(reason) || flowLive) {
            return;
        }
        long left = admitRefusal(client, reason);
        if (left >= 0) {
            refused(client, reason, left, key.protocol(), key.client(), key.clientPort(), key.app(), key.appPort());
        }
    }

    /**
     * Whether a refusal of {@code client} for {@code reason} becomes a record: -1 when not (not a recorded reason,
     * refusals off, or over its rate: counted), else how many of these refusals were left out before it. Call it
     * before building the record's addresses: a flood of refused packets allocates nothing here for a known client.
     */
    long admitRefusal(String client, Enum<?> reason) {
        boolean recorded = reason instanceof PolicyDropReason p ? POLICY_REFUSALS.contains(p)
                : reason instanceof NatDropReason n && NAT_REFUSALS.contains(n);
        RecordSettings s = settings();
        if (!recorded || !s.refusals()) {
            return -1;
        }
        shares.refusalRate(s.refusalsPerSecond());
        long left = shares.admitRefusal(client, reason, ticker.nanoTime());
        if (left < 0) {
            counts.dropped(RecordKind.REFUSAL, RecordDropReason.RATE_LIMITED);
        }
        return left;
    }

    /** The refusal record {@link #admitRefusal} admitted ({@code left}: refusals left out before it). */
    void refused(String client, Enum<?> reason, long left, int protocol, IpAddress source, int sourcePort,
                 IpAddress destination, int destinationPort) {
        stream.offer(new RefusalRecord(wallMillis.getAsLong(), clientRef(client, settings()), label(reason),
                protocol(protocol), source == null ? null : source.toString(), sourcePort,
                destination == null ? null : destination.toString(), destinationPort, left));
    }

    private static String label(Object reason) {
        return ((Enum<?>) reason).name().toLowerCase(Locale.ROOT);
    }

    /**
     * Housekeeping: forgets refusal buckets that refilled and writes the summaries due (refusals of recovered
     * buckets, and every {@link ClientShares#SUMMARY_NANOS} the flows and lookups over a client's share).
     */
    void sweep() {
        shares.sweep(ticker.nanoTime(), false, this::summary, ActivityRecorder::label);
    }

    /** Writes every summary now, due or not (the pod stopping: what was left out is told before the stream ends). */
    void summariseAll() {
        shares.sweep(ticker.nanoTime(), true, this::summary, ActivityRecorder::label);
    }

    private void summary(String client, RecordKind of, String reason, long count, long from, long to) {
        stream.offer(new SummaryRecord(wallMillis.getAsLong(), clientRef(client, settings()), of, reason, count,
                from, to));
    }

    // ------------------------------------------------------------------ lookups

    /** Whether lookups are recorded now (the DNS server skips the copy otherwise). */
    boolean wantsLookups() {
        return settings().lookups();
    }

    /** A client's query and the answer it got (both whole DNS messages). */
    void lookup(String client, byte[] query, byte[] answer, String transport) {
        RecordSettings s = settings();
        if (!s.lookups()) {
            return;
        }
        if (!shares.admitLookup(client, ticker.nanoTime())) {
            counts.dropped(RecordKind.LOOKUP, RecordDropReason.CLIENT_SHARE);
            return;
        }
        DnsQuestion question;
        DnsMessage response;
        RuntimeState st = state.get();
        String pattern;
        try {
            DnsMessage q = DnsMessageDecoder.decodeHeaderAndQuestion(ByteBuffer.wrap(query));
            if (q.questions().size() != 1) {
                return;
            }
            question = q.questions().get(0);
            pattern = st.origins().patternOf(question.name());
            response = DnsMessageDecoder.decodeHeaderAndQuestion(ByteBuffer.wrap(answer));
            // The records are read only where the line needs them: the synthetic answers of an app name, or the
            // extended error of a refusal (a short message). A forwarded name's answer (it may carry hundreds of
            // records, 15-30 KB) lists no address in the record, so only its header is read.
            if (pattern != null || response.rcode() != DnsMessage.RCODE_NOERROR) {
                response = DnsMessageDecoder.decode(answer);
            }
        } catch (DnsFormatException e) {
            return;
        }
        List<String> synthetic = new ArrayList<>();
        List<String> real = new ArrayList<>();
        int cut = 0;
        for (DnsRecord r : response.answers()) {
            if (r instanceof DnsRecord.Address a && pool.inRange(a.address())) {
                cut += addCapped(synthetic, a.address());
                var mapping = pool.lookup(a.address());
                if (mapping.isPresent()) {
                    for (InetAddress ra : mapping.get().realAddresses()) {
                        cut += addCapped(real, ra);
                    }
                }
            }
        }
        String outcome = switch (response.rcode()) {
            case DnsMessage.RCODE_NOERROR -> !synthetic.isEmpty() ? "synthetic"
                    : pattern == null ? "forwarded" : "nodata";
            case DnsMessage.RCODE_NXDOMAIN -> "nxdomain";
            case DnsMessage.RCODE_REFUSED -> "refused";
            case DnsMessage.RCODE_SERVFAIL -> "servfail";
            default -> "other";
        };
        stream.offer(new LookupRecord(wallMillis.getAsLong(), clientRef(client, s),
                FlowOrigins.presentation(question.name()), DnsType.name(question.type()), transport, outcome,
                pattern, synthetic.isEmpty() ? null : synthetic, real.isEmpty() ? null : real,
                ExtendedError.of(response).map(ExtendedError::text).orElse(null), cut));
    }

    /** Adds {@code address} unless {@code list} holds {@link LookupRecord#MAX_ADDRESSES}: 1 when cut. */
    private static int addCapped(List<String> list, InetAddress address) {
        if (list.size() >= LookupRecord.MAX_ADDRESSES) {
            return 1;
        }
        list.add(address.getHostAddress());
        return 0;
    }

    // ------------------------------------------------------------------ common

    private ClientRef clientRef(String name, RecordSettings s) {
        RuntimeState st = state.get();
        if (st != namesOf) {
            Map<String, RuntimeState.Client> m = new HashMap<>();
            for (RuntimeState.Client c : st.clients().values()) {
                m.put(c.name(), c);
            }
            byName = m;
            namesOf = st;
        }
        RuntimeState.Client c = byName.get(name);
        if (c == null) {
            return new ClientRef(name, null, null);
        }
        String endpoint = null;
        if (s.clientEndpoints()) {
            InetSocketAddress e = device.peer(c.key()).map(Peer::endpoint).orElse(null);
            endpoint = e == null ? null : e.getAddress().getHostAddress() + ":" + e.getPort();
        }
        return new ClientRef(name, c.key().toBase64(), endpoint);
    }

    static String protocol(int protocol) {
        return switch (protocol) {
            case IpProtocol.TCP -> "tcp";
            case IpProtocol.UDP -> "udp";
            case IpProtocol.ICMP, IpProtocol.ICMPV6 -> "icmp";
            default -> String.valueOf(protocol);
        };
    }
}
