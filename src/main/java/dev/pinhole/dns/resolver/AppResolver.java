package dev.pinhole.dns.resolver;

import dev.pinhole.budget.Allowance;
import dev.pinhole.dns.message.DnsFormatException;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageDecoder;
import dev.pinhole.dns.message.DnsMessageEncoder;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.message.Edns;
import dev.pinhole.dns.message.ExtendedError;
import dev.pinhole.dns.synthetic.AddressHeldException;
import dev.pinhole.dns.synthetic.NameQuotaExceededException;
import dev.pinhole.dns.synthetic.PoolExhaustedException;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.dns.synthetic.SyntheticMapping;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The connector's DNS logic, sans I/O: a client query goes in, and out comes a reply, a drop, or a query to
 * send upstream whose answer comes back in later.
 *
 * <ul>
 *   <li>Names matching the domains that the client's {@link NameAccess} does not grant, any type: REFUSED with
 *       an Extended DNS Error "Blocked", counted as {@link DnsDropReason#NOT_GRANTED}; nothing is asked upstream
 *       and no synthetic address is spent.</li>
 *   <li>Names matching the domains, type A (and AAAA with an IPv6 app range): resolved upstream, CNAME chain
 *       followed, real addresses checked by {@link RealAddressPolicy}, then answered with the name's synthetic
 *       address, TTL = min(upstream TTLs along the chain, maxTtl). The chain is flattened: the client sees one
 *       record for the name it asked.</li>
 *   <li>Matching names, AAAA without an IPv6 range, or SVCB/HTTPS/ANY: NOERROR with no answer (NODATA), so
 *       no real address leaks through address hints and clients fall back to A.</li>
 *   <li>Real answers refused by the policy: REFUSED with an Extended DNS Error "Blocked" (RFC 8914) when the
 *       client speaks EDNS; the name is not mapped and the reason is counted. REFUSED rather than an empty
 *       answer so that a stub does not cache a negative answer and operators see the refusal in dig.</li>
 *   <li>Everything else: the query bytes are forwarded untouched and the answer relayed with the client's
 *       transaction id, truncated (TC) if larger than the client can take over UDP.</li>
 *   <li>Undecodable packets and responses: dropped and counted, never answered.</li>
 * </ul>
 *
 * <p>Thread-safe if the pool and metrics are (they are): it holds no mutable state itself.
 */
public final class AppResolver {
    /** CNAMEs followed in one upstream answer before giving up (loops, absurd chains). */
    static final int MAX_CNAME_CHAIN = 16;

    private final AppResolverConfig config;
    private final SyntheticAddressPool pool;
    private final DnsMetrics metrics;

    /**
     * @throws IllegalArgumentException when the pool's idle timeout is not longer than the TTL cap: a client
     *         could then still hold an address after its mapping was recycled
     */
    public AppResolver(AppResolverConfig config, SyntheticAddressPool pool, DnsMetrics metrics) {
        if (pool.idleTimeout().compareTo(config.maxTtl()) <= 0) {
            throw new IllegalArgumentException("mapping idle timeout " + pool.idleTimeout()
                    + " must be longer than the synthetic TTL cap " + config.maxTtl());
        }
        this.config = config;
        this.pool = pool;
        this.metrics = metrics;
    }

    public ResolverStep onQuery(byte[] query, Transport transport) {
        return onQuery(ByteBuffer.wrap(query), transport);
    }

    /** Handles one client query between the buffer's position and limit; the buffer is not modified. */
    public ResolverStep onQuery(ByteBuffer query, Transport transport) {
        return onQuery(query, transport, DnsClientShare.UNLIMITED);
    }

    /**
     * As {@link #onQuery(ByteBuffer, Transport)} for one client: a new synthetic name is charged to its
     * {@code share.syntheticNames()}, and a synthetic answer is recorded in its {@code share.resolved()}.
     */
    public ResolverStep onQuery(ByteBuffer query, Transport transport, DnsClientShare share) {
        Allowance names = share.syntheticNames();
        metrics.queryReceived();
        DnsMessage q;
        try {
            q = DnsMessageDecoder.decode(query);
        } catch (DnsFormatException e) {
            metrics.dropped(DnsDropReason.MALFORMED);
            return new ResolverStep.Drop(DnsDropReason.MALFORMED);
        }
        if (q.isResponse()) {
            metrics.dropped(DnsDropReason.NOT_A_QUERY);
            return new ResolverStep.Drop(DnsDropReason.NOT_A_QUERY);
        }
        // RFC 6891 6.2.5: over UDP, the smaller of the client's payload size and ours (which avoids fragments
        // inside the tunnel); 512 without EDNS.
        int limit = transport == Transport.TCP ? DnsMessageEncoder.TCP_LIMIT
                : q.edns().map(e -> Math.min(e.effectivePayloadSize(), config.udpPayload()))
                        .orElse(DnsMessageEncoder.CLASSIC_UDP_LIMIT);
        if (q.opcode() != DnsMessage.OPCODE_QUERY) {
            return reply(q, DnsMessage.RCODE_NOTIMP, List.of(), limit);
        }
        if (q.edns().isPresent() && q.edns().get().version() > 0) {
            return reply(q, DnsMessage.RCODE_BADVERS, List.of(), limit); // RFC 6891 6.1.3: we speak version 0
        }
        if (q.questions().size() != 1) {
            return reply(q, DnsMessage.RCODE_FORMERR, List.of(), limit);
        }
        DnsQuestion question = q.questions().get(0);
        if (question.dnsClass() == DnsType.CLASS_IN && config.domains().matches(question.name())) {
            if (!share.access().mayReach(question.name())) {
                metrics.dropped(DnsDropReason.NOT_GRANTED);
                return explained(q, DnsMessage.RCODE_REFUSED, ExtendedError.BLOCKED,
                        "pinhole: no access rule grants this client this name", limit);
            }
            switch (question.type()) {
                case DnsType.A:
                    return askUpstreamFor(q, question, limit, share);
                case DnsType.AAAA:
                    if (pool.ipv6Range().isPresent()) {
                        return askUpstreamFor(q, question, limit, share);
                    }
                    return reply(q, DnsMessage.RCODE_NOERROR, List.of(), limit);
                case DnsType.SVCB:
                case DnsType.HTTPS:
                case DnsType.ANY:
                    return reply(q, DnsMessage.RCODE_NOERROR, List.of(), limit);
                default:
                    break; // TXT, MX, CAA ... carry no address the client would connect to
            }
        }
        metrics.forwarded();
        byte[] raw = new byte[query.remaining()];
        query.get(query.position(), raw);
        return new ResolverStep.AskUpstream(raw, new PendingLookup(q, limit, PendingLookup.Purpose.FORWARD, names,
                share.resolved()));
    }

    private ResolverStep askUpstreamFor(DnsMessage q, DnsQuestion question, int limit, DnsClientShare share) {
        DnsMessage upstream = DnsMessage.query(0, new DnsQuestion(question.name(), question.type(), DnsType.CLASS_IN),
                Optional.of(Edns.of(config.udpPayload())));
        return new ResolverStep.AskUpstream(encode(upstream, DnsMessageEncoder.TCP_LIMIT),
                new PendingLookup(q, limit, PendingLookup.Purpose.SYNTHESIZE, share.syntheticNames(),
                        share.resolved()));
    }

    /** Continues {@code pending} with the upstream's response bytes (any transaction id). */
    public ResolverStep onUpstreamResponse(PendingLookup pending, byte[] response) {
        DnsMessage answer;
        try {
            answer = pending.purpose == PendingLookup.Purpose.FORWARD
                    ? DnsMessageDecoder.decodeHeaderAndQuestion(ByteBuffer.wrap(response))
                    : DnsMessageDecoder.decode(response);
        } catch (DnsFormatException e) {
            return upstreamFailed(pending);
        }
        DnsQuestion asked = pending.query.questions().get(0);
        if (!answer.isResponse() || answer.questions().size() != 1 || !sameQuestion(answer.questions().get(0), asked,
                pending.purpose)) {
            return upstreamFailed(pending);
        }
        if (pending.purpose == PendingLookup.Purpose.FORWARD) {
            return relay(pending, response);
        }
        return synthesize(pending, answer);
    }

    /**
     * Answers {@code pending} at once with SERVFAIL because its client holds its share of queries in flight: it
     * was never sent upstream (RFC 8914 info-code 0 with the reason, when the client speaks EDNS).
     */
    public ResolverStep onOverBudget(PendingLookup pending) {
        return explained(pending.query, DnsMessage.RCODE_SERVFAIL, ExtendedError.OTHER,
                "pinhole: client over its share of DNS queries in flight", pending.responseLimit);
    }

    /** Continues {@code pending} after the upstream exchange failed (timeouts, no server reachable). */
    public ResolverStep onUpstreamFailure(PendingLookup pending) {
        return upstreamFailed(pending);
    }

    private static boolean sameQuestion(DnsQuestion got, DnsQuestion asked, PendingLookup.Purpose purpose) {
        int askedClass = purpose == PendingLookup.Purpose.SYNTHESIZE ? DnsType.CLASS_IN : asked.dnsClass();
        return got.name().equals(asked.name()) && got.type() == asked.type() && got.dnsClass() == askedClass;
    }

    private ResolverStep relay(PendingLookup pending, byte[] response) {
        byte[] out = response.clone();
        out[0] = (byte) (pending.clientId() >>> 8);
        out[1] = (byte) pending.clientId();
        if (out.length <= pending.responseLimit) {
            return new ResolverStep.Reply(out);
        }
        try {
            return new ResolverStep.Reply(DnsMessageEncoder.encode(DnsMessageDecoder.decode(out), pending.responseLimit));
        } catch (DnsFormatException e) {
            return upstreamFailed(pending);
        }
    }

    private ResolverStep synthesize(PendingLookup pending, DnsMessage answer) {
        DnsMessage q = pending.query;
        DnsQuestion question = q.questions().get(0);
        int rcode = answer.rcode();
        if (rcode == DnsMessage.RCODE_NXDOMAIN) {
            return reply(q, DnsMessage.RCODE_NXDOMAIN, List.of(), pending.responseLimit);
        }
        if (rcode != DnsMessage.RCODE_NOERROR) {
            return upstreamFailed(pending);
        }
        long ttl = config.maxTtl().getSeconds();
        DnsName current = question.name();
        Set<DnsName> seen = new HashSet<>();
        seen.add(current);
        for (int hops = 0;; hops++) {
            DnsRecord.Cname next = cnameOf(answer, current);
            if (next == null) {
                break;
            }
            if (hops == MAX_CNAME_CHAIN || !seen.add(next.target())) {
                return upstreamFailed(pending);
            }
            ttl = Math.min(ttl, next.ttl());
            current = next.target();
        }
        List<InetAddress> real = new ArrayList<>();
        for (DnsRecord r : answer.answers()) {
            if (r instanceof DnsRecord.Address a && a.type() == question.type() && a.dnsClass() == DnsType.CLASS_IN
                    && a.name().equals(current)) {
                real.add(a.address());
                ttl = Math.min(ttl, a.ttl());
            }
        }
        if (real.isEmpty()) {
            return reply(q, DnsMessage.RCODE_NOERROR, List.of(), pending.responseLimit);
        }
        for (InetAddress address : real) {
            Optional<RefusalReason> refusal = config.realAddresses().check(address);
            if (refusal.isPresent()) {
                metrics.refused(refusal.get());
                return refuse(q, refusal.get(), pending.responseLimit);
            }
        }
        SyntheticMapping mapping;
        try {
            mapping = question.type() == DnsType.A
                    ? pool.mapIpv4(question.name(), real.stream().map(Inet4Address.class::cast).toList(), pending.names)
                    : pool.mapIpv6(question.name(), real.stream().map(Inet6Address.class::cast).toList(),
                            pending.names);
        } catch (PoolExhaustedException e) {
            metrics.poolExhausted();
            return reply(q, DnsMessage.RCODE_SERVFAIL, List.of(), pending.responseLimit);
        } catch (NameQuotaExceededException e) {
            return explained(q, DnsMessage.RCODE_REFUSED, ExtendedError.BLOCKED,
                    "pinhole: client over its quota of synthetic names", pending.responseLimit);
        } catch (AddressHeldException e) {
            // Another address would depend on the order of queries (and differ between replicas): refuse.
            metrics.nameCollision();
            return explained(q, DnsMessage.RCODE_REFUSED, ExtendedError.OTHER,
                    "pinhole: the synthetic address of this name is held by another name until it is idle",
                    pending.responseLimit);
        }
        InetAddress synthetic = question.type() == DnsType.A ? mapping.ipv4() : mapping.ipv6().orElseThrow();
        // Before the answer leaves: the client's flows to this address go to this name, and only these.
        pending.resolved.record(synthetic, mapping.name());
        metrics.synthesized();
        return reply(q, DnsMessage.RCODE_NOERROR,
                List.of(new DnsRecord.Address(question.name(), DnsType.CLASS_IN, ttl, synthetic)), pending.responseLimit);
    }

    private static DnsRecord.Cname cnameOf(DnsMessage answer, DnsName owner) {
        for (DnsRecord r : answer.answers()) {
            if (r instanceof DnsRecord.Cname c && c.dnsClass() == DnsType.CLASS_IN && c.name().equals(owner)) {
                return c;
            }
        }
        return null;
    }

    private ResolverStep upstreamFailed(PendingLookup pending) {
        metrics.upstreamFailed();
        return reply(pending.query, DnsMessage.RCODE_SERVFAIL, List.of(), pending.responseLimit);
    }

    private ResolverStep refuse(DnsMessage q, RefusalReason reason, int limit) {
        return explained(q, DnsMessage.RCODE_REFUSED, ExtendedError.BLOCKED,
                "pinhole: real address is " + reason.name().toLowerCase().replace('_', ' '), limit);
    }

    /** A reply with {@code rcode} and, when the client speaks EDNS, an RFC 8914 extended error saying why. */
    private ResolverStep explained(DnsMessage q, int rcode, int edeCode, String why, int limit) {
        DnsMessage response = DnsMessage.responseTo(q, rcode, List.of(), config.udpPayload());
        if (response.edns().isPresent()) {
            Edns e = response.edns().get();
            response = new DnsMessage(response.id(), response.flags(), response.questions(), List.of(), List.of(),
                    List.of(), Optional.of(new Edns(e.udpPayloadSize(), 0, 0, e.flags(),
                    new ExtendedError(edeCode, why).toOption())));
        }
        return new ResolverStep.Reply(encode(response, limit));
    }

    private ResolverStep reply(DnsMessage q, int rcode, List<DnsRecord> answers, int limit) {
        return new ResolverStep.Reply(encode(DnsMessage.responseTo(q, rcode, answers, config.udpPayload()), limit));
    }

    private static byte[] encode(DnsMessage m, int limit) {
        try {
            return DnsMessageEncoder.encode(m, limit);
        } catch (DnsFormatException e) {
            // A header, one question (at most 259 octets) and an empty OPT always fit in 512 octets.
            throw new IllegalStateException("response cannot be encoded: " + e.getMessage(), e);
        }
    }
}
