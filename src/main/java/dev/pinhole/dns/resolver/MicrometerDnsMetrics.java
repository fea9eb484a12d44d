package dev.pinhole.dns.resolver;

import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * Publishes {@link DnsMetrics} to Micrometer: {@code pinhole.dns.queries}, {@code .forwarded},
 * {@code .synthesized}, {@code .refused{reason}}, {@code .dropped{reason}}, {@code .upstream.failures},
 * {@code .pool.exhausted}, {@code .collisions} counters and the {@code pinhole.dns.mappings.active} gauge.
 */
public final class MicrometerDnsMetrics implements DnsMetrics {
    private static final String MAPPINGS_GAUGE = "pinhole.dns.mappings.active";
    private final Counter queries;
    private final Counter forwarded;
    private final Counter synthesized;
    private final Counter upstreamFailures;
    private final Counter poolExhausted;
    private final Counter collisions;
    private final Map<RefusalReason, Counter> refused = new EnumMap<>(RefusalReason.class);
    private final Map<DnsDropReason, Counter> dropped = new EnumMap<>(DnsDropReason.class);

    public MicrometerDnsMetrics(MeterRegistry registry, SyntheticAddressPool pool) {
        queries = registry.counter("pinhole.dns.queries");
        forwarded = registry.counter("pinhole.dns.forwarded");
        synthesized = registry.counter("pinhole.dns.synthesized");
        upstreamFailures = registry.counter("pinhole.dns.upstream.failures");
        poolExhausted = registry.counter("pinhole.dns.pool.exhausted");
        collisions = registry.counter("pinhole.dns.collisions");
        for (RefusalReason r : RefusalReason.values()) {
            refused.put(r, registry.counter("pinhole.dns.refused", "reason", r.name().toLowerCase()));
        }
        for (DnsDropReason r : DnsDropReason.values()) {
            dropped.put(r, registry.counter("pinhole.dns.dropped", "reason", r.name().toLowerCase()));
        }
        // A config reload may build a new pool: the newest one owns the gauge (Micrometer would silently keep
        // the first registration otherwise).
        registry.find(MAPPINGS_GAUGE).meters().forEach(registry::remove);
        Gauge.builder(MAPPINGS_GAUGE, pool, SyntheticAddressPool::size)
                .description("names mapped to synthetic addresses").strongReference(true).register(registry);
    }

    @Override
    public void queryReceived() {
        queries.increment();
    }

    @Override
    public void forwarded() {
        forwarded.increment();
    }

    @Override
    public void synthesized() {
        synthesized.increment();
    }

    @Override
    public void refused(RefusalReason reason) {
        refused.get(reason).increment();
    }

    @Override
    public void dropped(DnsDropReason reason) {
        dropped.get(reason).increment();
    }

    @Override
    public void upstreamFailed() {
        upstreamFailures.increment();
    }

    @Override
    public void poolExhausted() {
        poolExhausted.increment();
    }

    @Override
    public void nameCollision() {
        collisions.increment();
    }
}
