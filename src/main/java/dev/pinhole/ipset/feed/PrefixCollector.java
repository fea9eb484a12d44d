package dev.pinhole.ipset.feed;

import dev.pinhole.ipset.AddressRange;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpEntryFormatException;
import dev.pinhole.ipset.IpEntryParser;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Gathers a feed's prefixes through the library's entry parser, refusing the feed past its prefix cap. */
final class PrefixCollector {
    private final String source;
    private final int maxPrefixes;
    private final TreeSet<Cidr> prefixes = new TreeSet<>();

    PrefixCollector(String source, int maxPrefixes) {
        this.source = source;
        this.maxPrefixes = maxPrefixes;
    }

    /** Adds one entry (CIDR, address or range) read at {@code field}. */
    void add(String field, String entry) {
        AddressRange range;
        try {
            range = IpEntryParser.parseEntry(entry);
        } catch (IpEntryFormatException e) {
            throw new FeedParseException(source, field, "expected a CIDR, got " + e.getMessage());
        }
        for (Cidr cidr : range.toCidrs()) {
            prefixes.add(cidr);
            if (prefixes.size() > maxPrefixes) {
                throw new FeedParseException(source, field, "more than " + maxPrefixes + " prefixes (the cap)");
            }
        }
    }

    List<Cidr> prefixes(String emptyField) {
        if (prefixes.isEmpty()) {
            // An empty list is never a feed's real answer; taking it would drop every range of the source.
            throw new FeedParseException(source, emptyField, "expected at least one prefix, found none");
        }
        return new ArrayList<>(prefixes);
    }
}
