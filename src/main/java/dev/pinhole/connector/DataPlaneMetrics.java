package dev.pinhole.connector;

import dev.pinhole.connector.records.RecordCounts;
import dev.pinhole.connector.records.RecordDropReason;
import dev.pinhole.connector.records.RecordKind;
import dev.pinhole.dns.resolver.DnsMetrics;
import dev.pinhole.dns.resolver.DnsDropReason;
import dev.pinhole.dns.resolver.RefusalReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The data plane's Micrometer meters, all named {@code pinhole.connector.*}: packets and bytes per direction
 * ({@code in}: from clients, {@code out}: to clients), drops by reason, active flows, WireGuard handshakes, DNS
 * queries and mappings, egress verification.
 */
public final class DataPlaneMetrics implements DnsMetrics {
    private final MeterRegistry registry;
    /**
     * Micrometer holds a function counter's state object weakly and nothing else holds these lambdas: without this
     * list the counters read 0 after the next GC.
     */
    private final List<Supplier<Number>> suppliers = new CopyOnWriteArrayList<>();
    private final Counter packetsIn;
    private final Counter packetsOut;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter dnsQueries;
    private final Counter dnsSynthesized;
    private final Counter dnsForwarded;
    private final Counter dnsUpstreamFailures;
    private final Map<String, Counter> drops = new ConcurrentHashMap<>();
    private final Map<String, Counter> dnsRefused = new ConcurrentHashMap<>();
    private final RecordCounts records;

    public DataPlaneMetrics(MeterRegistry registry) {
        this.registry = registry;
        packetsIn = Counter.builder("pinhole.connector.packets").tag("direction", "in")
                .description("IP packets from clients (decrypted)").register(registry);
        packetsOut = Counter.builder("pinhole.connector.packets").tag("direction", "out")
                .description("IP packets to clients (before encryption)").register(registry);
        bytesIn = Counter.builder("pinhole.connector.bytes").tag("direction", "in").baseUnit("bytes")
                .register(registry);
        bytesOut = Counter.builder("pinhole.connector.bytes").tag("direction", "out").baseUnit("bytes")
                .register(registry);
        dnsQueries = registry.counter("pinhole.connector.dns.queries");
        dnsSynthesized = registry.counter("pinhole.connector.dns.answers", "kind", "synthetic");
        dnsForwarded = registry.counter("pinhole.connector.dns.answers", "kind", "forwarded");
        dnsUpstreamFailures = registry.counter("pinhole.connector.dns.upstream.failures");
        records = recordCounters(registry);
    }

    /**
     * Records written and dropped, by kind (and reason), every series registered up front so a dashboard sees 0
     * before the first drop: {@code pinhole_connector_records_total}, {@code pinhole_connector_records_dropped_total}.
     */
    private static RecordCounts recordCounters(MeterRegistry registry) {
        int kinds = RecordKind.values().length;
        Counter[] written = new Counter[kinds];
        Counter[][] dropped = new Counter[kinds][RecordDropReason.values().length];
        for (RecordKind k : RecordKind.values()) {
            written[k.ordinal()] = Counter.builder("pinhole.connector.records").tag("kind", k.label())
                    .description("flow, refusal, lookup, summary and gap records written to standard output")
                    .register(registry);
            if (k == RecordKind.GAP) {
                continue; // never dropped: a gap line that fails to write is told again by the next one
            }
            for (RecordDropReason r : RecordDropReason.values()) {
                dropped[k.ordinal()][r.ordinal()] = Counter.builder("pinhole.connector.records.dropped")
                        .tag("kind", k.label()).tag("reason", r.label())
                        .description("records not written: queue full (records or bytes), over the client's share or"
                                + " refusal rate, output failed")
                        .register(registry);
            }
        }
        return new RecordCounts() {
            @Override
            public void written(RecordKind kind) {
                written[kind.ordinal()].increment();
            }

            @Override
            public void dropped(RecordKind kind, RecordDropReason reason) {
                Counter c = dropped[kind.ordinal()][reason.ordinal()];
                if (c != null) {
                    c.increment();
                }
            }
        };
    }

    /** Where the record path counts what it wrote and dropped. */
    RecordCounts records() {
        return records;
    }

    void packetIn(int bytes) {
        packetsIn.increment();
        bytesIn.increment(bytes);
    }

    void packetOut(int bytes) {
        packetsOut.increment();
        bytesOut.increment(bytes);
    }

    /** Counts one drop or refusal; {@code reason} is an enum constant of any layer. */
    void drop(Enum<?> reason) {
        String name = reason.name().toLowerCase(Locale.ROOT);
        drops.computeIfAbsent(name, n -> registry.counter("pinhole.connector.drops", "reason", n)).increment();
    }

    <T> void gauge(String name, String tagKey, String tagValue, T obj, ToDoubleFunction<T> f) {
        Gauge.builder(name, obj, f).tag(tagKey, tagValue).register(registry);
    }

    void handshakes(Supplier<Number> total) {
        suppliers.add(total);
        FunctionCounter.builder("pinhole.connector.handshakes", total, s -> s.get().doubleValue())
                .description("completed WireGuard handshakes (rekeys included)").register(registry);
    }

    /** Refusals of the resource budget for {@code resource}, read at scrape time from the budget's counters. */
    void budgetRefusals(String resource, Supplier<Number> count) {
        suppliers.add(count);
        FunctionCounter.builder("pinhole.connector.budget.refusals", count, c -> c.get().doubleValue())
                .tag("resource", resource).register(registry);
    }

    /** Session recovery attempts of the WireGuard layer with {@code outcome}, read at scrape time. */
    void sessionRecoveries(String outcome, Supplier<Number> count) {
        suppliers.add(count);
        FunctionCounter.builder("pinhole.connector.session.recoveries", count, c -> c.get().doubleValue())
                .description("transport messages for a session this replica does not hold, by what became of them")
                .tag("outcome", outcome).register(registry);
    }

    /** Times the WireGuard socket's batched I/O failed and the datagram channel took over, read at scrape time. */
    void udpIoFallbacks(Supplier<Number> count) {
        suppliers.add(count);
        FunctionCounter.builder("pinhole.connector.udp.io.fallbacks", count, c -> c.get().doubleValue())
                .description("batched UDP I/O that failed (to open, or at run time) and was replaced by the channel")
                .register(registry);
    }

    /** Drops counted by another layer's own counters (WireGuard, packet parser), read at scrape time. */
    void externalDrops(String reason, Supplier<Number> count) {
        suppliers.add(count);
        FunctionCounter.builder("pinhole.connector.drops", count, s -> s.get().doubleValue())
                .tag("reason", reason).register(registry);
    }

    @Override
    public void queryReceived() {
        dnsQueries.increment();
    }

    @Override
    public void forwarded() {
        dnsForwarded.increment();
    }

    @Override
    public void synthesized() {
        dnsSynthesized.increment();
    }

    @Override
    public void refused(RefusalReason reason) {
        String name = reason.name().toLowerCase(Locale.ROOT);
        dnsRefused.computeIfAbsent(name, n -> registry.counter("pinhole.connector.dns.refused", "reason", n))
                .increment();
    }

    @Override
    public void dropped(DnsDropReason reason) {
        drops.computeIfAbsent("dns_" + reason.name().toLowerCase(Locale.ROOT),
                n -> registry.counter("pinhole.connector.drops", "reason", n)).increment();
    }

    @Override
    public void upstreamFailed() {
        dnsUpstreamFailures.increment();
    }

    @Override
    public void poolExhausted() {
        drops.computeIfAbsent("dns_pool_exhausted", n -> registry.counter("pinhole.connector.drops", "reason", n))
                .increment();
    }

    @Override
    public void nameCollision() {
        drops.computeIfAbsent("dns_name_collision", n -> registry.counter("pinhole.connector.drops", "reason", n))
                .increment();
    }
}
