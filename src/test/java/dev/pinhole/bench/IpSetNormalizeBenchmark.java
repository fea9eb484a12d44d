package dev.pinhole.bench;

import dev.pinhole.ipset.AddressRange;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpEntryParser;
import dev.pinhole.ipset.IpSet;
import dev.pinhole.ipset.IpSetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Normalizing 100,000 mixed user entries (IPv4 addresses, CIDRs and ranges clustered so they overlap, plus
 * some IPv6) into the minimal CIDR list, as the IPSet reconciler does. Run by hand; see docs/ipset.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class IpSetNormalizeBenchmark {
    static final int ENTRIES = 100_000;

    List<String> entries;
    List<AddressRange> parsed;

    /** Deterministic entries: 90% IPv4 inside 100.64.0.0/10 (about half covered, so
     * many overlap and many gaps remain), 10% IPv6 in 2001:db8::/48. */
    static List<String> mixedEntries(int count, long seed) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(count);
        int v4Base = 0x64400000; // 100.64.0.0
        long v6Hi = 0x20010db800000000L;
        for (int i = 0; i < count; i++) {
            if (random.nextInt(10) == 0) {
                long hi = v6Hi | random.nextInt(1 << 16);
                long lo = random.nextInt(1 << 12);
                switch (random.nextInt(3)) {
                    case 0 -> out.add(IpAddress.ofIpv6(hi, lo).toString());
                    case 1 -> out.add(Cidr.containing(IpAddress.ofIpv6(hi, lo), 100 + random.nextInt(29)).toString());
                    default -> out.add(IpAddress.ofIpv6(hi, lo) + "-" + IpAddress.ofIpv6(hi, lo + random.nextInt(4096)));
                }
                continue;
            }
            int a = v4Base + random.nextInt(1 << 22);
            switch (random.nextInt(3)) {
                case 0 -> out.add(IpAddress.ofIpv4(a).toString());
                case 1 -> out.add(Cidr.containing(IpAddress.ofIpv4(a), 24 + random.nextInt(9)).toString());
                default -> out.add(IpAddress.ofIpv4(a) + "-" + IpAddress.ofIpv4(a + random.nextInt(64)));
            }
        }
        return out;
    }

    @Setup
    public void setUp() {
        entries = mixedEntries(ENTRIES, 42);
        parsed = new ArrayList<>(ENTRIES);
        for (String e : entries) {
            parsed.add(IpEntryParser.parseEntry(e));
        }
    }

    /** Parse, sort, merge and cover: the whole reconciler step from strings to strings. */
    @Benchmark
    public List<String> parseAndNormalizeToCidrStrings() {
        return IpSet.parse(entries).toCidrStrings();
    }

    /** Sort, merge and cover already-parsed ranges: the set arithmetic alone. */
    @Benchmark
    public List<String> normalizeParsedToCidrStrings() {
        IpSetBuilder builder = IpSet.builder();
        for (AddressRange r : parsed) {
            builder.add(r);
        }
        return builder.build().toCidrStrings();
    }
}
