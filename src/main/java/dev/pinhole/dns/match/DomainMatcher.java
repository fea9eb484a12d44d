package dev.pinhole.dns.match;

import dev.pinhole.dns.message.DnsName;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The set of {@link DomainPattern}s a connector serves; a lookup costs one hash probe per label of the
 * queried name, whatever the number of patterns. Immutable and thread-safe.
 */
public final class DomainMatcher {
    private final Map<String, DomainPattern> exact = new HashMap<>();
    private final Map<String, DomainPattern> subdomains = new HashMap<>();
    private final List<DomainPattern> patterns;

    private DomainMatcher(Collection<DomainPattern> patterns) {
        this.patterns = List.copyOf(patterns);
        for (DomainPattern p : patterns) {
            (p.kind() == DomainPattern.Kind.EXACT ? exact : subdomains).put(p.suffix(), p);
        }
    }

    public static DomainMatcher of(Collection<DomainPattern> patterns) {
        return new DomainMatcher(patterns);
    }

    /**
     * Parses every value; fails on the first invalid one with its message.
     *
     * @throws IllegalArgumentException naming the bad pattern
     */
    public static DomainMatcher parse(Collection<String> values) {
        return new DomainMatcher(values.stream().map(DomainPattern::parse).toList());
    }

    public static DomainMatcher none() {
        return new DomainMatcher(List.of());
    }

    public List<DomainPattern> patterns() {
        return patterns;
    }

    /** The pattern covering {@code name}: an exact entry first, then the closest {@code *.} suffix. */
    public Optional<DomainPattern> match(DnsName name) {
        DomainPattern hit = exact.get(name.key());
        if (hit != null) {
            return Optional.of(hit);
        }
        // Walk labels, not dots in the key: a wire label may itself contain a dot.
        for (DnsName up = name.parent(); !up.isRoot(); up = up.parent()) {
            hit = subdomains.get(up.key());
            if (hit != null) {
                return Optional.of(hit);
            }
        }
        return Optional.empty();
    }

    public boolean matches(DnsName name) {
        return match(name).isPresent();
    }
}
