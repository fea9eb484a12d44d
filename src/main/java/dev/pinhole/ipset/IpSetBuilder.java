package dev.pinhole.ipset;

/** Accumulates entries of both families in any order and with overlaps; {@link #build()} normalizes them. */
public final class IpSetBuilder {
    private final RangeAccumulator ipv4 = new RangeAccumulator(IpFamily.IPV4);
    private final RangeAccumulator ipv6 = new RangeAccumulator(IpFamily.IPV6);

    IpSetBuilder() {}

    /** Adds a user entry (address, CIDR or range); throws {@link IpEntryFormatException} if malformed. */
    public IpSetBuilder add(String entry) {
        return add(IpEntryParser.parseEntry(entry));
    }

    /** Adds every entry; throws {@link IpEntryFormatException} at the first malformed one. */
    public IpSetBuilder addAll(Iterable<String> entries) {
        for (String entry : entries) {
            add(entry);
        }
        return this;
    }

    public IpSetBuilder add(AddressRange range) {
        accumulator(range.family()).add(range.first().hi(), range.first().lo(), range.last().hi(),
                range.last().lo());
        return this;
    }

    public IpSetBuilder add(Cidr cidr) {
        return add(cidr.toRange());
    }

    public IpSetBuilder add(IpAddress address) {
        accumulator(address.family()).add(address.hi(), address.lo(), address.hi(), address.lo());
        return this;
    }

    /** Adds every range of {@code set}. */
    public IpSetBuilder addAll(IpSet set) {
        for (IpFamily family : IpFamily.values()) {
            for (AddressRange r : set.part(family).ranges()) {
                add(r);
            }
        }
        return this;
    }

    /** The normalized set of everything added so far; the builder stays usable. */
    public IpSet build() {
        return IpSet.of(ipv4.toSet(), ipv6.toSet());
    }

    private RangeAccumulator accumulator(IpFamily family) {
        return family == IpFamily.IPV4 ? ipv4 : ipv6;
    }
}
